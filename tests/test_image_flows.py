"""Photos as people share them, end to end over the fakes: Slack in, prepared bytes at COS, the note in the thread."""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image

from bot.config import Settings
from tests.conftest import RunningBot, make_settings, rows, thread_replies, wait_status, wait_until
from tests.fakes import FakeCos, FakeSlack, FakeVod
from tests.fakes.slack_signing import app_mention_event, im_message_event
from tests.sample_images import MARK, OTHER, camera_exif, encoded, heic, marked, photo_like, pixel_bomb
from tests.test_cli import aigc_bot, env_for

CREATE = "CreateSceneAigcImageTask"


def stored_images(cos: FakeCos) -> list[Image.Image]:
    with cos.lock:
        bodies = list(cos.objects.values())
    return [Image.open(io.BytesIO(body)) for body in bodies]


def upright(image: Image.Image) -> bool:
    inset = image.height // 8
    top_left, top_right = image.getpixel((inset, inset)), image.getpixel((image.width - 1 - inset, inset))
    assert isinstance(top_left, tuple) and isinstance(top_right, tuple)
    return all(abs(a - b) < 40 for a, b in zip(top_left, MARK, strict=True)) and all(
        abs(a - b) < 40 for a, b in zip(top_right, OTHER, strict=True)
    )


def test_an_iphone_heic_shared_in_a_dm_is_submitted_as_jpeg_with_a_note_in_the_thread(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, cos: FakeCos, settings: Settings
) -> None:
    photo = slack.add_file("FHEIC", heic(marked(), exif=camera_exif()), "IMG_4821.HEIC", "image/heic", "heic")
    dm = im_message_event("product red background", channel="D700", ts="1700007000.000100", files=[photo])
    assert bot.event(dm, event_id="EvHeic").status_code == 200
    row = wait_status(settings, "submitted")[0]
    note = "IMG_4821.HEIC: converted to JPEG, removed its metadata (including the GPS location)"
    assert row["image_notes"] == note
    reply = wait_until(
        lambda: next((r for r in thread_replies(slack, "1700007000.000100") if row["task_id"] in r["text"]), None),
        what="the TaskId reply",
    )
    assert reply["text"].endswith("\n" + note)
    [sent] = stored_images(cos)
    assert (sent.format, sent.mode, sent.size) == ("JPEG", "RGB", (96, 64)) and upright(sent)
    assert not sent.getexif()
    assert vod.calls("ApplyUpload")[0]["MediaType"] == "jpg"
    assert vod.calls(CREATE)[0]["SceneInfo"]["ProductImageConfig"]["Prompt"] == "red background"


def test_a_sideways_phone_jpeg_reaches_cos_upright_without_gps_and_a_clean_one_byte_for_byte(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, cos: FakeCos, settings: Settings
) -> None:
    sideways = encoded(marked().transpose(Image.Transpose.ROTATE_90), "JPEG", quality=95, exif=camera_exif(6))
    assert Image.open(io.BytesIO(sideways)).getexif().get_ifd(0x8825), "the shared photo carries its location"
    clean = encoded(marked(), "JPEG", quality=92)
    files = [
        slack.add_file("FSIDE", sideways, "IMG_0007.JPG", "image/jpeg", "jpg"),
        slack.add_file("FCLEAN", clean, "clean.jpg", "image/jpeg", "jpg"),
    ]
    mention = app_mention_event("product on marble", channel="C700", ts="1700007100.000100", files=files)
    assert bot.event(mention, event_id="EvSide").status_code == 200
    row = wait_status(settings, "submitted")[0]
    assert row["image_notes"] == "IMG_0007.JPG: turned upright, removed its metadata (including the GPS location)"
    with cos.lock:
        bodies = list(cos.objects.values())
    assert clean in bodies, "an upright, clean JPEG goes byte for byte"
    [prepared] = [body for body in bodies if body != clean]
    assert b"Exif" not in prepared and b"Phone Maker" not in prepared
    image = Image.open(io.BytesIO(prepared))
    assert image.size == (96, 64) and upright(image) and not image.getexif()


def test_a_pixel_bomb_is_refused_in_the_thread_and_nothing_is_uploaded_or_billed(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    bomb = slack.add_file("FBOMB", pixel_bomb(), "poster.png", "image/png", "png")
    mention = app_mention_event("product red background", channel="C701", ts="1700007200.000100", files=[bomb])
    assert bot.event(mention, event_id="EvBomb").status_code == 200
    row = wait_status(settings, "invalid")[0]
    sentence = (
        "poster.png is 40000x40000 pixels (1600 megapixels); images can be at most 100 megapixels. "
        "Scale it down and share it again."
    )
    assert row["error_message"] == sentence
    wait_until(
        lambda: any(sentence in r["text"] for r in thread_replies(slack, "1700007200.000100")), what="the refusal"
    )
    assert vod.calls("ApplyUpload") == [] and vod.calls(CREATE) == []


def test_a_file_over_the_download_limit_is_refused_before_download(
    slack: FakeSlack, vod: FakeVod, cos: FakeCos, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_max_download_mb=1)
    big = encoded(photo_like(1200, 900, 80), "BMP")
    assert len(big) > 1_048_576
    shared = slack.add_file("FBIG", big, "scan.bmp", "image/bmp", "bmp")
    bot = RunningBot(settings).start()
    try:
        mention = app_mention_event("product white", channel="C702", ts="1700007300.000100", files=[shared])
        assert bot.event(mention, event_id="EvBig").status_code == 200
        row = wait_status(settings, "invalid")[0]
    finally:
        bot.stop()
    assert row["error_message"] == "scan.bmp is 3.1 MB; I only fetch files of up to 1 MB, so nothing was downloaded."
    assert slack.downloads == [] and vod.calls("ApplyUpload") == []
    assert [r["status"] for r in rows(settings)] == ["invalid"]


def test_the_command_line_prepares_a_local_heic_too(
    settings: Settings, vod: FakeVod, cos: FakeCos, tmp_path: Path
) -> None:
    photo = tmp_path / "photo.heic"
    photo.write_bytes(heic(marked(), exif=camera_exif()))
    result = aigc_bot(["submit", "--scene", "product", "--image", "./photo.heic"], env_for(settings), tmp_path)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["ImagesPrepared"] == [
        "photo.heic: converted to JPEG, removed its metadata (including the GPS location)"
    ]
    [sent] = stored_images(cos)
    assert sent.format == "JPEG" and upright(sent) and not sent.getexif()
