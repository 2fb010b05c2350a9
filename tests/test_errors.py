import re
from pathlib import Path

import pytest

from bot.errors import (
    MESSAGE_LIMIT,
    TABLE,
    AigcBotError,
    ErrorAdvice,
    _build_table,
    advise,
    format_refusal,
    lookup,
    worth_retrying,
)

ROOT = Path(__file__).resolve().parent.parent

# The error codes the CreateSceneAigcImageTask API page documents; each has an entry of its own.
API_PAGE_CODES = (
    "FailedOperation",
    "FailedOperation.InvalidVodUser",
    "InternalError",
    "InvalidParameter",
    "InvalidParameterValue.FileId",
    "InvalidParameterValue.SessionContextTooLong",
    "InvalidParameterValue.SessionId",
    "InvalidParameterValue.SessionIdTooLong",
    "InvalidParameterValue.SubAppId",
    "UnauthorizedOperation",
)
# A code the bot makes up itself, written in its source as a string.
OWN_CODE = re.compile(r"\"((?:ClientError|Slack|Cos)\.[A-Za-z]+)\"")

ADMIN_SETTINGS = {
    "FailedOperation.InvalidVodUser": "TENCENTCLOUD_SECRET_ID",
    "InvalidParameterValue.SubAppId": "TENCENTCLOUD_VOD_SUB_APP_ID",
    "UnauthorizedOperation": "vod:CreateSceneAigcImageTask",
    "AuthFailure.UnauthorizedOperation": "vod:CreateSceneAigcImageTask",
    "AuthFailure.SignatureFailure": "TENCENTCLOUD_SECRET_KEY",
    "AuthFailure.SecretIdNotFound": "TENCENTCLOUD_SECRET_ID",
    "AuthFailure.SignatureExpire": "clock",
    "UnsupportedRegion": "TENCENTCLOUD_REGION",
}


def is_sentence(text: str) -> bool:
    return bool(text) and text[0].isupper() and text.endswith(".")


@pytest.mark.parametrize("code", API_PAGE_CODES)
def test_api_page_codes_have_their_own_entry_with_a_distinct_sentence(code: str) -> None:
    assert code in TABLE
    advice = advise(code)
    assert advice == TABLE[code]
    assert is_sentence(advice.summary)
    others = [entry.summary for other, entry in TABLE.items() if other != code]
    assert advice.summary not in others


def test_every_entry_is_found_under_its_own_code() -> None:
    for code, advice in TABLE.items():
        assert lookup(code) is advice, code
        assert advise(code) is advice, code


def test_a_second_entry_for_one_code_is_refused() -> None:
    entry = TABLE["InternalError"]
    with pytest.raises(ValueError, match="duplicate advice for InternalError"):
        _build_table((entry, TABLE["FailedOperation"], entry))


def test_every_code_the_bot_makes_up_has_its_own_entry() -> None:
    sources = [*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("handlers").rglob("*.py")]
    sources.remove(ROOT / "bot" / "errors.py")  # the table itself
    made_up = {code for path in sources for code in OWN_CODE.findall(path.read_text())}
    assert {"ClientError.Timeout", "Cos.HttpError", "Slack.DownloadFailed"} <= made_up
    assert sorted(code for code in made_up if code not in TABLE) == []


def test_every_entry_reads_as_plain_sentences_and_summaries_are_unique() -> None:
    for code, advice in TABLE.items():
        assert advice.code == code
        assert is_sentence(advice.summary), code
        assert is_sentence(advice.remedy), code
        assert advice.audience in ("user", "admin", "transient")
    summaries = [advice.summary for advice in TABLE.values()]
    assert len(summaries) == len(set(summaries))


def test_admin_problems_tell_the_user_to_ask_the_admin() -> None:
    for code, advice in TABLE.items():
        if advice.audience == "admin":
            assert "ask the workspace admin to" in advice.remedy.lower(), code


@pytest.mark.parametrize(("code", "setting"), sorted(ADMIN_SETTINGS.items()))
def test_admin_remedies_name_what_to_check(code: str, setting: str) -> None:
    advice = advise(code)
    assert advice.audience == "admin"
    assert advice.remedy.startswith("Ask the workspace admin to")
    assert setting in advice.remedy


@pytest.mark.parametrize(
    ("code", "entry"),
    [
        ("AuthFailure.Whatever", "AuthFailure"),
        ("RequestLimitExceeded.Foo", "RequestLimitExceeded"),
        ("InvalidParameterValue.Prompt", "InvalidParameterValue"),
        ("InvalidParameterValue.SubAppId.Extra", "InvalidParameterValue.SubAppId"),
        ("ResourceNotFound.Something", "ResourceNotFound"),
        ("FailedOperation.NewThing", "FailedOperation"),
    ],
)
def test_unknown_subcodes_fall_back_to_the_longest_known_prefix(code: str, entry: str) -> None:
    advice = advise(code)
    assert code not in TABLE
    assert lookup(code) == TABLE[entry]
    assert advice.code == code
    assert advice.summary == TABLE[entry].summary
    assert advice.remedy == TABLE[entry].remedy


def test_a_prefix_must_end_at_a_dot() -> None:
    # "AuthFailureX" is not a sub-code of AuthFailure.
    assert lookup("AuthFailureX") is None


@pytest.mark.parametrize("code", ["Totally.Unknown", "WeirdCode", "ClientError.Something"])
def test_unknown_codes_are_named_and_sent_to_the_admin(code: str) -> None:
    advice = advise(code)
    assert advice.code == code
    assert code in advice.summary
    assert is_sentence(advice.summary)
    assert "workspace admin" in advice.remedy
    assert "RequestId" in advice.remedy
    assert not advice.retryable


def test_an_empty_code_still_gives_readable_advice() -> None:
    advice = advise("")
    assert advice.code == ""
    assert is_sentence(advice.summary)


def test_duplicate_session_id_means_already_submitted_not_a_user_mistake() -> None:
    advice = advise("InvalidParameterValue.SessionId")
    assert advice.audience != "user"
    assert "already submitted" in advice.summary
    assert not advice.retryable


def test_rate_limits_are_retryable_and_auth_failures_are_not() -> None:
    for code, advice in TABLE.items():
        if code.startswith("RequestLimitExceeded"):
            assert advice.retryable, code
            assert advice.audience == "transient", code
        if code.startswith("AuthFailure"):
            assert not advice.retryable, code
            assert advice.audience == "admin", code
    assert advise("RequestLimitExceeded.Foo").retryable
    assert not advise("AuthFailure.Whatever").retryable


@pytest.mark.parametrize("code", ["InternalError", "ServiceUnavailable", "ClientError.Network"])
def test_passing_outages_are_retryable(code: str) -> None:
    assert advise(code).retryable


def test_a_timed_out_submission_is_reported_as_possibly_submitted() -> None:
    advice = advise("ClientError.Timeout")
    assert "may" in advice.summary and "submitted" in advice.summary
    assert not advice.retryable


def test_format_refusal_lists_summary_remedy_and_references() -> None:
    advice = advise("AuthFailure.SignatureFailure")
    text = format_refusal(advice, "req-123")
    lines = text.splitlines()
    assert lines[0] == advice.summary
    assert lines[1] == advice.remedy
    assert lines[-1] == "Code: AuthFailure.SignatureFailure · RequestId: req-123"
    assert len(lines) == 3


def test_format_refusal_omits_an_empty_or_blank_message() -> None:
    advice = advise("InternalError")
    for message in ["", "   ", "\n"]:
        text = format_refusal(advice, "req-1", message)
        assert "Details" not in text
        assert len(text.splitlines()) == 3


def test_format_refusal_omits_a_message_that_only_repeats_the_advice() -> None:
    advice = advise("ClientError.Timeout")
    text = format_refusal(advice, None, "no answer from Tencent Cloud in time")
    assert "Details" not in text
    assert format_refusal(advice, None, "ClientError.Timeout").count("ClientError.Timeout") == 1


def test_format_refusal_keeps_a_message_that_adds_detail() -> None:
    advice = advise("InvalidParameterValue.Prompt")
    text = format_refusal(advice, "req-9", "Prompt exceeds   the maximum\nlength of 1000 characters")
    assert "Details: Prompt exceeds the maximum length of 1000 characters" in text
    assert text.splitlines()[-1] == "Code: InvalidParameterValue.Prompt · RequestId: req-9"


def test_format_refusal_trims_long_messages() -> None:
    advice = advise("FailedOperation")
    text = format_refusal(advice, "req-2", "detail " * 200)
    detail = next(line for line in text.splitlines() if line.startswith("Details: "))
    assert len(detail.removeprefix("Details: ")) <= MESSAGE_LIMIT
    assert detail.endswith("…")


def test_format_refusal_without_request_id_still_names_the_code() -> None:
    advice = advise("ClientError.Network")
    text = format_refusal(advice, None, "")
    assert text.splitlines()[-1] == "Code: ClientError.Network"
    assert "None" not in text


def test_advice_is_immutable() -> None:
    advice = advise("InternalError")
    with pytest.raises(AttributeError):
        advice.summary = "changed"  # type: ignore[misc]
    assert isinstance(advice, ErrorAdvice)
    with pytest.raises(TypeError):
        TABLE["InternalError"] = advice  # type: ignore[index]


# -- storage (COS) and Slack codes, and the one error tree ---------------------------------------------


@pytest.mark.parametrize("code", ["InternalError", "ServiceUnavailable", "AccessDenied", "SignatureDoesNotMatch"])
def test_cos_codes_never_borrow_the_advice_for_api_codes_of_the_same_name(code: str) -> None:
    cos = advise(f"Cos.{code}")
    assert cos.code == f"Cos.{code}"
    assert "storage" in cos.summary
    if code in TABLE:
        assert cos.summary != TABLE[code].summary


def test_storage_failures_that_pass_are_retryable_and_say_nothing_was_billed() -> None:
    for code in ("Cos.SlowDown", "Cos.InternalError", "Cos.ServiceUnavailable", "Cos.Timeout", "Cos.ConnectionLost"):
        advice = advise(code)
        assert advice.retryable and advice.audience == "transient", code
        assert "Nothing was submitted or billed" in advice.remedy, code
    for code in ("Cos.AccessDenied", "Cos.SignatureDoesNotMatch", "Cos.RequestTimeTooSkewed", "Cos.NoSuchBucket"):
        assert not advise(code).retryable, code
        assert advise(code).audience == "admin", code
    assert advise("Cos.EntityTooLarge").audience == "user"
    assert "clock" in advise("Cos.RequestTimeTooSkewed").remedy


def test_an_unknown_cos_code_falls_back_to_the_storage_entry() -> None:
    advice = advise("Cos.SomethingNew")
    assert advice.code == "Cos.SomethingNew"
    assert advice.summary == TABLE["Cos"].summary


def test_the_codes_that_existed_before_keep_their_advice() -> None:
    assert advise("InternalError").summary == "Tencent Cloud had an internal problem while handling the request."
    assert advise("ClientError.Network").summary == "The bot could not reach Tencent Cloud."


def test_every_failure_the_bot_explains_shares_one_base_class() -> None:
    from bot.slack.files import SlackDownloadFailed, SlackFileError
    from bot.tencent.cos import CosUploadError
    from bot.tencent.vod import AlreadySubmitted, VodError

    refusal = VodError("UnauthorizedOperation", "no", "req-1", "CreateSceneAigcImageTask")
    storage = CosUploadError(403, "AccessDenied", "Access Denied.", "cos-req-9")
    unusable = SlackFileError("notes.png: this is not a JPEG, PNG or WebP image.")
    download = SlackDownloadFailed("mug.png: Slack answered the download with HTTP 503")
    already = AlreadySubmitted("exists", "req-2", "aigc-1")
    for error in (refusal, storage, unusable, download, already):
        assert isinstance(error, AigcBotError)
        assert f"Code: {error.code}" in error.user_text()
    assert isinstance(unusable, ValueError)
    assert str(unusable) == "notes.png: this is not a JPEG, PNG or WebP image."
    assert str(refusal) == "CreateSceneAigcImageTask: UnauthorizedOperation: no"
    assert storage.code == "Cos.AccessDenied" and storage.cos_code == "AccessDenied" and storage.status == 403
    assert storage.user_text().endswith("Code: Cos.AccessDenied · RequestId: cos-req-9")
    assert download.advice.retryable and not storage.advice.retryable


# -- whether to send a failed call again --------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "ClientError.Timeout",
        "ClientError.ConnectionLost",
        "ClientError.BadResponse",
        "InternalError",
        "ServiceUnavailable",
    ],
)
def test_a_call_whose_outcome_is_unknown_is_sent_again_only_when_a_second_copy_cannot_act_twice(code: str) -> None:
    assert worth_retrying(code, repeat_safe=True)
    assert not worth_retrying(code, repeat_safe=False)


@pytest.mark.parametrize("code", ["RequestLimitExceeded", "RequestLimitExceeded.SomethingNew", "ClientError.Network"])
def test_a_call_turned_away_before_anything_happened_is_always_sent_again(code: str) -> None:
    assert worth_retrying(code, repeat_safe=False) and worth_retrying(code, repeat_safe=True)


@pytest.mark.parametrize(
    "code",
    [
        "AuthFailure.SignatureFailure",
        "InvalidParameter",
        "InvalidParameterValue.SessionId",
        "ClientError.NotSceneAigcImageTask",
        "Totally.Unknown",
    ],
)
def test_a_refusal_that_would_repeat_is_never_sent_again(code: str) -> None:
    assert not worth_retrying(code, repeat_safe=True)
