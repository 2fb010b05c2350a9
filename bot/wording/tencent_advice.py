"""The advice the bot gives for each refusal code from Tencent Cloud, COS and Slack.

Each entry says what happened (`summary`) and what to do (`remedy`) for the people who read it in Slack:
marketers, so no API jargon beyond the code and RequestId that support staff will ask for. `audience` says
who can act on it; `retryable` and `outcome_unknown` decide whether the bot tries again (see
`bot.errors.worth_retrying`). To change what the bot says about a code, change its entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Audience = Literal["user", "admin", "transient"]


# The settings admins are pointed at; kept as names only, never values.
_KEYS = "TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY"
_SUB_APP = "TENCENTCLOUD_VOD_SUB_APP_ID"
_ENDPOINT = "TENCENTCLOUD_VOD_ENDPOINT"
_ACTIONS = (
    "vod:CreateSceneAigcImageTask, vod:DescribeTaskDetail, vod:DescribeTasks, vod:ApplyUpload and vod:CommitUpload"
)
_REPORT = "with the code and RequestId below"


@dataclass(frozen=True)
class ErrorAdvice:
    """`retryable`: the same request, sent again later, could succeed. `outcome_unknown`: the service may
    have acted before the failure, so sending the call again is only safe when a second copy cannot act twice."""

    code: str
    summary: str
    remedy: str
    audience: Audience
    retryable: bool = False
    outcome_unknown: bool = False


_UPLOAD_RETRY = "Nothing was submitted or billed; please send the request again in a few minutes."

ENTRIES: tuple[ErrorAdvice, ...] = (
    # --- CreateSceneAigcImageTask ---
    ErrorAdvice(
        "FailedOperation",
        "Tencent Cloud could not carry out the request.",
        f"Try once more in a few minutes. If it fails again, ask the workspace admin to look into it {_REPORT}.",
        "admin",
    ),
    ErrorAdvice(
        "FailedOperation.InvalidVodUser",
        "The Tencent Cloud account the bot uses has not activated the Video on Demand (VOD) service.",
        "Ask the workspace admin to activate VOD on the Tencent Cloud account that owns the key in "
        "TENCENTCLOUD_SECRET_ID, and to check that the account is not overdue on payment.",
        "admin",
    ),
    ErrorAdvice(
        "InternalError",
        "Tencent Cloud had an internal problem while handling the request.",
        "Nothing is wrong with your request; please try again in a few minutes.",
        "transient",
        retryable=True,
        outcome_unknown=True,
    ),
    ErrorAdvice(
        "InvalidParameter",
        "Tencent Cloud rejected the request because one of its settings is not valid.",
        "Check your images, prompt and options, then try again. If they look right, share the code and "
        "RequestId below with the workspace admin.",
        "user",
    ),
    ErrorAdvice(
        "InvalidParameterValue.FileId",
        "One of the images you picked could not be found in the bot's video library.",
        "It may have been deleted or belong to another library; upload the image again and resubmit.",
        "user",
    ),
    ErrorAdvice(
        "InvalidParameterValue.SessionContextTooLong",
        "The bot attached more tracking information to the request than Tencent Cloud allows.",
        f"This is a fault in the bot, not in your request. Ask the workspace admin to report it {_REPORT}.",
        "admin",
    ),
    ErrorAdvice(
        "InvalidParameterValue.SessionId",
        "This request was already submitted in the last three days, so Tencent Cloud did not start a second copy.",
        "No need to ask again: the result of the earlier submission will arrive when it is ready.",
        # Nobody has anything to fix here, and sending it again would be refused the same way.
        "transient",
    ),
    ErrorAdvice(
        "InvalidParameterValue.SessionIdTooLong",
        "The duplicate-check id the bot attached to the request is longer than Tencent Cloud allows.",
        f"This is a fault in the bot, not in your request. Ask the workspace admin to report it {_REPORT}.",
        "admin",
    ),
    ErrorAdvice(
        "InvalidParameterValue.SubAppId",
        "Tencent Cloud does not recognise the video library (VOD application) the bot is set up to use.",
        f"Ask the workspace admin to check {_SUB_APP}: it must be the id of an enabled VOD application "
        "on the same account as TENCENTCLOUD_SECRET_ID.",
        "admin",
    ),
    ErrorAdvice(
        "UnauthorizedOperation",
        "The bot's Tencent Cloud account is not allowed to do this.",
        f"Ask the workspace admin to give the CAM user behind TENCENTCLOUD_SECRET_ID a policy allowing "
        f"{_ACTIONS}, and to check that {_SUB_APP} belongs to that same account.",
        "admin",
    ),
    # --- Common to every Tencent Cloud API 3.0 action ---
    ErrorAdvice(
        "ActionOffline",
        "Tencent Cloud has retired the API action the bot relies on.",
        "Ask the workspace admin to update the bot to a version that uses Tencent Cloud's current API.",
        "admin",
    ),
    # Only reached through prefix fallback, for AuthFailure codes newer than this table.
    ErrorAdvice(
        "AuthFailure",
        "Tencent Cloud did not accept the bot's credentials.",
        f"Ask the workspace admin to check {_KEYS} in the bot's settings.",
        "admin",
    ),
    ErrorAdvice(
        "AuthFailure.InvalidAuthorization",
        "The sign-in information the bot sent to Tencent Cloud was malformed.",
        f"Ask the workspace admin to check that {_KEYS} are set without extra spaces or quotes, and to "
        f"report it {_REPORT} if they are.",
        "admin",
    ),
    ErrorAdvice(
        "AuthFailure.InvalidSecretId",
        "Tencent Cloud says the bot's key id is not a valid API key.",
        "Ask the workspace admin to set TENCENTCLOUD_SECRET_ID to an API key id (it starts with AKID) "
        "from the API keys page of the Tencent Cloud CAM console.",
        "admin",
    ),
    ErrorAdvice(
        "AuthFailure.MFAFailure",
        "Tencent Cloud asked for multi-factor authentication, which the bot cannot provide.",
        f"Ask the workspace admin to put in {_KEYS} the API key of a CAM user whose API access does not require MFA.",
        "admin",
    ),
    ErrorAdvice(
        "AuthFailure.SecretIdNotFound",
        "Tencent Cloud cannot find the bot's API key; it may have been deleted or disabled.",
        "Ask the workspace admin to check in the CAM console that the key in TENCENTCLOUD_SECRET_ID still "
        f"exists and is enabled, or to create a new one and update {_KEYS}.",
        "admin",
    ),
    ErrorAdvice(
        "AuthFailure.SignatureExpire",
        "Tencent Cloud rejected the request because the clock on the bot's server is wrong.",
        "Ask the workspace admin to correct the server clock (for example by turning on NTP time sync); "
        "Tencent Cloud refuses requests stamped more than five minutes off.",
        "admin",
    ),
    ErrorAdvice(
        "AuthFailure.SignatureFailure",
        "Tencent Cloud could not verify the bot's signature, which usually means its secret key is wrong.",
        "Ask the workspace admin to check that TENCENTCLOUD_SECRET_KEY is the full secret key that goes "
        "with TENCENTCLOUD_SECRET_ID.",
        "admin",
    ),
    ErrorAdvice(
        "AuthFailure.TokenFailure",
        "Tencent Cloud rejected the bot's temporary security token.",
        f"Ask the workspace admin to check {_KEYS}: the bot needs a permanent API key, and temporary "
        "credentials stop working when they expire.",
        "admin",
    ),
    ErrorAdvice(
        "AuthFailure.UnauthorizedOperation",
        "Tencent Cloud's permission check did not let the bot's key make this request.",
        f"Ask the workspace admin to grant the CAM user behind TENCENTCLOUD_SECRET_ID a policy allowing {_ACTIONS}.",
        "admin",
    ),
    ErrorAdvice(
        "DryRunOperation",
        "Tencent Cloud only checked the request without running it, because it was sent as a trial run.",
        f"Nothing was created. Ask the workspace admin to report this {_REPORT}, since the bot should "
        "never send trial runs.",
        "admin",
    ),
    ErrorAdvice(
        "InvalidAction",
        "Tencent Cloud does not recognise the API action the bot asked for.",
        f"Ask the workspace admin to check that {_ENDPOINT} is unset or a Tencent Cloud VOD address, and that "
        "the bot is up to date.",
        "admin",
    ),
    ErrorAdvice(
        "InvalidParameterValue",
        "Tencent Cloud did not accept one of the values in the request.",
        "Check your images, prompt and options (for example text length or image size), then try again.",
        "user",
    ),
    ErrorAdvice(
        "InvalidRequest",
        "Tencent Cloud could not read the request because its format was wrong.",
        f"This is a fault in the bot, not in your request. Ask the workspace admin to report it {_REPORT}.",
        "admin",
    ),
    ErrorAdvice(
        "IpInBlacklist",
        "Tencent Cloud blocked the request because the bot's server address is on a blocklist.",
        "Ask the workspace admin to check the IP restrictions on the key in TENCENTCLOUD_SECRET_ID, or "
        "to contact Tencent Cloud support about the server's public IP address.",
        "admin",
    ),
    ErrorAdvice(
        "IpNotInWhitelist",
        "Tencent Cloud blocked the request because the bot's server address is not on the allowed list.",
        "Ask the workspace admin to add the bot server's public IP address to the allowlist of the key "
        "in TENCENTCLOUD_SECRET_ID.",
        "admin",
    ),
    ErrorAdvice(
        "LimitExceeded",
        "The Tencent Cloud account has reached one of its usage limits.",
        "Wait for running jobs to finish and try later. If it keeps happening, ask the workspace admin "
        "to check the account's VOD quotas in the Tencent Cloud console.",
        "admin",
    ),
    ErrorAdvice(
        "MissingParameter",
        "The request was missing something Tencent Cloud requires.",
        "Check that you gave every image the chosen scene needs. If you did, share the code and "
        "RequestId below with the workspace admin.",
        "user",
    ),
    ErrorAdvice(
        "NoSuchProduct",
        "Tencent Cloud does not recognise the service the bot called.",
        f"Ask the workspace admin to check that {_ENDPOINT} is unset or a Tencent Cloud VOD address.",
        "admin",
    ),
    ErrorAdvice(
        "NoSuchVersion",
        "Tencent Cloud does not recognise the API version the bot uses.",
        f"Ask the workspace admin to update the bot and to check that {_ENDPOINT} points at Tencent Cloud VOD.",
        "admin",
    ),
    ErrorAdvice(
        "RequestLimitExceeded",
        "Too many requests reached Tencent Cloud at once, so this one was turned away.",
        "Nothing is wrong with your request; please wait a minute and try again.",
        "transient",
        retryable=True,
    ),
    ErrorAdvice(
        "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
        "The bot's Tencent Cloud account sent too many requests across all regions in a short time.",
        "Nothing is wrong with your request; please wait a minute and try again.",
        "transient",
        retryable=True,
    ),
    ErrorAdvice(
        "RequestLimitExceeded.IPLimitExceeded",
        "The bot's server sent too many requests to Tencent Cloud from one address in a short time.",
        "Nothing is wrong with your request; please wait a minute and try again.",
        "transient",
        retryable=True,
    ),
    ErrorAdvice(
        "RequestLimitExceeded.UinLimitExceeded",
        "The bot's Tencent Cloud account sent too many requests in a short time.",
        "Nothing is wrong with your request; please wait a minute and try again.",
        "transient",
        retryable=True,
    ),
    ErrorAdvice(
        "RequestSizeLimitExceeded",
        "The request was larger than Tencent Cloud accepts.",
        "Shorten your prompt or use fewer images, then try again.",
        "user",
    ),
    ErrorAdvice(
        "ResourceInUse",
        "Something the request needs is busy in Tencent Cloud right now.",
        "Please wait a few minutes and try again.",
        "transient",
        retryable=True,
    ),
    ErrorAdvice(
        "ResourceInsufficient",
        "The Tencent Cloud account does not have enough of something this request needs, such as AIGC "
        "allowance or storage.",
        "Ask the workspace admin to check the account's VOD resource packs, storage and balance in the "
        "Tencent Cloud console.",
        "admin",
    ),
    ErrorAdvice(
        "ResourceNotFound",
        "Something the request refers to does not exist in Tencent Cloud.",
        "Check that the images or task you referred to still exist, then try again.",
        "user",
    ),
    ErrorAdvice(
        "ResourceUnavailable",
        "Something the request needs is unavailable in Tencent Cloud right now.",
        "Please wait a few minutes and try again.",
        "transient",
        retryable=True,
        outcome_unknown=True,
    ),
    ErrorAdvice(
        "ResponseSizeLimitExceeded",
        "Tencent Cloud's answer was too large to send back.",
        f"Ask the workspace admin to report this {_REPORT}.",
        "admin",
    ),
    ErrorAdvice(
        "ServiceUnavailable",
        "Tencent Cloud's service is temporarily unavailable.",
        "Nothing is wrong with your request; please try again in a few minutes.",
        "transient",
        retryable=True,
        outcome_unknown=True,
    ),
    ErrorAdvice(
        "UnknownParameter",
        "Tencent Cloud did not recognise one of the settings the bot sent.",
        f"This is a fault in the bot, not in your request. Ask the workspace admin to update the bot or "
        f"report it {_REPORT}.",
        "admin",
    ),
    ErrorAdvice(
        "UnsupportedOperation",
        "Tencent Cloud does not support this operation for the bot's account or video library.",
        f"Ask the workspace admin to check that AI image features are available for the VOD application in {_SUB_APP}.",
        "admin",
    ),
    ErrorAdvice(
        "UnsupportedProtocol",
        "Tencent Cloud refused the connection method the bot used.",
        f"Ask the workspace admin to check that {_ENDPOINT} starts with https://.",
        "admin",
    ),
    ErrorAdvice(
        "UnsupportedRegion",
        "The Tencent Cloud service is not offered in the region the bot is set to.",
        "Ask the workspace admin to set TENCENTCLOUD_REGION to a region where VOD is offered, such as ap-guangzhou.",
        "admin",
    ),
    # --- Uploads and task lookups ---
    ErrorAdvice(
        "InvalidParameterValue.VodSessionKey",
        "The upload of your image could not be finished because its upload session expired.",
        "Send the image again and resubmit.",
        "user",
    ),
    ErrorAdvice(
        "ResourceNotFound.TaskNotExist",
        "Tencent Cloud has no task with that id.",
        "Check the task id; only tasks from roughly the last three days can be looked up.",
        "user",
    ),
    ErrorAdvice(
        "InvalidParameterValue.TaskId",
        "The task id is not in a form Tencent Cloud accepts.",
        "Check that you copied the whole task id, then try again.",
        "user",
    ),
    # --- The bot's own codes, for calls that never got a usable answer ---
    ErrorAdvice(
        "ClientError.Timeout",
        "No answer came from Tencent Cloud in time, so the request may or may not have been submitted.",
        "Wait a few minutes and check this channel for a result before asking again, so the same job "
        "is not made twice.",
        # Resending a submission blindly could create and bill a second task.
        "transient",
        retryable=False,
        outcome_unknown=True,
    ),
    ErrorAdvice(
        "ClientError.ConnectionLost",
        "The connection to Tencent Cloud broke before its answer arrived, so the request may have been submitted.",
        "Wait a few minutes and check `/aigc history` or this thread before asking again, so the same job "
        "is not made and billed twice.",
        "transient",
        retryable=False,
        outcome_unknown=True,
    ),
    ErrorAdvice(
        "ClientError.Network",
        "The bot could not reach Tencent Cloud.",
        "Please try again in a few minutes. If it keeps happening, ask the workspace admin to check the "
        "bot server's internet connection.",
        "transient",
        retryable=True,
    ),
    ErrorAdvice(
        "ClientError.BadResponse",
        "Tencent Cloud sent back an answer the bot could not read.",
        "Wait a few minutes and check for a result before trying again. If it keeps happening, ask the "
        f"workspace admin to check that {_ENDPOINT} is unset or a Tencent Cloud VOD address.",
        # The request did reach something, so a submission may have gone through.
        "admin",
        outcome_unknown=True,
    ),
    ErrorAdvice(
        "ClientError.NotSceneAigcImageTask",
        "That task id belongs to a different kind of Tencent Cloud job, not an AI image task.",
        "Check that you copied the task id the bot gave you for an image request.",
        "user",
    ),
    # --- Tencent Cloud storage (COS), where uploaded images go before a request is submitted ---
    # Only reached through prefix fallback, for COS codes newer than this table.
    ErrorAdvice(
        "Cos",
        "Tencent Cloud storage refused the upload of your image.",
        f"Nothing was submitted or billed. Ask the workspace admin to look into it {_REPORT}.",
        "admin",
    ),
    ErrorAdvice(
        "Cos.AccessDenied",
        "Tencent Cloud storage did not allow the bot to upload your image.",
        "Nothing was submitted or billed. Ask the workspace admin to check that the VOD application in "
        f"{_SUB_APP} can still store files (the account is not overdue and storage is not disabled), "
        f"and to report it {_REPORT} if it can.",
        "admin",
    ),
    ErrorAdvice(
        "Cos.SignatureDoesNotMatch",
        "Tencent Cloud storage could not verify the signature on the bot's upload.",
        "Nothing was submitted or billed. This is a fault in the bot, not in your image. Ask the workspace "
        f"admin to report it {_REPORT}.",
        "admin",
    ),
    ErrorAdvice(
        "Cos.RequestTimeTooSkewed",
        "Tencent Cloud storage refused the upload because the clock on the bot's server is wrong.",
        "Nothing was submitted or billed. Ask the workspace admin to correct the server clock (for example "
        "by turning on NTP time sync).",
        "admin",
    ),
    ErrorAdvice(
        "Cos.EntityTooLarge",
        "Your image is larger than Tencent Cloud storage accepts.",
        "Nothing was submitted or billed. Use a smaller image (a lower resolution or a JPEG) and send the "
        "request again.",
        "user",
    ),
    ErrorAdvice(
        "Cos.SlowDown",
        "Tencent Cloud storage is receiving too many uploads right now and asked the bot to slow down.",
        _UPLOAD_RETRY,
        "transient",
        retryable=True,
    ),
    ErrorAdvice(
        "Cos.InternalError",
        "Tencent Cloud storage had an internal problem while receiving your image.",
        _UPLOAD_RETRY,
        "transient",
        retryable=True,
    ),
    ErrorAdvice(
        "Cos.ServiceUnavailable",
        "Tencent Cloud storage is temporarily unavailable, so your image could not be uploaded.",
        _UPLOAD_RETRY,
        "transient",
        retryable=True,
    ),
    ErrorAdvice(
        "Cos.InvalidAccessKeyId",
        "Tencent Cloud storage did not recognise the upload permission the bot was given for your image.",
        "Nothing was submitted or billed. Send the request again; if it fails the same way, ask the "
        f"workspace admin to report it {_REPORT}.",
        "admin",
    ),
    ErrorAdvice(
        "Cos.ExpiredToken",
        "The upload permission the bot was given for your image expired before the upload finished.",
        "Nothing was submitted or billed; send the request again, and the bot will ask for a fresh permission.",
        "transient",
        retryable=True,
    ),
    ErrorAdvice(
        "Cos.InvalidToken",
        "Tencent Cloud storage did not accept the upload permission the bot was given for your image.",
        "Nothing was submitted or billed. Send the request again; if it fails the same way, ask the "
        f"workspace admin to report it {_REPORT}.",
        "admin",
    ),
    ErrorAdvice(
        "Cos.NoSuchBucket",
        "The storage place Tencent Cloud assigned for your image does not exist.",
        "Nothing was submitted or billed. Ask the workspace admin to check TENCENTCLOUD_COS_ENDPOINT (leave "
        f"it empty to use Tencent Cloud's own address) and that the VOD application in {_SUB_APP} is enabled.",
        "admin",
    ),
    ErrorAdvice(
        "Cos.RequestTimeout",
        "Tencent Cloud storage gave up waiting for your image to arrive.",
        _UPLOAD_RETRY,
        "transient",
        retryable=True,
    ),
    ErrorAdvice(
        "Cos.HttpError",
        "Tencent Cloud storage answered the upload with an error the bot could not read.",
        "Nothing was submitted or billed. Try again in a few minutes. If it keeps happening, ask the "
        "workspace admin to check TENCENTCLOUD_COS_ENDPOINT (leave it empty to use Tencent Cloud's own address).",
        "admin",
    ),
    ErrorAdvice(
        "Cos.Timeout",
        "Uploading your image to Tencent Cloud storage took too long, so the bot gave up.",
        _UPLOAD_RETRY,
        "transient",
        retryable=True,
    ),
    ErrorAdvice(
        "Cos.ConnectionLost",
        "The connection to Tencent Cloud storage broke while your image was being uploaded.",
        _UPLOAD_RETRY,
        "transient",
        retryable=True,
    ),
    ErrorAdvice(
        "Cos.Network",
        "The bot could not reach Tencent Cloud storage to upload your image.",
        "Nothing was submitted or billed. Please try again in a few minutes. If it keeps happening, ask the "
        "workspace admin to check the bot server's internet connection.",
        "transient",
        retryable=True,
    ),
    # --- Files shared in Slack ---
    ErrorAdvice(
        "Slack.FileUnusable",
        "A file you shared cannot be used as an image.",
        "Share the original photo or picture file again and send the request again.",
        "user",
    ),
    ErrorAdvice(
        "Slack.DownloadFailed",
        "Slack did not hand over the image you shared.",
        "Nothing was submitted or billed. Please try again in a few minutes.",
        "transient",
        retryable=True,
    ),
)


ASK_WORKSPACE_ADMIN_LOOK_INTO = (
    "Ask the workspace admin to look into it, and share the code and RequestId below with them."
)
REQUEST_FAILED_CODE_WHICH_BOT = "The request failed with code {shown}, which the bot has no explanation for."
