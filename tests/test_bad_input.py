"""Bad input from Slack: each case, the exact message the user sees, and what the log keeps.

None of them may reach CreateSceneAigcImageTask, put a traceback in Slack, leave a parent message reading
"working", or go unlogged.
"""

from __future__ import annotations

import json
import logging

import pytest

from bot.config import Settings
from tests.conftest import TEAM_ID, RunningBot, result_action, rows, slack_argument, wait_until
from tests.fakes import FakeSlack, FakeVod
from tests.fakes.slack_signing import app_mention_event
from tests.test_slack_flows import form_submission

CREATE = "CreateSceneAigcImageTask"
FORM = "application/x-www-form-urlencoded"
URL = "https://shop.example/sneaker.png"
RATIOS = "1:1, 3:2, 2:3, 3:4, 4:3, 4:5, 5:4, 16:9, 9:16, 21:9"


def slack_texts(slack: FakeSlack) -> list[str]:
    texts = [json.dumps(call.args, ensure_ascii=False) for call in slack.calls]
    return texts + [json.dumps(r["body"], ensure_ascii=False) for r in slack.responses]


def assert_nothing_broke(slack: FakeSlack, vod: FakeVod) -> None:
    assert vod.calls(CREATE) == []
    assert not any("Traceback" in text or "Error:" in text for text in slack_texts(slack))
    parents = [c.args for c in slack.calls if c.method == "chat.update"]
    assert not any(p["text"].endswith("working") for p in parents)


SLASH_CASES = [
    ("paint " + URL, "`paint` is not a scene. Use product, tryon or outpaint."),
    (
        f"product {URL} size=big",
        "Unknown option size=. Options are: ratio=, count=, resolution=, storage=, model=, negative=.",
    ),
    (f"outpaint {URL} ratio=7:3", f"ratio=7:3 is not offered. Use one of: {RATIOS}."),
    (f"outpaint {URL} ratio=", f"ratio= is not offered. Use one of: {RATIOS}."),
    (f"tryon {URL} {URL} resolution=8K", "resolution=8K is not offered. Use 1K, 2K or 4K."),
    (f"product {URL} count=11", "count=11 is not allowed: give a whole number from 1 to 10."),
    (f"product {URL} count=abc", "count=abc is not allowed: give a whole number from 1 to 10."),
    (f"outpaint {URL} storage=forever", "storage=forever is not offered. Use temporary or permanent."),
    (f"tryon {URL} {URL} model=ultra", "model=ultra is not offered. Use lite, flash or pro."),
    (
        "product " + " ".join(f"https://shop.example/{n}.png" for n in range(11)),
        "product takes 1 to 10 images of one product; got 11.",
    ),
    (
        f"tryon {URL}",
        "tryon takes 1 to 4 clothes images after the model image; got 0.",
    ),
    (
        "product red background",
        "product needs at least one image: a link, a VOD FileId, or an attached image. Type `/aigc help` for examples.",
    ),
    (f"product {URL} " + "é" * 1001, "The prompt is 1001 characters; the most is 1000."),
    (
        "product ftp://shop.example/a.png",
        "`ftp://shop.example/a.png` uses ftp://; only http:// and https:// image URLs work.",
    ),
    ("outpaint file:///etc/passwd", "`file:///etc/passwd` uses file://; only http:// and https:// image URLs work."),
    # What the scene does not take is refused here too, not after a public "Working on …" that then fails.
    (f"outpaint {URL} count=3", "count= is for product images only."),
    (f"product {URL} resolution=2K", "resolution= is for try-on only."),
    (f"tryon {URL} {URL} ratio=16:9", "ratio= is for product images and outpainting only."),
    (
        f"outpaint {URL} make it wider",
        "Outpainting takes no prompt: it extends the image to the ratio. "
        "Remove the text after the image, or choose product or tryon.",
    ),
    (
        f'product {URL} negative="unterminated on marble',
        'The quote after negative= is not closed: end the words with a second ", e.g. negative="like this".',
    ),
]


@pytest.mark.parametrize(("text", "message"), SLASH_CASES, ids=[c[0][:28] for c in SLASH_CASES])
def test_bad_slash_command_gets_this_exact_private_answer_and_an_invalid_row(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings, text: str, message: str
) -> None:
    answer = bot.command(text)
    assert answer.status_code == 200
    assert answer.json() == {"response_type": "ephemeral", "text": f":warning: {message}"}
    [row] = rows(settings)
    assert (row["source"], row["status"], row["error_code"]) == ("slash_command", "invalid", "InvalidInput")
    assert row["error_message"] == message
    assert slack.calls_to("chat.postMessage") == []  # a private answer only, nothing in the channel
    assert_nothing_broke(slack, vod)


def test_an_empty_command_opens_the_form_instead_of_failing(bot: RunningBot, slack: FakeSlack, vod: FakeVod) -> None:
    answer = bot.command("   ", trigger_id="trig-empty")
    assert answer.status_code == 200 and answer.text == ""
    assert slack.wait_for("views.open")[0]["trigger_id"] == "trig-empty"
    assert_nothing_broke(slack, vod)


FILE_CASES = [
    (
        "spec.pdf",
        "application/pdf",
        "pdf",
        b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n" * 5,
        "spec.pdf is not an image; I read HEIC/HEIF, AVIF, JPEG, PNG, WebP, GIF, BMP and TIFF. "
        "product needs at least one image: a link, "
        "a VOD FileId, or an attached image. Type `/aigc help` for examples.",
    ),
    (
        "IMG_0001.HEIC",
        "image/heic",
        "heic",
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64,
        "IMG_0001.HEIC starts like a HEIC/HEIF photo but is truncated or damaged, so I could not read it. "
        "Share the original file again.",
    ),
    (
        "shoe.png",
        "image/png",
        "png",
        b"just some notes, not a picture\n" * 4,
        "shoe.png is not an image I can read: it looks like text. "
        "I read HEIC/HEIF, AVIF, JPEG, PNG, WebP, GIF, BMP and TIFF.",
    ),
    (
        "cut.jpg",
        "image/jpeg",
        "jpg",
        b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 64,  # a JPEG header with nothing after it
        "cut.jpg starts like a JPEG image but is truncated or damaged, so I could not read it. "
        "Share the original file again.",
    ),
]


@pytest.mark.parametrize(
    ("name", "mimetype", "filetype", "data", "message"), FILE_CASES, ids=[c[0] for c in FILE_CASES]
)
def test_a_shared_file_that_is_not_a_usable_image_is_explained_in_the_thread(
    bot: RunningBot,
    slack: FakeSlack,
    vod: FakeVod,
    settings: Settings,
    name: str,
    mimetype: str,
    filetype: str,
    data: bytes,
    message: str,
) -> None:
    shared = slack.add_file("FBAD1", data, name, mimetype, filetype)
    mention = app_mention_event("product red background", channel="C500", ts="1700000500.000100", files=[shared])
    assert bot.event(mention, event_id="EvBad1").status_code == 200
    row = wait_until(lambda: next((r for r in rows(settings) if r["status"] == "invalid"), None), what="row")
    assert (row["source"], row["error_code"], row["error_message"]) == ("file_share", "InvalidInput", message)
    replies = wait_until(
        lambda: [
            c
            for c in slack.calls_to("chat.postMessage")
            if c.get("thread_ts") == "1700000500.000100" and c["text"].startswith(":warning:")
        ],
        what="the explanation in the thread",
    )
    headline = (
        "I could not use that."
        if name == "spec.pdf"
        else "I could not use this request; nothing was submitted or billed."
    )
    assert replies[0]["text"] == f":warning: {headline}\n{message}"
    if name != "spec.pdf":  # a request that got as far as a parent message marks it failed
        wait_until(lambda: slack.calls_to("chat.update"), what="parent update")
        assert slack.calls_to("chat.update")[-1]["text"].endswith(":x: failed")
    assert_nothing_broke(slack, vod)


def test_a_file_id_vod_does_not_know_is_refused_with_tencents_code_and_request_id(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    bot.command("product 12345678901234567 red background")
    row = wait_until(lambda: next((r for r in rows(settings) if r["status"] == "failed"), None), what="failed row")
    assert row["error_code"] == "InvalidParameterValue.FileId" and row["request_id"]
    reply = wait_until(
        lambda: [c["text"] for c in slack.calls_to("chat.postMessage") if c.get("thread_ts") == row["thread_ts"]],
        what="the refusal in the thread",
    )[0]
    assert reply == (
        ":warning: Tencent Cloud refused while submitting.\n"
        "One of the images you picked could not be found in the bot's video library.\n"
        "It may have been deleted or belong to another library; upload the image again and resubmit.\n"
        "Details: The FileId does not exist.\n"
        f"Code: InvalidParameterValue.FileId · RequestId: {row['request_id']}"
    )
    wait_until(lambda: slack.calls_to("chat.update"), what="parent update")
    assert slack.calls_to("chat.update")[-1]["text"].endswith(":x: failed")
    assert not any("Traceback" in text for text in slack_texts(slack))


def test_unicode_emoji_and_mention_injection_are_kept_for_tencent_and_defused_for_slack(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    prompt = "红色背景 👟 <!channel> <!here> <@U999> <#C1> *bold*"
    bot.command(f"product {URL} {prompt}")
    wait_until(lambda: vod.calls(CREATE), what="the submission")
    sent = vod.calls(CREATE)[0]["SceneInfo"]["ProductImageConfig"]["Prompt"]
    assert sent == prompt  # Tencent gets the words as typed
    row = wait_until(lambda: next((r for r in rows(settings) if r["task_id"]), None), what="submitted row")
    assert (
        row["prompt"] == prompt
        and prompt in json.loads(row["request_json"])["SceneInfo"]["ProductImageConfig"]["Prompt"]
    )
    wait_until(lambda: any("TaskId" in c["text"] for c in slack.calls_to("chat.postMessage")), what="the TaskId reply")
    for text in [c.args.get("text", "") for c in slack.calls if c.method in ("chat.postMessage", "chat.update")]:
        for live in ("<!channel>", "<!here>", "<@U999>", "<#C1>"):
            assert live not in text, text
    assert any(
        "红色背景 👟 &lt;!channel&gt; &lt;!here&gt; &lt;@U999&gt;" in c["text"]
        for c in slack.calls_to("chat.postMessage")
    )


def test_characters_that_hide_or_reverse_text_never_reach_the_thread(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod
) -> None:
    prompt = "sale \u202eevil\u202c price\u200b 👨\u200d👩\u200d👧 שלום\u200f"
    bot.command(f"product {URL} {prompt}")
    wait_until(lambda: vod.calls(CREATE), what="the submission")
    assert vod.calls(CREATE)[0]["SceneInfo"]["ProductImageConfig"]["Prompt"] == prompt  # Tencent gets it as typed
    parent = wait_until(lambda: slack.calls_to("chat.postMessage"), what="the parent message")[0]["text"]
    assert "sale evil price 👨\u200d👩\u200d👧 שלום\u200f" in parent  # joiners and direction marks stay
    assert not {"\u202e", "\u202c", "\u200b"} & set(parent)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"type": "event_callback", "event": {', "application/json", 400),
        (b"payload=%7Bnot-json", FORM, 400),
        (b"\xff\xfe\x00garbage", FORM, 401),  # Slack only sends UTF-8, so this cannot be from Slack
    ],
    ids=["truncated JSON", "payload not JSON", "binary"],
)
def test_a_signed_but_unreadable_payload_is_refused_plainly(
    bot: RunningBot,
    slack: FakeSlack,
    vod: FakeVod,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
    status: int,
) -> None:
    with caplog.at_level(logging.WARNING):
        answer = bot.post(body, content_type)
    assert answer.status_code == status and "Traceback" not in answer.text
    assert not any(r.exc_info for r in caplog.records), "a traceback was logged"
    assert rows(settings) == [] and slack.calls == []
    assert_nothing_broke(slack, vod)


def test_an_unsigned_or_garbled_unsigned_payload_gets_401_and_does_nothing(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    assert bot.post(b"{not json", "application/json", sign=False).status_code == 401
    forged = {"X-Slack-Request-Timestamp": "1700000000", "X-Slack-Signature": "v0=" + "0" * 64}
    assert bot.post(b"command=%2Faigc&text=product", FORM, headers=forged, sign=False).status_code == 401
    assert rows(settings) == [] and slack.calls == []
    assert_nothing_broke(slack, vod)


def test_an_event_from_another_workspace_shape_without_files_gets_help_not_an_error(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod
) -> None:
    mention = app_mention_event("help", channel="C600", ts="1700000600.000100", team_id=TEAM_ID)
    bot.event(mention, event_id="EvHelp")
    reply = slack.wait_for("chat.postMessage")[0]
    assert reply["thread_ts"] == "1700000600.000100" and "/aigc tryon" in reply["text"]
    assert_nothing_broke(slack, vod)


def test_a_mention_asking_a_scene_for_what_it_does_not_take_is_answered_without_a_request(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    mention = app_mention_event(f"<@UBOT> outpaint {URL} count=3", channel="C510", ts="1700000510.000100")
    assert bot.event(mention, event_id="EvCount").status_code == 200
    reply = wait_until(lambda: slack.calls_to("chat.postMessage"), what="the answer in the thread")[0]
    assert (reply["thread_ts"], reply["text"]) == (
        "1700000510.000100",
        ":warning: I could not use that.\ncount= is for product images only.",
    )
    [row] = rows(settings)
    assert (row["status"], row["error_message"]) == ("invalid", "count= is for product images only.")
    assert slack.calls_to("chat.update") == []  # no parent message was posted to mark failed
    assert_nothing_broke(slack, vod)


def test_a_form_for_outpainting_with_a_prompt_is_refused_on_the_prompt_field(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    """The outpainting form has no Prompt field; a form drawn before that (or for another scene) may still send one."""
    bot.command("", trigger_id="trig-outpaint")
    modal = slack_argument(slack.wait_for("views.open")[0]["view"])
    values = {
        "scene": {"scene_select": {"type": "static_select", "selected_option": {"value": "outpaint"}}},
        "links": {"value": {"type": "plain_text_input", "value": URL}},
        "prompt": {"value": {"type": "plain_text_input", "value": "make it wider"}},
    }
    answer = bot.interactive(form_submission("VOUT", modal["private_metadata"], values)).json()
    assert answer == {
        "response_action": "errors",
        "errors": {
            "prompt": "Outpainting takes no prompt: it extends the image to the ratio. "
            "Clear the Prompt field, or choose product or tryon."
        },
    }
    assert [r for r in rows(settings) if r["status"] != "invalid"] == []
    assert slack.calls_to("chat.postMessage") == []
    assert_nothing_broke(slack, vod)


def test_a_form_whose_private_metadata_is_unreadable_is_refused_in_the_form(
    bot: RunningBot, vod: FakeVod, settings: Settings
) -> None:
    values = {
        "scene": {"scene_select": {"type": "static_select", "selected_option": {"value": "outpaint"}}},
        "links": {"value": {"type": "plain_text_input", "value": URL}},
    }
    response = bot.interactive(form_submission("V-odd", "{not json", values))
    assert response.status_code == 200
    assert response.json() == {
        "response_action": "errors",
        "errors": {"scene": "This form cannot be read. Close it and open it again with /aigc."},
    }
    assert rows(settings) == [] and vod.requests == []


def test_run_again_on_a_request_that_never_was_one_is_answered_plainly(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    bot.command("poster https://shop.example/a.png")  # logged as unusable input: no scene, no result, no buttons
    [unusable] = rows(settings)
    assert bot.interactive(result_action(unusable, "aigc_run_again", slack, "1700003000.1")).status_code == 200
    [told] = wait_until(lambda: slack.responses_to("act-1700003000.1"), what="the answer to the click")
    assert told["text"].startswith("That request cannot be run again from here")
    assert len(rows(settings)) == 1 and vod.requests == []
