"""What the bot says about a file it cannot use as an image, and the notes on what it changed."""

CONVERTED_FROM_BITS_PER_CHANNEL = "converted from 16 to 8 bits per channel"
CONVERTED_FROM_CMYK_RGB = "converted from CMYK to RGB"
COULD_MADE_SMALLER_THAN_MOST = "{name} could not be made smaller than {limit}, the most Tencent is sent."
DOWNLOAD_FROM_SLACK_FAILED = "{name}: the download from Slack failed ({error_kind})"
DOWNLOAD_LARGER_THAN_BYTES = "the download is larger than {limit} bytes"
DOWNLOAD_LINK_DOES_POINT_SLACK = "{name}: the download link does not point to Slack, so I won't fetch it."
IMAGE_CAN_READ_LOOKS_LIKE = "{name} is not an image I can read: it looks like {what}. I read {readable}."
IMAGE_READ = "{name} is {kind}, not an image; I read {readable}."
JPEG_PNG_WEBP_IMAGE_LOOKS = "this is not a JPEG, PNG or WebP image: it looks like {looks_like}"
JPEG_QUALITY_STAY_WITHIN = "JPEG quality {quality} to stay within {limit}"
MB_LIMIT_MB = "{name} is {megabytes:.1f} MB; the limit is {max_megabytes:.0f} MB"
ONLY_FETCH_FILES_UP_NOTHING = "{stated}; I only fetch files of up to {megabytes_limit}, so nothing was downloaded."
SLACK_ANSWERED_DOWNLOAD_HTTP = "{name}: Slack answered the download with HTTP {status_code}"
SLACK_GAVE_NO_DOWNLOAD_LINK = "{name}: Slack gave no download link for this file."
SLACK_REFUSED_DOWNLOAD_HTTP_APP = (
    "{name}: Slack refused the download (HTTP {status_code}). The app may lack the files:read scope; "
    "ask the admin to reinstall it."
)
SLACK_SENT_SIGN_PAGE_INSTEAD = "{name}: Slack sent a sign-in page instead of the image; the app may lack files:read."
SLACK_WOULD_LET_ME_READ = (
    "{shown}: Slack would not let me read this file ({slack_error}). Share it again in this "
    "workspace, or attach it to `/aigc`."
)
STARTS_LIKE_BUT_TRUNCATED_DAMAGED = (
    "{name} starts like {what} but is truncated or damaged, so I could not read it. Share the original file again."
)
SVG_XML_FILE = "an SVG or XML file"
UNRECOGNISED_BINARY_FILE = "an unrecognised binary file"
X_PIXELS_MEGAPIXELS_IMAGES_CAN = (
    "{name} is {width}x{height} pixels ({megapixels:.0f} megapixels); images can be at most "
    "{max_megapixels:.0f} megapixels. Scale it down and share it again."
)
X_PX_LONG_SIDE = "{width}x{height} -> {max_side} px long side"
X_X_STAY_WITHIN = "{width}x{height} -> {new_width}x{new_height} to stay within {limit}"
ZIP_OFFICE_DOCUMENT = "a ZIP or Office document"
