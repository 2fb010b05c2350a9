"""Loopback fakes of Tencent VOD, Tencent COS and the Slack Web API, speaking the real wire formats."""

from tests.fakes.cos import FakeCos
from tests.fakes.slack import FakeSlack
from tests.fakes.vod import FakeVod

__all__ = ["FakeCos", "FakeSlack", "FakeVod"]
