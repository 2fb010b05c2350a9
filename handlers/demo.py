"""`aigc-bot demo`: the real bot, end to end, against loopback stand-ins for Slack and Tencent Cloud.

The same settings, pipeline, store, follower and Slack code as `aigc-bot serve`, served through the real Bolt
app, receive a signed `/aigc product` from the stand-in Slack. The stand-in VOD (with COS) takes the sample
photo's upload, runs the task on the clock and serves the images it "generates". Nothing leaves 127.0.0.1,
no account is needed, and the log is a file of its own in the demo folder.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from aiohttp import web
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from bot import wording
from bot.config import Settings, secret_values
from bot.demo import DEMO_FOLDER
from bot.demo.images import product_shot_png, sample_product_png
from bot.demo.thread import ThreadPrinter
from bot.logsafe import configure_logging
from bot.resolve import local_uploader
from bot.services import Services, build_services
from bot.standins import FakeCos, FakeSlack, FakeVod
from bot.standins.slack_signing import signed_headers, slash_command_body
from bot.store.db import RequestRow, Status
from bot.store.export import created_between
from handlers.app import EVENTS_PATH, create_web_app

LOG_NAME = "aigc-demo.db"
SAMPLE_NAME = "sample-mug.png"
# Long enough for the parent message to show one progress line (it changes at most every 5 s).
TASK_SECONDS = 6.0
# The demo gives up if its sample request has not come back by then; it normally takes about 10 s.
GIVE_UP_SECONDS = 45.0
TEAM_ID, CHANNEL_ID, CHANNEL_NAME = "T0DEMO", "C0DEMO", "demo"
USER_ID, USER_NAME = "U0DEMO", "you"
BOT_USER_ID = "U0AIGCBOT"
SUB_APP_ID = 1500000001
_FINAL_WITHOUT_RESULT = (Status.INVALID, Status.REFUSED)
_FINAL_WITH_RESULT = (Status.DONE, Status.FAILED)


class _DemoSettings(Settings):
    """Settings from the demo alone: neither the environment nor any .env can point it at real accounts."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


@dataclass
class StandIns:
    slack: FakeSlack
    vod: FakeVod
    cos: FakeCos
    signing_secret: str

    def settings(self, log_path: Path) -> Settings:
        return _DemoSettings(
            slack_bot_token=self.slack.bot_token,
            slack_signing_secret=self.signing_secret,
            slack_api_url=f"{self.slack.url}/api/",
            tencentcloud_secret_id=self.vod.secret_id,
            tencentcloud_secret_key=self.vod.secret_key,
            tencentcloud_vod_sub_app_id=self.vod.sub_app_id,
            tencentcloud_vod_endpoint=self.vod.url,
            tencentcloud_cos_endpoint=self.cos.url,
            aigc_bot_db=log_path,
            # The stand-in's tasks take seconds, not minutes: look at them often enough to show that.
            aigc_bot_follow_first_delay=0.5,
            aigc_bot_follow_max_delay=1.0,
        )


@contextlib.contextmanager
def _stand_ins() -> Iterator[StandIns]:
    cos = FakeCos().start()
    vod = FakeVod(f"AKIDdemo{secrets.token_hex(12)}", secrets.token_hex(16), SUB_APP_ID, cos=cos).start()
    vod.task_seconds = TASK_SECONDS
    vod.render_output = lambda task, index: product_shot_png(index)
    slack = FakeSlack(f"xoxb-demo-{secrets.token_hex(8)}", team_id=TEAM_ID, bot_user_id=BOT_USER_ID).start()
    slack.team_domain = "aigc-demo"
    try:
        yield StandIns(slack, vod, cos, secrets.token_hex(16))
    finally:
        for server in (slack, vod, cos):
            server.stop()


@contextlib.asynccontextmanager
async def _serving(services: Services) -> AsyncIterator[str]:
    """The real web app (Bolt behind the signature check) on a free loopback port; yields its events URL."""
    runner = web.AppRunner(create_web_app(services), access_log=None)
    await runner.setup()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    try:
        await web.SockSite(runner, listener).start()
        yield f"http://127.0.0.1:{port}{EVENTS_PATH}"
    finally:
        await runner.cleanup()
        listener.close()


def _finished(row: RequestRow) -> bool:
    """At its end: the result posted (or the refusal said) and no further check planned."""
    status = row.get("status")
    delivered = status in _FINAL_WITH_RESULT and row.get("delivered_at") and not row.get("follow_next_at")
    return status in _FINAL_WITHOUT_RESULT or bool(delivered)


@dataclass
class Demo:
    stand_ins: StandIns
    services: Services
    events_url: str
    printer: ThreadPrinter
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=10))

    async def send_command(self, text: str) -> None:
        """`/aigc <text>` typed by the demo user, sent as Slack sends it: form-encoded and signed."""
        print(f"\n#{CHANNEL_NAME}  @{USER_NAME}: /aigc {text}")
        body = slash_command_body(
            text,
            team_id=TEAM_ID,
            team_domain="aigc-demo",
            channel_id=CHANNEL_ID,
            channel_name=CHANNEL_NAME,
            user_id=USER_ID,
            user_name=USER_NAME,
            response_url=self.stand_ins.slack.response_url("demo"),
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **signed_headers(self.stand_ins.signing_secret, body),
        }
        answer = await self.http.post(self.events_url, content=body, headers=headers)
        text_shown = answer.json().get("text", "") if answer.content else ""
        if text_shown:
            self.printer.write_ephemeral(text_shown)

    async def until_all_finished(self, give_up_after: float) -> bool:
        """Print the thread as it unfolds until every logged request is at its end; False when time ran out."""
        deadline = time.monotonic() + give_up_after
        while time.monotonic() < deadline:
            self.printer.show_new()
            rows = list(created_between(self.services.log_db))
            if rows and all(_finished(row) for row in rows):
                await asyncio.sleep(0.2)  # anything posted with the last update
                self.printer.show_new()
                return True
            await asyncio.sleep(0.1)
        return False

    async def upload_sample(self, folder: Path, settings: Settings) -> str:
        """The sample photo, written to the demo folder and uploaded as the bot uploads a local file."""
        sample = folder / SAMPLE_NAME
        sample.write_bytes(sample_product_png())
        resolved = await local_uploader(self.services.vod, settings)(sample)
        file_id = str(resolved.info.to_wire().get("FileId"))
        print(f"Sample photo: {sample} ({sample.stat().st_size} bytes)")
        print(wording.terminal.DEMO_UPLOADED.format(file_id=file_id))
        return file_id

    async def aclose(self) -> None:
        await self.http.aclose()


def _typed_lines() -> asyncio.Queue[str]:
    """Lines typed on stdin, then "" at its end. Read in a daemon thread: a thread of the loop's executor
    would keep the process waiting for one more line after Ctrl-C."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str] = asyncio.Queue()

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, "")

    threading.Thread(target=read, name="demo-stdin", daemon=True).start()
    return lines


async def _serve_typed_commands(demo: Demo, file_id: str) -> None:
    print(wording.terminal.DEMO_KEEPS_RUNNING.format(file_id=file_id))
    lines = _typed_lines()
    while True:
        line = await lines.get()
        if not line:
            return
        if line.strip():
            await demo.send_command(line.strip().removeprefix("/aigc").strip())
            await demo.until_all_finished(GIVE_UP_SECONDS)


async def _run(folder: Path, serve: bool) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / LOG_NAME
    for old in folder.glob(f"{LOG_NAME}*"):
        old.unlink()
    with _stand_ins() as stand_ins:
        settings = stand_ins.settings(log_path)
        configure_logging(logging.WARNING, extra_secrets=secret_values(settings))
        print(wording.terminal.DEMO_INTRO.format(log_path=log_path.resolve()))
        services = build_services(settings)
        names = {USER_ID: USER_NAME, BOT_USER_ID: "aigc", CHANNEL_ID: CHANNEL_NAME}
        printer = ThreadPrinter(stand_ins.slack, folder.resolve(), names)
        async with _serving(services) as events_url:
            demo = Demo(stand_ins, services, events_url, printer)
            try:
                file_id = await demo.upload_sample(folder.resolve(), settings)
                await demo.send_command(f"product {file_id} {wording.terminal.SAMPLE_PROMPT}")
                if not await demo.until_all_finished(GIVE_UP_SECONDS):
                    print(wording.terminal.DEMO_TIMED_OUT.format(give_up_seconds=GIVE_UP_SECONDS), file=sys.stderr)
                    return 1
                _summary(printer)
                if serve:
                    await _serve_typed_commands(demo, file_id)
            finally:
                await demo.aclose()
    return 0 if printer.saved else 1


def _summary(printer: ThreadPrinter) -> None:
    if not printer.saved:
        print(wording.terminal.DEMO_WITHOUT_IMAGES, file=sys.stderr)
        return
    print(f"\n{len(printer.saved)} generated image(s) saved:")
    for path in printer.saved:
        print(f"  {path}")
    print(wording.terminal.DEMO_DONE)


def _no_proxies() -> None:
    """Every address the demo talks to is 127.0.0.1: a proxy set for the internet must not be asked for it.

    The Slack SDK reads HTTPS_PROXY without regard to NO_PROXY, so the variables are dropped for this process.
    """
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):
        os.environ.pop(name, None)
        os.environ.pop(name.lower(), None)


def main(args: argparse.Namespace) -> int:
    _no_proxies()
    try:
        return asyncio.run(_run(DEMO_FOLDER, serve=args.serve))
    except KeyboardInterrupt:
        return 130
