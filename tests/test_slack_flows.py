"""The running bot, driven by signed Slack requests, answering through the fake Slack Web API."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bot.config import Settings
from tests.conftest import (
    BOT_TOKEN,
    SECRET_KEY,
    SIGNING_SECRET,
    TEAM_ID,
    PNG_1x1,
    RunningBot,
    make_settings,
    rows,
    slack_argument,
    thread_replies,
    wait_status,
    wait_until,
)
from tests.fakes import FakeCos, FakeSlack, FakeVod
from tests.fakes.slack_signing import signed_headers

CREATE = "CreateSceneAigcImageTask"


def test_slash_command_product_posts_parent_and_task_id_in_thread(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    response = bot.command("product <https://shop.example/mug.png|mug.png> on a marble counter ratio=4:5 count=2")
    assert response.status_code == 200
    assert "Working on" in response.json()["text"]
    row = wait_status(settings, "submitted")[0]
    parent = slack.calls_to("chat.postMessage")[0]
    assert parent["channel"] == "C100" and "thread_ts" not in parent
    assert "<@U100> asked for *AI product image*" in parent["text"]
    replies = wait_until(lambda: thread_replies(slack, row["thread_ts"]), what="thread reply")
    assert row["task_id"] in replies[0]["text"] and row["request_id"] in replies[0]["text"]
    sent = vod.calls(CREATE)
    assert len(sent) == 1
    assert json.loads(row["request_json"]) == sent[0]
    assert sent[0]["FileInfos"] == [{"Type": "Url", "Url": "https://shop.example/mug.png"}]
    assert sent[0]["SceneInfo"]["ProductImageConfig"] == {"Prompt": "on a marble counter", "OutputImageCount": 2}
    assert sent[0]["OutputConfig"] == {"AspectRatio": "4:5"}
    assert len(sent[0]["SessionId"]) <= 50
    assert row["source"] == "slash_command" and row["scene"] == "product" and row["user_id"] == "U100"
    assert row["team_id"] == TEAM_ID and row["channel_id"] == "C100" and row["error_code"] is None


def test_slash_command_tryon_and_outpaint(bot: RunningBot, vod: FakeVod, settings: Settings) -> None:
    vod.add_file_id("3704211000509819")
    bot.command(
        "tryon 3704211000509819 https://shop.example/jacket.png https://shop.example/hat.png open jacket "
        "model=flash resolution=2k"
    )
    bot.command("outpaint https://shop.example/banner.jpg ratio=21:9")
    wait_status(settings, "submitted", 2)
    by_type = {c["SceneInfo"]["Type"]: c for c in vod.calls(CREATE)}
    try_on = by_type["ai_try_on"]
    assert try_on["FileInfos"] == [{"Type": "File", "FileId": "3704211000509819"}]
    assert try_on["SceneInfo"]["AiTryOnConfig"] == {
        "Model": "WAND-tryon-1.0-flash",
        "ClothesFileInfos": [
            {"Type": "Url", "Url": "https://shop.example/jacket.png"},
            {"Type": "Url", "Url": "https://shop.example/hat.png"},
        ],
        "Prompt": "open jacket",
    }
    assert try_on["OutputConfig"] == {"Resolution": "2K"}
    assert by_type["outpainting"]["OutputConfig"] == {"AspectRatio": "21:9"}


def test_tencent_refusal_is_mapped_in_the_thread(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    vod.fail_next(CREATE, "UnauthorizedOperation", "no permission")
    bot.command("outpaint https://shop.example/banner.jpg")
    row = wait_status(settings, "failed")[0]
    assert row["error_code"] == "UnauthorizedOperation" and row["request_id"]
    reply = wait_until(lambda: thread_replies(slack, row["thread_ts"]), what="error reply")[0]["text"]
    assert "Code: UnauthorizedOperation" in reply and row["request_id"] in reply
    assert "admin" in reply
    parent_updates = slack.wait_for("chat.update")
    assert parent_updates and ":x: failed" in parent_updates[-1]["text"]


def test_bad_command_is_answered_at_once_and_logged(bot: RunningBot, vod: FakeVod, settings: Settings) -> None:
    for text, expected in [
        ("paint https://a.example/x.png", "`paint` is not a scene"),
        ("product", "needs at least one image"),
        ("product https://a.example/x.png ratio=7:3", "ratio=7:3 is not offered"),
        ("product https://a.example/x.png colour=red", "Unknown option colour="),
        ("outpaint ftp://a.example/x.png", "only http:// and https://"),
        ("product https://a.example/x.png count=0", "count=0 is not allowed"),
    ]:
        response = bot.command(text)
        assert response.status_code == 200
        assert expected in response.json()["text"], text
    assert vod.requests == []
    assert [r["status"] for r in rows(settings)] == ["invalid"] * 6


def test_help_and_form(bot: RunningBot, slack: FakeSlack) -> None:
    assert "/aigc tryon" in bot.command("help").json()["text"]
    bot.command("", trigger_id="trig-1")
    view = slack.wait_for("views.open")[0]
    assert view["trigger_id"] == "trig-1"
    modal = slack_argument(view["view"])
    assert modal["callback_id"] == "aigc_form"
    assert any(b.get("element", {}).get("type") == "file_input" for b in modal["blocks"])


def form_submission(view_id: str, metadata: str, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": "U100", "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "trigger_id": "trig-view",
        "view": {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": "modal",
            "callback_id": "aigc_form",
            "private_metadata": metadata,
            "hash": "h1",
            "state": {"values": values},
        },
    }


def test_modal_submission_uploads_attached_files_and_replies(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, cos: FakeCos, settings: Settings
) -> None:
    bot.command("", trigger_id="trig-2")
    modal = slack.wait_for("views.open")[0]["view"]
    modal = slack_argument(modal)
    shared = slack.add_file("F100", PNG_1x1, "mug.png", "image/png", "png")
    values = {
        "scene": {"scene_select": {"type": "static_select", "selected_option": {"value": "product"}}},
        "images": {"files": {"type": "file_input", "files": [shared]}},
        "prompt": {"value": {"type": "plain_text_input", "value": "studio light"}},
        "count": {"value": {"type": "static_select", "selected_option": {"value": "2"}}},
        "ratio": {"value": {"type": "static_select", "selected_option": None}},
    }
    payload = form_submission("V1", modal["private_metadata"], values)
    response = bot.interactive(payload)
    assert response.status_code == 200 and response.content in (b"", b"{}")
    row = wait_status(settings, "submitted")[0]
    assert row["source"] == "modal"
    sent = vod.calls(CREATE)[0]
    file_id = sent["FileInfos"][0]["FileId"]
    # Tencent is pointed at the very file the bot uploaded: the FileId CommitUpload gave for the image in COS.
    [committed] = [upload for upload in vod.upload_sessions.values() if upload.file_id is not None]
    assert len(vod.calls("CommitUpload")) == 1 and file_id == committed.file_id
    assert cos.objects == {committed.path: PNG_1x1}
    assert sent["SceneInfo"]["ProductImageConfig"] == {"Prompt": "studio light", "OutputImageCount": 2}
    # A double click sends the same view again: it is acknowledged and ignored. The form is logged before it
    # is acknowledged, so once the answer is here a second request would already be in the log.
    assert bot.interactive(payload).status_code == 200
    assert [r["id"] for r in rows(settings)] == [row["id"]]
    assert len(vod.calls(CREATE)) == 1


def test_modal_errors_are_shown_on_the_right_field(bot: RunningBot, slack: FakeSlack, vod: FakeVod) -> None:
    bot.command("", trigger_id="trig-3")
    modal = slack.wait_for("views.open")[0]["view"]
    modal = slack_argument(modal)
    values = {"scene": {"scene_select": {"type": "static_select", "selected_option": {"value": "tryon"}}}}
    response = bot.interactive(form_submission("V2", modal["private_metadata"], values))
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"images", "clothes"}
    assert vod.requests == []


def test_message_shortcut_opens_form_with_message_images_and_answers_in_its_thread(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    files = [slack.add_file(f"F2{i}", PNG_1x1, f"shoe{i}.png", "image/png", "png") for i in range(2)]
    shortcut = {
        "type": "message_action",
        "callback_id": "aigc_from_message",
        "trigger_id": "trig-sc",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": "U200"},
        "channel": {"id": "C200"},
        "message": {"type": "message", "ts": "1700000100.000200", "user": "U300", "text": "new shoes", "files": files},
        "message_ts": "1700000100.000200",
        "response_url": slack.response_url("shortcut"),
    }
    assert bot.interactive(shortcut).status_code == 200
    opened = slack.wait_for("views.open")[0]
    modal = slack_argument(opened["view"])
    assert "shoe0.png, shoe1.png" in json.dumps(modal)
    values = {"scene": {"scene_select": {"type": "static_select", "selected_option": {"value": "product"}}}}
    payload = form_submission("V3", modal["private_metadata"], values)
    payload["user"] = {"id": "U200"}
    bot.interactive(payload)
    row = wait_status(settings, "submitted")[0]
    assert row["source"] == "shortcut" and row["thread_ts"] == "1700000100.000200"
    assert len(vod.calls(CREATE)[0]["FileInfos"]) == 2
    wait_for_task_id_in_thread(slack, row, "1700000100.000200")


def wait_for_task_id_in_thread(slack: FakeSlack, row: dict[str, Any], thread_ts: str) -> None:
    # The answer is written into the row before it is posted, so the reply may follow the status by a moment.
    wait_until(
        lambda: any(row["task_id"] in r["text"] for r in thread_replies(slack, thread_ts)),
        what=f"the TaskId reply in thread {thread_ts}",
    )


def test_mention_with_files_and_dm_with_files_reply_in_thread_and_reuse_uploads(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    image = slack.add_file("F300", PNG_1x1, "bag.png", "image/png", "png")
    mention = {
        "type": "app_mention",
        "user": "U400",
        "channel": "C400",
        "ts": "1700000200.000100",
        "text": "<@UBOT> product red background",
        "files": [image],
        "team": TEAM_ID,
    }
    assert bot.event(mention, event_id="Ev1").status_code == 200
    assert bot.event(mention, event_id="Ev1", retry_num=1).status_code == 200  # Slack's retry
    first = wait_status(settings, "submitted")[0]
    assert first["thread_ts"] == "1700000200.000100" and first["source"] == "file_share"
    dm = {
        "type": "message",
        "channel_type": "im",
        "user": "U400",
        "channel": "D400",
        "ts": "1700000300.000100",
        "text": "product on a beach",
        "files": [image],
        "subtype": "file_share",
    }
    bot.event(dm, event_id="Ev2")
    second = wait_status(settings, "submitted", 2)[1]
    assert second["channel_id"] == "D400" and second["thread_ts"] == "1700000300.000100"
    assert len(vod.calls(CREATE)) == 2
    assert len(vod.calls("ApplyUpload")) == 1  # the same Slack file is uploaded once
    file_ids = {c["FileInfos"][0]["FileId"] for c in vod.calls(CREATE)}
    assert len(file_ids) == 1
    wait_for_task_id_in_thread(slack, second, "1700000300.000100")


def test_slack_retries_of_an_unusable_mention_or_dm_are_logged_and_answered_once(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    mention = {
        "type": "app_mention",
        "user": "U400",
        "channel": "C400",
        "ts": "1700000400.000100",
        "text": "<@UBOT> hello again",
        "team": TEAM_ID,
    }
    dm = {
        "type": "message",
        "channel_type": "im",
        "user": "U400",
        "channel": "D400",
        "ts": "1700000500.000100",
        "text": "product on a beach",
    }
    for event, event_id in ((mention, "Ev10"), (dm, "Ev11")):
        for retry_num in (None, 1, 2):  # the first delivery, then Slack's retries of it
            assert bot.event(event, event_id=event_id, retry_num=retry_num).status_code == 200

    def warnings_in(thread_ts: str) -> list[str]:
        return [r["text"] for r in thread_replies(slack, thread_ts) if "I could not use that." in r["text"]]

    wait_until(lambda: warnings_in("1700000400.000100") and warnings_in("1700000500.000100"), what="both warnings")
    time.sleep(0.5)  # room for a late second answer to show up
    assert len(warnings_in("1700000400.000100")) == 1
    assert "`hello` is not a scene" in warnings_in("1700000400.000100")[0]
    assert len(warnings_in("1700000500.000100")) == 1
    logged = rows(settings)
    assert [(r["status"], r["channel_id"]) for r in logged] == [("invalid", "C400"), ("invalid", "D400")]
    assert all(r["dedupe_key"] for r in logged)
    assert vod.requests == []


def test_ack_is_fast_while_vod_takes_five_seconds(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    vod.delay_seconds = 5
    started = time.monotonic()
    response = bot.command("outpaint https://shop.example/banner.jpg")
    acked = time.monotonic() - started
    assert response.status_code == 200
    assert acked < 1.0, f"ack took {acked:.2f}s"
    assert slack.wait_for("chat.postMessage", timeout=3)  # the parent appears before Tencent answers
    row = wait_until(lambda: [r for r in rows(settings) if r["status"] == "submitted"], timeout=15)[0]
    assert row["task_id"]


def test_bad_or_stale_signature_gets_401_and_does_nothing(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    body = b"team_id=T0001&user_id=U1&channel_id=C1&command=%2Faigc&text=help&trigger_id=t"
    forged = signed_headers("not-the-secret", body)
    stale = signed_headers(SIGNING_SECRET, body, timestamp=int(time.time()) - 600)
    for headers in (forged, stale, {}):
        response = bot.http.post(
            f"{bot.url}/slack/events",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        )
        assert response.status_code == 401
    assert rows(settings) == [] and vod.requests == [] and slack.calls_to("chat.postMessage") == []


def test_not_in_channel_answers_through_response_url(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    slack.fail_next("chat.postMessage", error="not_in_channel")
    bot.command("outpaint https://shop.example/b.jpg", channel_id="CPRIV", response_url=slack.response_url("cmd1"))
    wait_status(settings, "submitted")
    texts = wait_until(
        lambda: (
            [r["body"].get("text", "") for r in slack.responses if r["name"] == "cmd1"]
            if len(slack.responses) >= 2
            else None
        ),
        what="response_url answers",
    )
    assert "/invite @aigc" in texts[0]
    assert any("TaskId" in t for t in texts)


def test_user_text_cannot_ping_or_link(bot: RunningBot, slack: FakeSlack, settings: Settings) -> None:
    bot.command("product https://shop.example/a.png <!channel> hello <@U999> & <https://evil.example|click>")
    row = wait_status(settings, "submitted")[0]
    posted = " ".join(c["text"] for c in slack.calls_to("chat.postMessage"))
    assert "<!channel>" not in posted and "<@U999>" not in posted and "<https://evil.example" not in posted
    assert "&lt;!channel&gt;" in posted
    assert row["prompt"].startswith("<!channel>")


def test_no_secret_reaches_sqlite_or_slack(
    bot: RunningBot, slack: FakeSlack, settings: Settings, tmp_path: Path, capfd: Any
) -> None:
    image = slack.add_file("F500", PNG_1x1, "x.png", "image/png", "png")
    bot.event(
        {
            "type": "app_mention",
            "user": "U1",
            "channel": "C1",
            "ts": "1700000400.000100",
            "text": "<@UBOT> outpaint",
            "files": [image],
        },
        event_id="Ev5",
    )
    wait_status(settings, "submitted")
    bot.stop()
    raw = b"".join(p.read_bytes() for p in Path(settings.aigc_bot_db).parent.glob("aigc-bot.db*"))
    posted = json.dumps([c.args for c in slack.calls], default=str).encode()
    captured = capfd.readouterr()
    for secret in (SECRET_KEY, BOT_TOKEN, SIGNING_SECRET):
        assert secret.encode() not in raw
        assert secret.encode() not in posted
        assert secret not in captured.out + captured.err
    assert Path(settings.aigc_bot_db).stat().st_mode & 0o777 == 0o600


def test_choosing_another_scene_reshapes_the_form(bot: RunningBot, slack: FakeSlack) -> None:
    bot.command("", trigger_id="trig-scene")
    opened = slack.wait_for("views.open")[0]["view"]
    opened = slack_argument(opened)
    assert {b.get("block_id") for b in opened["blocks"]} >= {"images", "ratio", "count", "negative", "prompt"}
    change = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": "U100"},
        "api_app_id": "A0001",
        "trigger_id": "trig-change",
        "container": {"type": "view", "view_id": "VFORM"},
        "view": {
            "id": "VFORM",
            "hash": "h-1",
            "type": "modal",
            "callback_id": "aigc_form",
            "private_metadata": opened["private_metadata"],
            "state": {"values": {}},
        },
        "actions": [
            {
                "action_id": "scene_select",
                "block_id": "scene",
                "type": "static_select",
                "selected_option": {"value": "tryon"},
                "action_ts": "1700000700.1",
            }
        ],
    }
    assert bot.interactive(change).status_code == 200
    updated = slack.wait_for("views.update")[0]
    view = slack_argument(updated["view"])
    assert updated["view_id"] == "VFORM" and updated["hash"] == "h-1"
    assert {b.get("block_id") for b in view["blocks"]} >= {"images", "clothes", "model", "resolution"}
    assert "count" not in {b.get("block_id") for b in view["blocks"]}


def test_images_upload_side_by_side_but_never_more_than_the_configured_number_at_once(
    tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_max_concurrent_uploads=3)
    slack.download_seconds = 0.3
    files = [slack.add_file(f"F7{i:02d}", PNG_1x1, f"look{i}.png", "image/png", "png") for i in range(8)]
    bot = RunningBot(settings).start()
    try:
        for n, batch in enumerate((files[:4], files[4:])):
            event = {"type": "app_mention", "user": "U400", "channel": "C400", "ts": f"1700000400.00010{n}"}
            bot.event(
                {**event, "text": "<@UBOT> product studio light", "files": batch, "team": TEAM_ID}, event_id=f"EvU{n}"
            )
        submitted = wait_status(settings, "submitted", 2)
    finally:
        bot.stop()
    assert sorted(len(call["FileInfos"]) for call in vod.calls(CREATE)) == [4, 4]
    assert all(row["status"] == "submitted" for row in submitted)
    assert slack.peak_downloads == 3  # side by side, and the limit held across both requests


def test_a_file_shared_from_another_organisation_is_looked_up_and_used(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    slack.add_file("F900", PNG_1x1, "partner-bag.png", "image/png", "png")
    # Slack Connect sends only this stub; the real details come from files.info.
    stub = {"id": "F900", "mode": "file_access", "file_access": "check_file_info", "created": 0, "user": "U900"}
    mention = {
        "type": "app_mention",
        "user": "U400",
        "channel": "C900",
        "ts": "1700000900.000100",
        "text": "<@UBOT> product on marble",
        "files": [stub],
        "team": TEAM_ID,
    }
    assert bot.event(mention, event_id="EvConnect").status_code == 200
    row = wait_status(settings, "submitted")[0]
    assert row["thread_ts"] == "1700000900.000100"
    assert [c["file"] for c in slack.calls_to("files.info")] == ["F900"]
    assert len(vod.calls(CREATE)) == 1 and len(vod.calls("ApplyUpload")) == 1
    wait_until(lambda: any(row["task_id"] in r["text"] for r in thread_replies(slack, row["thread_ts"])), what="TaskId")
