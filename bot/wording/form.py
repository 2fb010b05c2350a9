"""What the /aigc form (the Slack modal) says: labels, hints and the notes above its fields."""

ATTACHED_COME_AFTER = "{order}Images you attach below come after these."
ATTACH_OR_LINK = "attach one or give a link"
ATTACH_THE_CSV = "Attach the catalogue as a CSV file."
CLOTHES_IMAGES_HINT = "{fewest_clothes} to {most_clothes} pictures of the garments to put on."
MODEL_IMAGE_HINT = "One photo of the person wearing the clothes."
NEGATIVE_PLACEHOLDER = "e.g. people, text, watermark"
OUTPAINT_IMAGES_HINT = "One image; I extend it to the ratio."
PRODUCT_IMAGES_HINT = "{fewest} to {most} photos of one product."
PROMPT_PLACEHOLDER = "Describe the scene, background or style"
TRYON_ORDER = "The first is the model photo, the rest are clothes. "
TRYON_ORDER_AFTER = " The first is the model photo, the rest are clothes."
USING_MESSAGE_IMAGES = (
    "Using {preset_images} image(s) from the message: {names}.{how} Images you add below come after them."
)
