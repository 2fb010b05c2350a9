"""Loopback stand-ins for Tencent VOD, Tencent COS and the Slack Web API, speaking the real wire formats.

`aigc-bot demo` runs the real bot against them, and the test suite uses them as its fakes (tests/fakes/).
They listen on 127.0.0.1 only and hold everything in memory.
"""

from bot.standins.cos import CosPut, FakeCos
from bot.standins.slack import FakeSlack, SlackCall
from bot.standins.vod import FakeVod
from bot.standins.vod_model import FakeTask, VodRequest

__all__ = ["CosPut", "FakeCos", "FakeSlack", "FakeTask", "FakeVod", "SlackCall", "VodRequest"]
