"""Where the bot token may go, and which image links are refused before anything is billed."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from bot.slack.files import token_may_go_to
from bot.slack.refs import BadRef, UrlRef, check_image_url, parse_ref
from tests.conftest import RunningBot
from tests.fakes import FakeSlack, FakeVod

FAKE_API = "http://127.0.0.1:40123/api/"


@pytest.mark.parametrize(
    "url",
    [
        "https://files.slack.com/files-pri/T1-F1/download/a.png",
        "https://slack.com/files/a.png",
        "https://FILES.Slack.com/a.png",
        "https://files.slack.com:443/a.png",
        "http://127.0.0.1:40123/files/F1",  # exactly the configured API address
    ],
)
def test_the_token_goes_to_slack_over_https_or_to_the_configured_api(url: str) -> None:
    assert token_may_go_to(url, FAKE_API)


@pytest.mark.parametrize(
    "url",
    [
        "http://files.slack.com/a.png",
        "https://files.slack.com:8443/a.png",
        "https://slack.com.evil.example/a.png",
        "https://evil.example/?x=.slack.com",
        "https://evil.example/files.slack.com",
        "https://files.slack.com@evil.example/a.png",
        "https://evilslack.com/a.png",
        "https://files.slack.com:notaport/a.png",
        "ftp://files.slack.com/a.png",
        "https://evil.example\\.slack.com/a.png",
        "http://127.0.0.1:40124/files/F1",  # the fake's host, another port
        "https://127.0.0.1:40123/files/F1",  # the fake's host and port, another scheme
        "http://localhost:40123/files/F1",
        "",
    ],
)
def test_the_token_never_goes_anywhere_else(url: str) -> None:
    assert not token_may_go_to(url, FAKE_API)


def test_a_custom_api_address_does_not_open_other_ports_of_slack() -> None:
    assert not token_may_go_to("https://files.slack.com:8443/a.png", "https://slack.com/api/")
    assert token_may_go_to("https://files.slack.com/a.png", "https://slack.com/api/")


REFUSED_AS_UNREACHABLE = [
    "http://127.0.0.1/x.png",
    "http://127.1/x.png",
    "http://2130706433/x.png",
    "http://0x7f.0.0.1/x.png",
    "http://localhost/x.png",
    "http://LOCALHOST./x.png",
    "https://cdn.localhost/x.png",
    "http://0.0.0.0/x.png",
    "http://10.0.0.8/x.png",
    "http://172.16.4.2/x.png",
    "http://192.168.1.10/x.png",
    "http://169.254.169.254/latest/meta-data",
    "http://100.64.0.1/x.png",
    "http://224.0.0.1/x.png",
    "http://240.0.0.1/x.png",
    "http://255.255.255.255/x.png",
    "http://[::1]/x.png",
    "http://[::]/x.png",
    "http://[fe80::1]/x.png",
    "http://[fc00::1]/x.png",
    "http://[ff02::1]/x.png",
    "http://[::ffff:127.0.0.1]/x.png",
    "http://[::ffff:192.168.0.1]/x.png",
]


@pytest.mark.parametrize("url", REFUSED_AS_UNREACHABLE)
def test_links_the_internet_cannot_reach_are_refused_in_plain_words(url: str) -> None:
    with pytest.raises(BadRef) as caught:
        parse_ref(url, allow_paths=True)
    message = str(caught.value)
    assert message.startswith(f"`{url}` points to")
    assert "Tencent Cloud fetches image links from the internet" in message
    assert "cannot be used" in message


@pytest.mark.parametrize(
    "url",
    [
        "https://user:pass@shop.example/mug.png",
        "https://user@shop.example/mug.png",
        "https://:pass@shop.example/mug.png",
        "<https://user:pass@shop.example/mug.png|mug>",
        "http://user@127.0.0.1:8080/x.png",
    ],
)
def test_links_carrying_a_user_name_or_password_are_refused_without_repeating_them(url: str) -> None:
    with pytest.raises(BadRef) as caught:
        parse_ref(url, allow_paths=True)
    message = str(caught.value)
    assert message.startswith("An image link with a user name or password (`http")
    assert "shown without them) cannot be used" in message
    assert "user" not in message.split("(", 1)[1].split(")")[0] and "pass@" not in message


def test_an_at_sign_in_the_path_is_no_credential() -> None:
    assert parse_ref("https://shop.example/mug@2x.png", allow_paths=False) == UrlRef("https://shop.example/mug@2x.png")


def test_a_link_with_credentials_in_slack_is_refused_and_they_are_not_logged(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod
) -> None:
    answer = bot.command("outpaint https://user:s3cretpw@shop.example/mug.png")
    assert answer.json()["response_type"] == "ephemeral"
    assert "An image link with a user name or password" in answer.json()["text"]
    assert "s3cretpw" not in answer.text
    with closing(sqlite3.connect(bot.settings.aigc_bot_db)) as connection:
        rows = connection.execute("SELECT * FROM requests").fetchall()
    assert len(rows) == 1 and "s3cretpw" not in repr(rows)
    assert vod.requests == []


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http:///x.png", "has no host name"),
        ("https://shop.example:99999/x.png", "valid host name and port"),
        ("https://shop.example:http/x.png", "valid host name and port"),
        ("http://[::1/x.png", "valid host name and port"),
        ("http://1.2.3.999/x.png", "valid host name and port"),
        ("http://", "not a complete web address"),
        ("http://shop example/x.png", "not a complete web address"),
    ],
)
def test_links_without_a_usable_host_are_refused(url: str, said: str) -> None:
    with pytest.raises(BadRef, match=said):
        check_image_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example/a.png",
        "HTTPS://Shop.Example:8443/A.png",
        "https://8.8.8.8/a.png",
        "https://[2001:4860:4860::8888]/a.png",
        "https://a/x.png",
        "https://cdn.example.com./a.png",
    ],
)
def test_public_links_pass_unchanged(url: str) -> None:
    assert parse_ref(url, allow_paths=False) == UrlRef(url)
    assert parse_ref(f"<{url}|label>", allow_paths=False) == UrlRef(url)


def test_a_private_link_in_slack_is_refused_privately_and_nothing_reaches_tencent(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod
) -> None:
    answer = bot.command("outpaint http://127.0.0.1/x.png")
    assert answer.status_code == 200
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    assert "Tencent Cloud fetches image links from the internet" in body["text"]
    with closing(sqlite3.connect(bot.settings.aigc_bot_db)) as connection:
        statuses = connection.execute("SELECT status, error_code FROM requests").fetchall()
    assert statuses == [("invalid", "InvalidInput")]
    assert vod.requests == []
    assert slack.calls_to("chat.postMessage") == []
