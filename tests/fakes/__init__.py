"""Loopback fakes of Tencent VOD, Tencent COS and the Slack Web API, speaking the real wire formats."""

from tests.fakes.cos import CosPut, FakeCos
from tests.fakes.slack import FakeSlack, SlackCall
from tests.fakes.vod import FakeTask, FakeVod, VodRequest

__all__ = ["CosPut", "FakeCos", "FakeSlack", "FakeTask", "FakeVod", "SlackCall", "VodRequest"]
