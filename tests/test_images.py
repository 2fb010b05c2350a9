"""Preparing images as people share them: real files made here with Pillow and pillow-heif, read back the same way."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from bot.images.limits import ImageLimits
from bot.images.prepare import ImagePreparer, PreparedImage, prepare_image
from bot.images.refusals import ImageRefused
from tests.sample_images import GROUND, MARK, OTHER, camera_exif, encoded, heic, marked, photo_like, pixel_bomb

MB = 1_048_576
LIMITS = ImageLimits(max_side=4096, max_bytes=10 * MB, max_pixels=100_000_000, max_download_bytes=50 * MB)


def prepared(tmp_path: Path, name: str, data: bytes, limits: ImageLimits = LIMITS) -> tuple[PreparedImage, Image.Image]:
    source = tmp_path / name
    source.write_bytes(data)
    result = prepare_image(source, name, limits)
    opened = Image.open(io.BytesIO(result.path.read_bytes()))
    opened.load()
    return result, opened


def close_to(pixel: object, colour: tuple[int, ...], tolerance: int = 40) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def corners(image: Image.Image) -> tuple[object, object]:
    """The colours near the top-left and top-right corners, inside the marks."""
    inset = image.height // 8
    return image.getpixel((inset, inset)), image.getpixel((image.width - 1 - inset, inset))


def test_an_iphone_heic_is_sent_as_jpeg_and_says_so(tmp_path: Path) -> None:
    result, out = prepared(tmp_path, "IMG_4821.HEIC", heic(marked(), exif=camera_exif(gps=True)))
    assert (out.format, out.mode, out.size) == ("JPEG", "RGB", (96, 64))
    assert close_to(corners(out)[0], MARK) and close_to(corners(out)[1], OTHER)
    assert result.kind.mime == "image/jpeg" and result.path != result.source
    assert result.note == "IMG_4821.HEIC: converted to JPEG, removed its metadata (including the GPS location)"
    assert not out.getexif()


def test_a_sideways_heic_ends_upright(tmp_path: Path) -> None:
    stored = marked().transpose(Image.Transpose.ROTATE_90)  # as a phone held upright stores it
    result, out = prepared(tmp_path, "IMG_4822.HEIC", heic(stored, exif=camera_exif(6, gps=False)))
    assert out.size == (96, 64) and close_to(corners(out)[0], MARK) and close_to(corners(out)[1], OTHER)
    assert result.note == "IMG_4822.HEIC: converted to JPEG, turned upright, removed its metadata"


def test_avif_gif_bmp_and_tiff_are_read(tmp_path: Path) -> None:
    for name, data in [
        ("banner.avif", encoded(marked(), "AVIF", quality=90)),
        ("logo.bmp", encoded(marked(), "BMP")),
        ("scan.tiff", encoded(marked(), "TIFF")),
    ]:
        result, out = prepared(tmp_path, name, data)
        assert (out.format, out.size) == ("JPEG", (96, 64)), name
        assert close_to(corners(out)[0], MARK) and close_to(corners(out)[1], OTHER), name
        assert result.note is not None and result.note.startswith(f"{name}: converted to JPEG"), name


def test_an_animated_gif_gives_its_first_frame(tmp_path: Path) -> None:
    first, second = marked(), Image.new("RGB", (96, 64), (0, 160, 0))
    data = encoded(first.convert("P"), "GIF", save_all=True, append_images=[second.convert("P")], duration=100)
    result, out = prepared(tmp_path, "spin.gif", data)
    assert out.format == "JPEG" and close_to(corners(out)[0], MARK)
    assert result.note == "spin.gif: converted to JPEG, first frame only"


def test_a_cmyk_agency_jpeg_arrives_in_rgb_with_its_colours(tmp_path: Path) -> None:
    cmyk = Image.new("CMYK", (64, 64), (0, 255, 255, 0))  # full magenta and yellow: red
    result, out = prepared(tmp_path, "print.jpg", encoded(cmyk, "JPEG", quality=95))
    assert (out.format, out.mode) == ("JPEG", "RGB")
    pixel = out.getpixel((32, 32))
    assert isinstance(pixel, tuple) and pixel[0] > 200 and pixel[1] < 60 and pixel[2] < 60
    assert result.note == "print.jpg: converted from CMYK to RGB"


def test_a_colour_profile_is_applied_and_an_unusable_one_ignored(tmp_path: Path) -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    image = Image.new("RGB", (32, 32), (200, 60, 40))
    _, plain = prepared(tmp_path, "plain.tiff", encoded(image, "TIFF", icc_profile=srgb.tobytes()))
    assert close_to(plain.getpixel((16, 16)), (200, 60, 40), tolerance=6)
    assert "icc_profile" not in plain.info
    _, odd = prepared(tmp_path, "odd.tiff", encoded(image, "TIFF", icc_profile=b"not a profile"))
    assert close_to(odd.getpixel((16, 16)), (200, 60, 40), tolerance=6)


def test_a_16_bit_image_keeps_its_tones(tmp_path: Path) -> None:
    grey = Image.new("I;16", (40, 30), 40000)  # 61% grey in 16 bits; clipped to 8 bits it would turn white
    result, out = prepared(tmp_path, "scan.png", encoded(grey, "PNG"))
    assert (out.format, out.mode) == ("JPEG", "RGB")
    pixel = out.getpixel((20, 15))
    assert isinstance(pixel, tuple) and all(150 <= channel <= 162 for channel in pixel)
    assert result.note == "scan.png: converted to JPEG, converted from 16 to 8 bits per channel"


# How a camera stores a picture for each EXIF orientation, given how it should look (EXIF 2.32, tag 0x0112).
STORED_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,  # stored turned a quarter left; shown turned a quarter right
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@pytest.mark.parametrize("orientation", sorted(STORED_AS))
def test_every_exif_orientation_ends_upright(tmp_path: Path, orientation: int) -> None:
    looks = marked()
    transpose = STORED_AS[orientation]
    stored = looks.transpose(transpose) if transpose is not None else looks
    data = encoded(stored, "JPEG", quality=95, exif=camera_exif(orientation, gps=False))
    result, out = prepared(tmp_path, f"o{orientation}.jpg", data)
    assert out.size == (96, 64)
    top_left, top_right = corners(out)
    assert close_to(top_left, MARK) and close_to(top_right, OTHER), (orientation, top_left, top_right)
    assert close_to(out.getpixel((48, 60)), GROUND)
    assert not out.getexif(), "no orientation left behind to be applied a second time"
    upright = ", turned upright" if orientation != 1 else ""
    assert result.note == f"o{orientation}.jpg: {upright.lstrip(', ')}{', ' if upright else ''}removed its metadata"


def test_gps_xmp_and_comments_are_dropped(tmp_path: Path) -> None:
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description GPSLatitude="48,51.4N"/></x:xmpmeta>'
    data = encoded(marked(), "JPEG", exif=camera_exif(gps=True), xmp=xmp, comment=b"shot at home")
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(0x8825) and source.info.get("xmp") and source.info.get("comment")
    result, out = prepared(tmp_path, "IMG_0042.jpg", data)
    sent = result.path.read_bytes()
    for trace in (b"Exif\x00\x00", b"48,51.4N", b"shot at home", b"Phone Maker", b"http://ns.adobe.com/xap"):
        assert trace not in sent
    assert not out.getexif() and "comment" not in out.info
    assert result.note == "IMG_0042.jpg: removed its metadata (including the GPS location)"


def test_an_upright_clean_jpeg_png_or_webp_goes_byte_for_byte(tmp_path: Path) -> None:
    for name, data in [
        ("clean.jpg", encoded(marked(), "JPEG", quality=92)),
        ("clean.png", encoded(marked().convert("RGBA"), "PNG")),
        ("clean.webp", encoded(marked(), "WEBP")),
    ]:
        source = tmp_path / name
        source.write_bytes(data)
        result = prepare_image(source, name, LIMITS)
        assert result.path == source and result.note is None, name
        assert result.path.read_bytes() == data
        result.discard()
        assert source.exists(), "the caller's own file is never removed"


def test_transparency_is_kept_as_png(tmp_path: Path) -> None:
    cut_out = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    cut_out.paste((200, 30, 30, 255), (10, 10, 30, 30))
    result, out = prepared(tmp_path, "cutout.webp", encoded(cut_out, "WEBP", lossless=True, exif=camera_exif()))
    assert (out.format, out.mode) == ("PNG", "RGBA")
    assert out.getpixel((0, 0)) == (0, 0, 0, 0) and out.getpixel((20, 20)) == (200, 30, 30, 255)
    assert result.note is not None and result.note.startswith("cutout.webp: converted to PNG (it has transparency)")
    _, opaque = prepared(tmp_path, "opaque.tiff", encoded(marked().convert("RGBA"), "TIFF"))
    assert opaque.format == "JPEG", "an alpha channel that hides nothing does not make a PNG"


def test_a_large_picture_is_scaled_to_the_long_side_limit(tmp_path: Path) -> None:
    limits = ImageLimits(max_side=200, max_bytes=10 * MB, max_pixels=100_000_000, max_download_bytes=50 * MB)
    data = encoded(marked(960, 640), "JPEG", quality=95, exif=camera_exif(6, gps=False))
    result, out = prepared(tmp_path, "DSC_0001.JPG", data, limits)
    assert out.size == (133, 200)  # stored 960x640, shown turned: 640 wide, 960 tall
    assert result.note == "DSC_0001.JPG: 960x640 -> 200 px long side, turned upright, removed its metadata"


def test_an_image_over_the_byte_limit_steps_quality_then_size_down(tmp_path: Path) -> None:
    data = encoded(photo_like(600, 400, 60), "BMP")
    generous = ImageLimits(max_side=4096, max_bytes=len(data), max_pixels=10**8, max_download_bytes=50 * MB)
    at_90 = prepare_image(_written(tmp_path, "a.bmp", data), "a.bmp", generous)
    assert at_90.note == "a.bmp: converted to JPEG"
    tight = ImageLimits(max_side=4096, max_bytes=at_90.size - 1, max_pixels=10**8, max_download_bytes=50 * MB)
    result, out = prepared(tmp_path, "b.bmp", data, tight)
    assert result.size <= tight.max_bytes and out.size == (600, 400)
    assert result.note == f"b.bmp: converted to JPEG, JPEG quality 85 to stay within {tight.max_bytes / MB:.1f} MB"
    tiny = ImageLimits(max_side=4096, max_bytes=20_000, max_pixels=10**8, max_download_bytes=50 * MB)
    result, out = prepared(tmp_path, "c.bmp", data, tiny)
    assert result.size <= 20_000 and out.width < 600 and out.height < 400
    assert result.note is not None and result.note.startswith(f"c.bmp: converted to JPEG, 600x400 -> {out.width}x")


def _written(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_pixel_bomb_is_refused_from_its_header_naming_its_size(tmp_path: Path) -> None:
    bomb = pixel_bomb()
    assert len(bomb) < 2048
    with pytest.raises(ImageRefused) as refused:
        prepare_image(_written(tmp_path, "poster.png", bomb), "poster.png", LIMITS)
    assert str(refused.value) == (
        "poster.png is 40000x40000 pixels (1600 megapixels); images can be at most 100 megapixels. "
        "Scale it down and share it again."
    )


def test_a_truncated_jpeg_is_refused_with_what_it_looked_like(tmp_path: Path) -> None:
    whole = encoded(photo_like(320, 240), "JPEG")
    with pytest.raises(ImageRefused) as refused:
        prepare_image(_written(tmp_path, "cut.jpg", whole[: len(whole) // 2]), "cut.jpg", LIMITS)
    assert str(refused.value) == (
        "cut.jpg starts like a JPEG image but is truncated or damaged, so I could not read it. "
        "Share the original file again."
    )


def test_a_pdf_named_heic_is_refused_as_a_pdf(tmp_path: Path) -> None:
    pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 4
    with pytest.raises(ImageRefused) as refused:
        prepare_image(_written(tmp_path, "IMG_4821.heic", pdf), "IMG_4821.heic", LIMITS)
    assert str(refused.value) == (
        "IMG_4821.heic is not an image I can read: it looks like a PDF document. "
        "I read HEIC/HEIF, AVIF, JPEG, PNG, WebP, GIF, BMP and TIFF."
    )


def test_a_file_over_the_download_limit_is_refused_unread(tmp_path: Path) -> None:
    limits = ImageLimits(max_side=4096, max_bytes=MB, max_pixels=10**8, max_download_bytes=MB)
    with pytest.raises(ImageRefused) as refused:
        prepare_image(_written(tmp_path, "huge.jpg", b"\xff\xd8\xff" + bytes(2 * MB)), "huge.jpg", limits)
    assert str(refused.value) == "huge.jpg is 2.0 MB; I only fetch files of up to 1 MB, so nothing was downloaded."


def test_the_preparer_decodes_off_the_event_loop(tmp_path: Path) -> None:
    paths = [_written(tmp_path, f"p{n}.bmp", encoded(photo_like(2000, 1500), "BMP")) for n in range(2)]
    preparer = ImagePreparer(LIMITS, concurrency=2)

    async def go() -> tuple[list[PreparedImage], int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        ticker = asyncio.create_task(tick())
        results = await asyncio.gather(*(preparer.prepare(path, path.name) for path in paths))
        ticker.cancel()
        return list(results), ticks

    results, ticks = asyncio.run(go())
    assert all(result.kind.mime == "image/jpeg" for result in results)
    assert ticks > 4, "the loop kept turning while images were decoded"
