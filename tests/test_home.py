"""The App Home: what a person and an admin see when they open it, and how it follows their requests."""

from __future__ import annotations

import getpass
import itertools
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.access import AccessPolicy
from bot.config import Settings
from bot.home import HomePublisher, Throttle
from bot.pricing import parse_unit_prices
from bot.slack.home import MAX_BLOCKS, AdminUsage, DailyCount, HomeContent, home_view
from bot.slack.reports import amount_text, usage_text
from bot.store.counts import daily_count
from bot.store.db import RequestLog, Status, iso, utc_now
from bot.store.home_queries import UsageGroup, UsageSummary, counted_since, estimate_cost, presets_for, usage_summary
from tests.conftest import TEAM_ID, RunningBot, env_for, make_settings, rows, wait_status, wait_until
from tests.fakes import FakeCos, FakeSlack, FakeVod
from tests.test_cli import aigc_bot

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def open_home(bot: RunningBot, user: str, *, tab: str = "home") -> None:
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": tab, "event_ts": f"{time.time()}"}
    assert bot.event(event, event_id=f"Ev{time.time_ns()}").status_code == 200


def homes(slack: FakeSlack, user: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
    return wait_until(
        lambda: (slack.home_views.get(user) or [])[count - 1 :] and slack.home_views[user],
        timeout=timeout,
        what=f"{count} Home view(s) published for {user}",
    )


def shown_text(view: dict[str, Any]) -> str:
    """What a person reads on the view: every text of every block."""
    texts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("text"), str):
                texts.append(value["text"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(view["blocks"])
    return "\n".join(texts)


def images(view: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("type") == "image":
                found.append(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(view["blocks"])
    return found


@pytest.fixture
def admin_bot(tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack) -> Iterator[RunningBot]:
    settings = make_settings(
        tmp_path,
        vod,
        cos,
        slack,
        aigc_bot_admins="UADMIN",
        aigc_bot_unit_prices="product_image=0.20,outpainting=0.10",
        aigc_bot_currency="eur",
        aigc_bot_user_daily_cap=5,
    )
    running = RunningBot(settings).start()
    yield running
    running.stop()


# -- over the fakes ---------------------------------------------------------------------------------


def test_opening_the_home_shows_my_requests_with_status_thumbnail_thread_and_todays_count(
    admin_bot: RunningBot, slack: FakeSlack, vod: FakeVod
) -> None:
    settings = admin_bot.settings
    admin_bot.command("product https://shop.example/mug.png on marble count=2", user_id="U1")
    admin_bot.command("outpaint https://shop.example/banner.jpg", user_id="U1")
    wait_status(settings, "done", 2)
    admin_bot.command("product", user_id="U1")  # no image: invalid, not counted against the cap
    wait_until(lambda: len(rows(settings)) == 3, what="the invalid request logged")

    open_home(admin_bot, "U1", tab="messages")
    open_home(admin_bot, "U1")
    view = homes(slack, "U1")[0]
    assert slack.home_views["U1"] == [view], "the Messages tab is not drawn"
    assert view["type"] == "home" and len(view["blocks"]) <= MAX_BLOCKS
    text = shown_text(view)
    assert "You: 2 of 5" in text and "workspace: 2 (no daily cap)" in text
    assert text.count(":white_check_mark: done") == 2 and ":warning: not usable" in text
    assert "AI product image" in text and "AI outpainting" in text and "on marble" in text
    threads = {r["thread_ts"].replace(".", "") for r in rows(settings) if r["status"] == "done"}
    assert all(f"https://acme.slack.com/archives/C100/p{ts}" in text for ts in threads)
    thumbnails = images(view)
    assert len(thumbnails) == 2 and all(i["image_url"].startswith(vod.url) and i["alt_text"] for i in thumbnails)
    assert "No presets yet" in text
    assert "Team usage" not in text and "EUR" not in text, "usage and cost are for admins only"


def test_a_saved_preset_shows_on_the_home(admin_bot: RunningBot, slack: FakeSlack) -> None:
    admin_bot.command("preset save banner scene=product ratio=16:9", user_id="U1")
    wait_until(lambda: presets_in_log(admin_bot.settings), what="the preset saved")
    open_home(admin_bot, "U2")
    text = shown_text(homes(slack, "U2")[0])
    assert "*banner* · AI product image · by <@U1>" in text and "No presets yet" not in text


def presets_in_log(settings: Settings) -> list[dict[str, Any]]:
    log_db = RequestLog(settings.aigc_bot_db)
    try:
        return presets_for(log_db, team_id=TEAM_ID) or []
    finally:
        log_db.close()


def test_an_admin_sees_usage_per_user_and_scene_failures_and_cost_and_usage_shows_it_too(
    admin_bot: RunningBot, slack: FakeSlack, vod: FakeVod
) -> None:
    settings = admin_bot.settings
    admin_bot.command("product https://shop.example/mug.png count=2", user_id="U1")
    admin_bot.command("outpaint https://shop.example/banner.jpg", user_id="U2")
    wait_status(settings, "done", 2)
    vod.set_task_script("*", [{"Status": "FINISH", "ErrCode": 70000, "Message": "blocked"}])
    admin_bot.command("product https://shop.example/cup.png", user_id="U2")
    wait_status(settings, "failed")

    open_home(admin_bot, "UADMIN")
    text = shown_text(homes(slack, "UADMIN")[0])
    assert "Team usage (admins only)" in text
    today = text.split("*Today:*")[1].split("*This month")[0]
    assert "3 request(s)" in today and "<@U2> 2" in today and "<@U1> 1" in today
    assert "AI product image 2" in today and "AI outpainting 1" in today
    assert "failures by error code: TaskFailed.70000 1" in today
    # 2 product images at 0.20 and 1 outpainting at 0.10; the failed request made none.
    assert "estimated cost: 0.50 EUR (3 output image(s) of finished requests)" in today

    open_home(admin_bot, "U2")
    assert "Team usage" not in shown_text(homes(slack, "U2")[0])

    admin_bot.command("usage", response_url=slack.response_url("usage"))
    usage = wait_until(lambda: slack.responses_to("usage"), what="usage")[0]["text"]
    assert "*Estimated cost today:* 0.50 EUR" in usage and "*Estimated cost this month:* 0.50 EUR" in usage


def test_command_line_tasks_count_in_the_team_usage_and_a_non_admin_sees_only_their_own(
    admin_bot: RunningBot, slack: FakeSlack, vod: FakeVod, tmp_path: Path
) -> None:
    settings = admin_bot.settings
    admin_bot.command("outpaint https://shop.example/banner.jpg", user_id="U1")
    wait_status(settings, "done")
    submit = ["submit", "--scene", "outpaint", "--image", "https://shop.example/wide.jpg"]
    assert aigc_bot(submit, env_for(settings), tmp_path).returncode == 0
    operator = f"`{getpass.getuser()}` (command line)"

    open_home(admin_bot, "UADMIN")
    today = shown_text(homes(slack, "UADMIN")[-1]).split("*Today:*")[1].split("*This month")[0]
    assert "2 request(s)" in today and "<@U1> 1" in today and f"{operator} 1" in today

    admin_bot.command("usage", user_id="UADMIN", response_url=slack.response_url("admin-usage"))
    usage = wait_until(lambda: slack.responses_to("admin-usage"), what="usage")[0]["text"]
    assert "*Today:* 2 task(s)" in usage and "<@U1> 1" in usage and f"{operator} 1" in usage

    admin_bot.command("usage", user_id="U1", response_url=slack.response_url("own-usage"))
    own = wait_until(lambda: slack.responses_to("own-usage"), what="usage")[0]["text"]
    assert "*Today:* 2 task(s)" in own and "yours: 1" in own
    assert "<@U1>" not in own and operator not in own


def test_a_state_change_republishes_the_home_at_most_once_per_throttle_window(
    admin_bot: RunningBot, slack: FakeSlack, vod: FakeVod
) -> None:
    admin_bot.services.home.throttle.seconds = 1.0
    vod.set_task_script("*", [{"Status": "PROCESSING", "Progress": 40}])
    open_home(admin_bot, "U1")
    assert "You have no requests yet" in shown_text(homes(slack, "U1")[0])

    admin_bot.command("product https://shop.example/mug.png", user_id="U1")
    row = wait_status(admin_bot.settings, "submitted")[0]
    wait_until(
        lambda: ":hourglass: at Tencent" in shown_text(slack.home_views["U1"][-1]),
        what="the Home showing the request at Tencent after the throttle window",
    )
    vod.finish_task(row["task_id"])
    wait_until(
        lambda: ":white_check_mark: done" in shown_text(slack.home_views["U1"][-1]),
        what="the Home showing the request done",
    )
    assert images(slack.home_views["U1"][-1]), "the finished request shows its thumbnail"
    with slack.lock:
        times = [c.time for c in slack.calls if c.method == "views.publish" and c.args.get("user_id") == "U1"]
    assert all(later - earlier >= 0.95 for earlier, later in itertools.pairwise(times)), times
    count = len(times)
    time.sleep(1.5)  # past a whole window
    assert len(slack.home_views["U1"]) == count, "no publish without a change"


# -- the parts -------------------------------------------------------------------------------------------


def test_cost_counts_output_images_of_finished_requests_at_each_scenes_price(tmp_path: Path) -> None:
    prices = parse_unit_prices("product=0.20,tryon=0.50")
    two = json.dumps([{"url": "https://x/1.png"}, {"url": "https://x/2.png"}])
    one = json.dumps([{"url": "https://x/1.png"}])
    logged = [
        {"status": "done", "scene": "product", "output_json": two},
        {"status": "done", "scene": "tryon", "output_json": one},
        {"status": "failed", "scene": "tryon", "output_json": None},
        {"status": "submitted", "scene": "product", "output_json": None},
        {"status": "done", "scene": "outpaint", "output_json": one},
        {"status": "done", "scene": "product", "output_json": "not json"},
    ]
    log_db = RequestLog(tmp_path / "log.db")
    try:
        for n, fields in enumerate(logged):
            row_id = log_db.claim({"source": "slash_command", "team_id": "T1", "user_id": "U1", "dedupe_key": f"c{n}"})
            assert row_id is not None
            log_db.update(row_id, **fields)
        month = usage_summary(log_db, team_id="T1", month=utc_now().strftime("%Y-%m"), today="2000-01-01").month
    finally:
        log_db.close()
    estimate = estimate_cost(month, prices)
    assert estimate.amount == Decimal("0.90")
    assert estimate.images == 4 and estimate.unpriced_scenes == {"outpaint"}
    assert estimate_cost([], prices).amount == 0


def test_amounts_show_cents_unless_a_price_is_finer() -> None:
    assert amount_text(Decimal("0.20") * 3, "CNY") == "0.60 CNY"
    assert amount_text(Decimal("2"), "USD") == "2.00 USD"
    assert amount_text(Decimal("0.005") * 3, "CNY") == "0.015 CNY"


def test_unit_prices_take_tencents_scene_names_too() -> None:
    prices = parse_unit_prices("product_image=0.20,ai_try_on=0.50,outpainting=0.10")
    assert prices == {"product": Decimal("0.20"), "tryon": Decimal("0.50"), "outpaint": Decimal("0.10")}
    with pytest.raises(ValueError, match="priced twice"):
        parse_unit_prices("product=0.1,product_image=0.2")


def test_currency_setting_is_a_three_letter_code(tmp_path: Path) -> None:
    assert Settings(_env_file=None).aigc_bot_currency == "CNY"  # type: ignore[call-arg]
    assert Settings(_env_file=None, aigc_bot_currency=" usd ").aigc_bot_currency == "USD"  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="currency code"):
        Settings(_env_file=None, aigc_bot_currency="yuan")  # type: ignore[call-arg]


def test_the_home_counts_what_the_caps_count(tmp_path: Path) -> None:
    day = iso(datetime.now(UTC))[:10]
    log_db = RequestLog(tmp_path / "log.db")
    try:
        for status in Status:
            log_db.claim({"source": "slash_command", "team_id": "T1", "dedupe_key": status, "status": status})
        capped = daily_count(log_db, team_id="T1", day=day, logged_before=None)
        assert counted_since(log_db, team_id="T1", since=day) == capped == 6
    finally:
        log_db.close()


def _row(index: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": index,
        "created_at": iso(NOW - timedelta(minutes=index)),
        "channel_id": "C1",
        "thread_ts": f"1700000000.{index:06d}",
        "scene": "product",
        "status": "done",
        "output_json": json.dumps([{"url": f"https://vod.example/{index}.png"}]),
        **extra,
    }


def _content(requests: list[dict[str, Any]], **extra: Any) -> HomeContent:
    values: dict[str, Any] = {
        "user_id": "U1",
        "requests": requests,
        "user_today": DailyCount(1, 0),
        "workspace_today": DailyCount(1, 0),
        "presets": None,
        "team_domain": "acme",
        "now": NOW,
        **extra,
    }
    return HomeContent(**values)


def test_a_home_never_exceeds_slacks_block_limit_and_every_image_has_url_and_alt_text() -> None:
    usage = AdminUsage(summary=UsageSummary([], []), prices={}, currency="CNY")
    view = home_view(_content([_row(i) for i in range(150)], admin=usage))
    assert len(view["blocks"]) == MAX_BLOCKS
    assert "/aigc history" in shown_text({"blocks": view["blocks"][-1:]})
    assert all(image["image_url"] and image["alt_text"] for image in images(view))


def test_an_expired_result_shows_no_thumbnail_but_says_where_the_images_are() -> None:
    expired = json.dumps([{"url": "https://vod.example/old.png", "expire_time": iso(NOW - timedelta(hours=1))}])
    valid = json.dumps([{"url": "https://vod.example/new.png", "expire_time": iso(NOW + timedelta(days=6))}])
    view = home_view(_content([_row(1, output_json=expired), _row(2, output_json=valid)]))
    assert [i["image_url"] for i in images(view)] == ["https://vod.example/new.png"]
    assert "the thread keeps them" in shown_text(view)


def test_an_admin_without_prices_is_told_how_to_see_costs() -> None:
    today = [UsageGroup("product", "done", None, billed=True, requests=1, images=0)]
    usage = AdminUsage(summary=UsageSummary(today, today), prices={}, currency="CNY")
    text = shown_text(home_view(_content([], admin=usage)))
    assert "AIGC_BOT_UNIT_PRICES" in text and "estimated cost:" not in text


def test_presets_are_read_only_once_their_table_exists(tmp_path: Path) -> None:
    log_db = RequestLog(tmp_path / "log.db")
    try:
        assert presets_for(log_db, team_id="T1") is None
        assert "No presets yet" in shown_text(home_view(_content([], presets=None)))
        # Presets are the workspace's, named by whoever saved them.
        log_db.execute("CREATE TABLE presets (team_id TEXT, name TEXT, creator TEXT, scene TEXT)")
        log_db.execute("INSERT INTO presets VALUES ('T1', 'mugs', 'U2', 'product'), ('T2', 'other', 'U1', 'tryon')")
        shared = presets_for(log_db, team_id="T1")
        assert shared is not None and [p["name"] for p in shared] == ["mugs"]
        text = shown_text(home_view(_content([], presets=shared)))
        assert "*mugs* · AI product image · by <@U2>" in text and "No presets yet" not in text
    finally:
        log_db.close()


def test_the_throttle_lets_one_publish_through_per_window() -> None:
    now = [100.0]
    throttle = Throttle(seconds=10.0, clock=lambda: now[0])
    person = ("T1", "U1")
    assert throttle.ready(person)
    throttle.sent(person)
    now[0] += 9.9
    assert not throttle.ready(person) and throttle.ready(("T1", "U2"))
    now[0] += 0.1
    assert throttle.ready(person)


def test_the_admin_home_and_usage_name_the_busiest_people_first_and_count_the_rest(tmp_path: Path) -> None:
    log_db = RequestLog(tmp_path / "log.db")
    logged = itertools.count()

    def request(user_id: str, status: str, *, team_id: str = "T1", task_id: str | None = None) -> None:
        row_id = log_db.claim(
            {"source": "slash_command", "team_id": team_id, "user_id": user_id, "dedupe_key": f"r{next(logged)}"}
        )
        assert row_id is not None
        log_db.update(row_id, status=status, scene="product", task_id=task_id)

    try:
        for n in range(17):  # 17 people with one request each, billed
            request(f"U{n:02d}", "done", task_id=f"t{n}")
        for _ in range(3):  # the busiest, though Tencent billed none of theirs
            request("U99", "failed")
        request("ops", "done", team_id="", task_id="t-cli")  # the command line counts in the workspace's usage
        request("U50", "refused")  # turned away: neither counted against the caps nor billed
        request("U77", "done", team_id="T2", task_id="t-other")  # another workspace's
        publisher = HomePublisher(
            slack=None, log_db=log_db, policy=AccessPolicy(admins=frozenset({"UADMIN"})), prices={}, currency="EUR"
        )
        home = shown_text(home_view(publisher._content(log_db, "T1", "UADMIN", utc_now(), None)))
        usage = usage_text(log_db, team_id="T1")
        own = usage_text(log_db, team_id="T1", asked_by="U03")
    finally:
        log_db.close()

    # 19 people counted against the caps: the busiest first, equal counts the command line's first, then by id.
    first = ", ".join(f"<@U{n:02d}> 1" for n in range(13))
    assert f"by user: <@U99> 3, `ops` (command line) 1, {first}, and 4 more" in home
    assert "by user: <@U99>" in home.split("*This month")[1]
    # Usage counts billed tasks: U99's failures were not billed, and it names 20 people at most.
    billed = ", ".join(f"<@U{n:02d}> 1" for n in range(17))
    assert f"by user: `ops` (command line) 1, {billed}\n" in usage
    assert "U99" not in usage and "U50" not in usage and "U77" not in usage
    assert "yours: 1" in own and "by user" not in own


def test_scenes_and_error_codes_with_equal_counts_are_listed_in_the_order_of_their_names() -> None:
    today = [
        UsageGroup("tryon", "done", None, billed=True, requests=5, images=5),
        UsageGroup("outpaint", "done", None, billed=True, requests=5, images=5),
        UsageGroup("tryon", "failed", "Zeta.Code", billed=True, requests=1, images=0),
        UsageGroup("outpaint", "failed", "Alpha.Code", billed=True, requests=1, images=0),
    ]
    usage = AdminUsage(summary=UsageSummary(today, today), prices={}, currency="CNY")
    text = shown_text(home_view(_content([], admin=usage)))
    assert "by scene: AI outpainting 6, AI try-on 6" in text
    assert "failures by error code: Alpha.Code 1, Zeta.Code 1" in text
