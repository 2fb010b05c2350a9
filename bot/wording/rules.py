"""The rulebook's sentences and the refusals of command text and image references, on every surface."""

AFTER_MODEL_IMAGE = " after the model image"
COMPLETE_WEB_ADDRESS_IMAGE_LINK = (
    "`{url}` is not a complete web address; an image link looks like https://shop.example/a.png."
)
COMPLETE_WEB_ADDRESS_IMAGE_LINK_2 = (
    "`{word}` is not a complete web address; an image link looks like https://shop.example/a.png."
)
DOES_HAVE_VALID_HOST_NAME = "`{url}` does not have a valid host name and port."
EXTENDS_IMAGE_RATIO = ": it extends the image to the ratio"
FOLDER_GIVE_PATH_ONE_IMAGE = "{word} is a folder; give the path of one image file in it"
GIVEN_TWICE_KEEP_ONE = "{key}= is given twice; keep one."
GIVE_ONE_TASKID_SESSIONID_AIGC = "Give one TaskId or SessionId: `/aigc status <TaskId or SessionId>`."
HAS_NO_HOST_NAME_IMAGE = "`{url}` has no host name; an image link looks like https://shop.example/a.png."
HAS_SPACE_WEB_ADDRESS_HAS = "`{word}` has a space in it; a web address has none (a link writes a space as %20)."
IMAGES_ONE_PRODUCT = "images of one product"
IMAGE_LINK_USER_NAME_PASSWORD = (
    "An image link with a user name or password (`{shown_url}`, shown without them) "
    "cannot be used: Tencent Cloud would receive them and the request log would keep them. Put the "
    "image on a public web address that needs no login, or attach it instead."
)
IMAGE_REFERENCE_USE_HTTP_S = "`{word}` is not an image reference: use an http(s) URL, a VOD FileId, or attach the image"
LINK_VOD_FILEID_ATTACHED_IMAGE = "a link, a VOD FileId, or an attached image. Type `/aigc help` for examples"
NOT_A_COUNT = "{given} is not allowed: give a whole number from {fewest} to {most}."
NOT_A_SCENE = "{given} is not a scene. Use {scenes}."
NOT_OFFERED = "{given} is not offered. Use {choices}."
NOT_REACHABLE = (
    "Tencent Cloud fetches image links from the internet, so a link to this computer, a private network "
    "or a reserved address cannot be used. Put the image on a public web address, or attach it instead."
)
NO_IMAGE = "{scene} needs at least one image{place}: {sources}."
NO_PROMPT = "{noun} takes no prompt{reason}. {remove}, or choose {scenes}."
NO_SUCH_FILE_GIVE_FILE = "{word}: no such file (give a file path, an http(s) URL or a VOD FileId)"
ONLY_FOR = "{name} is for {scenes} only."
POINTS_COMPUTER = "`{url}` points to this computer. {NOT_REACHABLE}"
POINTS_PRIVATE_RESERVED_ADDRESS = "`{url}` points to a private or reserved address. {NOT_REACHABLE}"
QUOTE_AFTER_CLOSED_END_WORDS = (
    'The quote after {key}= is not closed: end the words with a second ", e.g. {key}="like this".'
)
REMOVE_TEXT_AFTER_IMAGE = "Remove the text after the image"
TOO_LONG = "{what} is {length} characters; the most is {most}."
USES_ONLY_HTTP_HTTPS_IMAGE = "`{word}` uses {scheme}://; only http:// and https:// image URLs work."
