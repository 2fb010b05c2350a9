"""What the /aigc form (the Slack modal) says: labels, hints and the notes above its fields."""

ATTACH_CATALOGUE_AS_CSV_FILE = "Attach the catalogue as a CSV file."
ATTACH_ONE_GIVE_LINK = "attach one or give a link"
DESCRIBE_SCENE_BACKGROUND_STYLE = "Describe the scene, background or style"
E_G_PEOPLE_TEXT_WATERMARK = "e.g. people, text, watermark"
FIRST_MODEL_PHOTO_REST_ARE = "The first is the model photo, the rest are clothes. "
FIRST_MODEL_PHOTO_REST_ARE_2 = " The first is the model photo, the rest are clothes."
IMAGES_ATTACH_BELOW_COME_AFTER = "{order}Images you attach below come after these."
ONE_IMAGE_EXTEND_RATIO = "One image; I extend it to the ratio."
ONE_PHOTO_PERSON_WEARING_CLOTHES = "One photo of the person wearing the clothes."
PHOTOS_ONE_PRODUCT = "{fewest} to {most} photos of one product."
PICTURES_GARMENTS_PUT = "{fewest_clothes} to {most_clothes} pictures of the garments to put on."
USING_IMAGE_S_FROM_MESSAGE = (
    "Using {preset_images} image(s) from the message: {names}.{how} Images you add below come after them."
)
