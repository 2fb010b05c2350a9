"""The flow's rule: each step of a logged request follows from its row alone (bot/flow.py).

Fast: an in-memory log, answers kept instead of posted, and a small stand-in for the one VOD call a step makes.
The wire itself is proven end to end over the loopback fakes (tests/test_slack_flows.py, test_crash_safety.py).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.flow import Flow, Step, next_step
from bot.outbox import Outbox
from bot.request import Origin, request_columns
from bot.slack.command_text import Generate
from bot.slack.refs import FileIdRef
from bot.store.db import RequestLog, RequestRow, Status, dumps
from bot.submission import Submission
from bot.tencent.models import CreateSceneAigcImageTaskRequest
from bot.tencent.scenes import TaskOptions, TaskSpec
from bot.tencent.vod import AlreadySubmitted, SubmitResult, VodError


@dataclass
class TencentStandIn:
    """Answers CreateSceneAigcImageTask with a TaskId, or raises what it was given; keeps every body sent."""

    refusal: Exception | None = None
    sub_app_id: int = 1500000001
    sent: list[dict[str, Any]] = field(default_factory=list)

    async def create_scene_aigc_image_task(self, body: CreateSceneAigcImageTaskRequest) -> SubmitResult:
        self.sent.append(body.to_wire())
        if self.refusal is not None:
            raise self.refusal
        return SubmitResult(task_id="task-1", request_id="req-1")


@dataclass
class Parts:
    log_db: RequestLog
    outbox: Outbox
    tencent: TencentStandIn
    followed: list[int]
    flow: Flow

    def log(self, **columns: Any) -> int:
        origin = Origin(source="slash_command", team_id="T1", channel_id="C1", user_id="U1", dedupe_key="k1")
        command = Generate(TaskSpec("product", "a red mug", TaskOptions(count=1)), images=[FileIdRef("3")])
        row_id = self.log_db.claim(request_columns(origin, command))
        assert row_id is not None
        if columns:
            self.log_db.update(row_id, **columns)
        return row_id

    def carry_on(self, row_id: int) -> RequestRow:
        asyncio.run(self.flow.carry_on(row_id))
        row = self.log_db.get(row_id)
        assert row is not None
        return row


def build_parts(refusal: str | None = None) -> Parts:
    log_db = RequestLog(":memory:")
    outbox = Outbox(log_db, slack=None)
    tencent = TencentStandIn()
    followed: list[int] = []

    async def follow(row_id: int) -> None:
        followed.append(row_id)

    async def guard(origin: Origin, command: Generate) -> str | None:
        return refusal

    submission = Submission(
        vod=tencent,  # type: ignore[arg-type]
        log_db=log_db,
        outbox=outbox,
        uploader=None,
        local_files=None,
        after_submit=follow,
    )
    return Parts(
        log_db, outbox, tencent, followed, Flow(log_db=log_db, outbox=outbox, submission=submission, guard=guard)
    )


@pytest.fixture
def parts() -> Iterator[Parts]:
    built = build_parts()
    yield built
    built.log_db.close()


LOGGED_BODY = {"SubAppId": 1500000001, "SceneInfo": {"Type": "outpainting"}, "FileInfos": [], "SessionId": "aigc-1"}
PENDING = dumps({"text": "Submitted: TaskId `task-1`", "private": False, "parent": None})


@pytest.mark.parametrize(
    ("row", "step"),
    [
        ({"status": Status.RECEIVED}, Step.START),
        ({"status": Status.UPLOADING, "parent_ts": "1.2"}, Step.UPLOAD),
        ({"status": Status.RECEIVED, "announced_at": "2026-01-01T00:00:00.000Z"}, Step.UPLOAD),
        ({"status": Status.SUBMITTING, "request_json": "{}"}, Step.RESEND),
        ({"status": Status.SUBMITTED, "reply_pending": PENDING}, Step.FOLLOW_AND_POST_ANSWER),
        ({"status": Status.FAILED, "reply_pending": PENDING}, Step.POST_ANSWER),
        ({"status": Status.SUBMITTED, "task_id": "task-1"}, Step.FOLLOW),
        ({"status": Status.SUBMITTED, "follow_next_at": "2026-01-01T00:00:05.000Z"}, Step.NONE),
        ({"status": Status.DONE, "finished_at": "2026-01-01T00:01:00.000Z"}, Step.NONE),
        ({"status": Status.REFUSED}, Step.NONE),
    ],
)
def test_each_row_calls_for_one_next_step(row: RequestRow, step: Step) -> None:
    assert next_step(row) == step


def test_a_received_request_is_announced_submitted_answered_and_handed_to_the_follower(parts: Parts) -> None:
    row_id = parts.log()
    row = parts.carry_on(row_id)
    assert row["status"] == Status.SUBMITTED and row["task_id"] == "task-1" and row["reply_pending"] is None
    assert row["announced_at"] and json.loads(row["request_json"] or "{}")["SessionId"] == row["session_id"]
    assert parts.tencent.sent[0]["SessionContext"] == f"aigc-bot request {row_id}"
    assert parts.followed == [row_id]
    assert any("task-1" in text for text in parts.outbox.kept.texts)


def test_a_refusal_by_a_rule_sends_nothing_and_says_nothing_was_billed_once() -> None:
    parts = build_parts(refusal="Your daily cap is reached.")
    row = parts.carry_on(parts.log())
    assert row["status"] == Status.REFUSED and row["error_message"] == "Your daily cap is reached."
    assert parts.tencent.sent == [] and parts.followed == []
    assert parts.outbox.kept.texts == [":no_entry: Your daily cap is reached. Nothing was submitted or billed."]
    parts.log_db.close()


def test_an_announced_request_is_not_checked_again_nor_announced_twice() -> None:
    parts = build_parts(refusal="Your daily cap is reached.")
    row = parts.carry_on(parts.log(status=Status.UPLOADING, parent_ts="1.2", thread_ts="1.2"))
    assert row["status"] == Status.SUBMITTED and row["parent_ts"] == "1.2" and row["announced_at"] is None
    parts.log_db.close()


def test_a_logged_body_is_sent_again_as_it_was(parts: Parts) -> None:
    row = parts.carry_on(parts.log(status=Status.SUBMITTING, request_json=dumps(LOGGED_BODY)))
    assert parts.tencent.sent == [LOGGED_BODY] and row["status"] == Status.SUBMITTED


def test_a_body_tencent_already_holds_is_followed_by_its_session_and_billed_once(parts: Parts) -> None:
    parts.tencent.refusal = AlreadySubmitted("exists", "req-2", "aigc-1")
    row_id = parts.log(status=Status.SUBMITTING, request_json=dumps(LOGGED_BODY))
    row = parts.carry_on(row_id)
    assert (
        row["status"] == Status.SUBMITTED and row["task_id"] is None and row["error_code"] == parts.tencent.refusal.code
    )
    assert parts.followed == [row_id] and row["reply_pending"] is None


def test_a_refusal_by_tencent_fails_the_request_with_its_code(parts: Parts) -> None:
    parts.tencent.refusal = VodError("InvalidParameter", "bad ratio", "req-3")
    row = parts.carry_on(parts.log())
    assert row["status"] == Status.FAILED and row["error_code"] == "InvalidParameter" and row["request_id"] == "req-3"
    assert parts.followed == [] and "Tencent Cloud refused while submitting." in parts.outbox.kept.texts[-1]


def test_a_fault_while_submitting_is_recorded_and_says_the_request_may_have_reached_tencent(parts: Parts) -> None:
    parts.tencent.refusal = RuntimeError("boom")
    row = parts.carry_on(parts.log())
    assert row["status"] == Status.FAILED and row["error_code"] == "BotError"
    assert "may have reached Tencent" in parts.outbox.kept.texts[-1]


def test_a_pending_answer_is_posted_once_and_a_submitted_task_followed_first(parts: Parts) -> None:
    row_id = parts.log(status=Status.SUBMITTED, task_id="task-1", reply_pending=PENDING)
    row = parts.carry_on(row_id)
    assert row["reply_pending"] is None and parts.outbox.kept.texts == ["Submitted: TaskId `task-1`"]
    assert parts.followed == [row_id] and parts.tencent.sent == []
    parts.carry_on(row_id)
    assert parts.outbox.kept.texts == ["Submitted: TaskId `task-1`"]
