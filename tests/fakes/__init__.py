"""The test suite's fakes: the installed loopback stand-ins (bot/standins/) under their old names.

`tests.fakes.vod` and friends are the very modules of bot.standins, so a class is the same class under
either name.
"""

import sys

from bot.standins import base, cos, slack, slack_signing, vod
from bot.standins.cos import CosPut, FakeCos
from bot.standins.slack import FakeSlack, SlackCall
from bot.standins.vod import FakeTask, FakeVod, VodRequest

for _module in (base, cos, slack, slack_signing, vod):
    sys.modules[f"{__name__}.{_module.__name__.rsplit('.', 1)[1]}"] = _module

__all__ = ["CosPut", "FakeCos", "FakeSlack", "FakeTask", "FakeVod", "SlackCall", "VodRequest"]
