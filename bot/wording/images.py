"""What the bot says about a file it cannot use as an image, and the notes on what it changed."""

CANNOT_SHRINK = "{name} could not be made smaller than {limit}, the most Tencent is sent."
CHANGED_16_TO_8_BITS = "converted from 16 to 8 bits per channel"
CHANGED_CMYK_TO_RGB = "converted from CMYK to RGB"
CHANGED_JPEG_QUALITY = "JPEG quality {quality} to stay within {limit}"
CHANGED_LONG_SIDE = "{width}x{height} -> {max_side} px long side"
CHANGED_SIZE = "{width}x{height} -> {new_width}x{new_height} to stay within {limit}"
DOWNLOAD_FAILED = "{name}: the download from Slack failed ({error_kind})"
DOWNLOAD_TOO_LARGE = "the download is larger than {limit} bytes"
KIND_SVG_OR_XML = "an SVG or XML file"
KIND_UNKNOWN_BINARY = "an unrecognised binary file"
KIND_ZIP_OR_OFFICE = "a ZIP or Office document"
LINK_NOT_SLACK = "{name}: the download link does not point to Slack, so I won't fetch it."
NOT_AN_IMAGE_FILE = "{name} is {kind}, not an image; I read {readable}."
NOT_JPEG_PNG_WEBP = "this is not a JPEG, PNG or WebP image: it looks like {looks_like}"
NO_DOWNLOAD_LINK = "{name}: Slack gave no download link for this file."
OVER_UPLOAD_LIMIT = "{name} is {megabytes:.1f} MB; the limit is {max_megabytes:.0f} MB"
SLACK_DOWNLOAD_HTTP_ERROR = "{name}: Slack answered the download with HTTP {status_code}"
SLACK_REFUSED_DOWNLOAD = (
    "{name}: Slack refused the download (HTTP {status_code}). The app may lack the files:read scope; "
    "ask the admin to reinstall it."
)
SLACK_SENT_SIGN_IN_PAGE = "{name}: Slack sent a sign-in page instead of the image; the app may lack files:read."
SLACK_WOULD_NOT_SHARE = (
    "{shown}: Slack would not let me read this file ({slack_error}). Share it again in this "
    "workspace, or attach it to `/aigc`."
)
TOO_LARGE_TO_FETCH = "{stated}; I only fetch files of up to {megabytes_limit}, so nothing was downloaded."
TOO_MANY_PIXELS = (
    "{name} is {width}x{height} pixels ({megapixels:.0f} megapixels); images can be at most "
    "{max_megapixels:.0f} megapixels. Scale it down and share it again."
)
TRUNCATED = (
    "{name} starts like {what} but is truncated or damaged, so I could not read it. Share the original file again."
)
UNREADABLE_KIND = "{name} is not an image I can read: it looks like {what}. I read {readable}."
