from pathlib import Path

import pytest

from bot.slack.refs import BadRef, FileIdRef, PathRef, UrlRef, parse_ref, unwrap_slack_link
from bot.tencent.imagetype import JPEG, PNG, WEBP, NotAnImage, sniff
from bot.tencent.upload import ImageTooLarge, check_image_file, expire_time_after

PNG_HEAD = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


def test_real_image_types_are_recognised_from_bytes() -> None:
    assert sniff(b"\xff\xd8\xff\xe0" + b"\x00" * 28) == JPEG
    assert sniff(PNG_HEAD) == PNG
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == WEBP


@pytest.mark.parametrize(
    ("head", "said"),
    [
        (b"%PDF-1.7\n", "a PDF document"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "HEIC"),
        (b"just some text pretending to be a png", "text"),
        (b"GIF89a....", "a GIF"),
        (b"", "an empty file"),
    ],
)
def test_non_images_are_named_for_what_they_are(head: bytes, said: str) -> None:
    with pytest.raises(NotAnImage, match="not a JPEG, PNG or WebP image") as caught:
        sniff(head)
    assert said in str(caught.value)


def test_a_png_name_does_not_make_text_an_image(tmp_path: Path) -> None:
    fake = tmp_path / "photo.png"
    fake.write_text("hello")
    with pytest.raises(NotAnImage, match="looks like text"):
        check_image_file(fake, max_bytes=1000)


def test_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(PNG_HEAD + b"\x00" * 3_000_000)
    with pytest.raises(ImageTooLarge, match=r"big.png is 2.9 MB; the limit is 2 MB"):
        check_image_file(big, max_bytes=2 * 1_048_576)


def test_refs_parse_as_typed(tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(PNG_HEAD)
    assert parse_ref("3704211000509819", allow_paths=False) == FileIdRef("3704211000509819")
    assert parse_ref("<https://x.test/a.png|a.png>", allow_paths=False) == UrlRef("https://x.test/a.png")
    assert parse_ref("<https://x.test/b.png>", allow_paths=False) == UrlRef("https://x.test/b.png")
    assert parse_ref(str(image), allow_paths=True) == PathRef(image)
    assert unwrap_slack_link("plain") == "plain"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ftp://x.test/a.png", "only http:// and https:// image URLs work"),
        ("file:///etc/passwd", "only http:// and https:// image URLs work"),
        ("/etc/passwd", "is not an image reference"),
    ],
)
def test_bad_refs_are_explained(text: str, message: str) -> None:
    with pytest.raises(BadRef, match=message):
        parse_ref(text, allow_paths=False)


def test_missing_local_file_is_explained() -> None:
    with pytest.raises(BadRef, match="no such file"):
        parse_ref("/nonexistent/shirt.png", allow_paths=True)


def test_upload_expiry_is_iso_8601_utc() -> None:
    from datetime import UTC, datetime

    assert expire_time_after(7, datetime(2026, 11, 24, 12, 0, tzinfo=UTC)) == "2026-12-01T12:00:00Z"
    assert expire_time_after(0) is None
