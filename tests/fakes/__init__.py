"""The test suite's fakes: the installed loopback stand-ins (bot/standins/) under their old names.

`tests.fakes.vod` and friends are the very modules of bot.standins, so a class is the same class under
either name. Importing this package makes every FakeVod check TC3 signatures with the official Tencent SDK.
"""

import sys

from bot.standins import base, cos, slack, slack_limits, slack_signing, vod, vod_auth, vod_media, vod_model
from bot.standins.cos import CosPut, FakeCos
from bot.standins.slack import FakeSlack, SlackCall
from bot.standins.vod import FakeVod
from bot.standins.vod_model import FakeTask, VodRequest
from tests.fakes.official_tc3 import official_tc3_signature

for _module in (base, cos, slack, slack_signing, slack_limits, vod, vod_auth, vod_media, vod_model):
    sys.modules[f"{__name__}.{_module.__name__.rsplit('.', 1)[1]}"] = _module

vod.signature_check = official_tc3_signature

__all__ = ["CosPut", "FakeCos", "FakeSlack", "FakeTask", "FakeVod", "SlackCall", "VodRequest"]
