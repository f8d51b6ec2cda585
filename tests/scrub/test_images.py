"""Test that published images keep their picture and lose every trace of who made them."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageStat, PngImagePlugin

from clarion.scrub import Scrubbed, ScrubError, UnsupportedFile, scrub_file, scrub_image
from tests.support.builders import (
    BLUE,
    RED,
    SOURCE_NAME,
    XMP_PACKET,
    camera_jpeg,
    encode,
    exiftool_tags,
    srgb_profile,
    two_colour_image,
)
from tests.support.tools import require_tool

IDENTIFYING_TAGS = ("Author", "Artist", "Creator", "By-line", "Copyright", "OwnerName", "Make", "Model")
IDENTIFYING_TAGS += ("Software", "SerialNumber", "ThumbnailImage", "Comment", "DateTimeOriginal")
METADATA_GROUPS = ("IFD0", "IFD1", "ExifIFD", "GPS", "IPTC", "XMP", "ICC", "Photoshop", "MakerNotes")


@pytest.fixture(scope="module")
def exiftool() -> str:
    """Return exiftool's path, or skip: checking scrubbed media needs an independent reader."""
    return require_tool("exiftool", "checking scrubbed media needs it")


@pytest.fixture(scope="module")
def scrubbed_camera_jpeg(exiftool: str, tmp_path_factory: pytest.TempPathFactory) -> Scrubbed:
    """Return the scrubbed copy of a JPEG full of camera, editor and location metadata.

    Built once per module: exiftool is a Perl program and slow to start.
    """
    return scrub_image(camera_jpeg(exiftool, tmp_path_factory.mktemp("camera")))


def assert_no_metadata(tags: dict[str, object]) -> None:
    """Fail if exiftool's tags include an identifying tag or a metadata group."""
    names = {key.split(":", 1)[1] for key in tags}
    groups = {key.split(":", 1)[0] for key in tags}
    assert not names & set(IDENTIFYING_TAGS), tags
    assert not [name for name in names if name.startswith("GPS")], tags
    assert not [group for group in groups if group.startswith(METADATA_GROUPS)], tags
    assert SOURCE_NAME not in json.dumps(tags)


def decoded(data: bytes) -> Image.Image:
    """Return the image decoded from bytes, fully loaded."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_published_jpeg_keeps_no_gps_author_or_device_tags(
    scrubbed_camera_jpeg: Scrubbed, exiftool: str, tmp_path: Path
) -> None:
    tags = exiftool_tags(exiftool, scrubbed_camera_jpeg.data, tmp_path, ".jpg")

    assert_no_metadata(tags)
    assert SOURCE_NAME.encode() not in scrubbed_camera_jpeg.data
    assert tags["File:MIMEType"] == "image/jpeg"


def test_editor_is_told_each_kind_of_metadata_removed_from_a_jpeg(scrubbed_camera_jpeg: Scrubbed) -> None:
    removed = scrubbed_camera_jpeg.removed

    for expected in (
        "EXIF: camera make and model (Canon, EOS 5D)",
        "EXIF: software (Adobe Photoshop 25.0)",
        "EXIF: date and time taken",
        "EXIF: owner, artist or copyright names",
        "EXIF: serial numbers",
        "EXIF: GPS position",
        "EXIF: thumbnail image",
        "XMP metadata",
        "IPTC metadata",
        "JPEG comment",
        "ICC colour profile",
    ):
        assert expected in removed
    # People's names are named as a kind, never quoted back, so the list itself cannot leak them.
    assert SOURCE_NAME not in " ".join(removed)


def test_scrubbed_jpeg_is_turned_upright_and_keeps_its_picture(scrubbed_camera_jpeg: Scrubbed) -> None:
    image = decoded(scrubbed_camera_jpeg.data)

    # Stored 64 × 48 with orientation 6: shown 48 × 64, the left (red) half on top.
    assert (image.width, image.height) == (48, 64) == (scrubbed_camera_jpeg.width, scrubbed_camera_jpeg.height)
    assert _close(image.getpixel((24, 8)), RED)
    assert _close(image.getpixel((24, 56)), BLUE)
    assert scrubbed_camera_jpeg.media_type == "image/jpeg"
    assert scrubbed_camera_jpeg.extension == ".jpg"


def test_image_without_metadata_reports_nothing_removed() -> None:
    result = scrub_image(encode(two_colour_image(), "PNG"))

    assert result.removed == ()
    assert _mean(decoded(result.data)) == pytest.approx(_mean(two_colour_image()), abs=1)


def test_png_text_xmp_exif_and_colour_profile_are_removed(exiftool: str, tmp_path: Path) -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", SOURCE_NAME)
    text.add_text("Comment", "taken at plant 7", zip=True)
    text.add_itxt("XML:com.adobe.xmp", XMP_PACKET.decode())
    exif = Image.Exif()
    exif[0x010F], exif[0x013B] = "Canon", SOURCE_NAME
    original = encode(two_colour_image(), "PNG", pnginfo=text, exif=exif, icc_profile=srgb_profile())

    result = scrub_image(original)

    assert_no_metadata(exiftool_tags(exiftool, result.data, tmp_path, ".png"))
    clean = decoded(result.data)
    assert not clean.info and not clean.text
    assert "PNG text: Author, Comment" in result.removed
    assert {"XMP metadata", "ICC colour profile", "EXIF: camera make and model (Canon)"} <= set(result.removed)
    assert clean.tobytes() == two_colour_image().tobytes()  # PNG stays lossless


def test_png_transparency_survives_scrubbing() -> None:
    image = two_colour_image(mode="RGBA")
    image.putpixel((0, 0), (0, 0, 0, 0))

    clean = decoded(scrub_image(encode(image, "PNG")).data)

    assert clean.mode == "RGBA"
    assert clean.getpixel((0, 0))[3] == 0
    assert clean.getpixel((40, 10)) == (*BLUE, 255)


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_picture_hidden_under_fully_transparent_pixels_is_wiped(image_format: str) -> None:
    # Given an image whose right half was "erased" by setting alpha to 0 only
    image = two_colour_image(mode="RGBA")
    alpha = Image.new("L", image.size, 0)
    alpha.paste(255, (0, 0, 32, 48))
    image.putalpha(alpha)
    assert image.getpixel((50, 10))[:3] == BLUE

    options = {"lossless": True} if image_format == "WEBP" else {}
    clean = decoded(scrub_image(encode(image, image_format, **options)).data)

    assert clean.getpixel((50, 10)) == (0, 0, 0, 0)
    assert clean.getpixel((10, 10)) == (*RED, 255)


def test_webp_exif_xmp_and_profile_are_removed_and_lossless_stays_lossless(exiftool: str, tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0110], exif[0x8298] = "iPhone 15", SOURCE_NAME
    original = encode(two_colour_image(), "WEBP", lossless=True, exif=exif, xmp=XMP_PACKET, icc_profile=srgb_profile())

    result = scrub_image(original)

    assert_no_metadata(exiftool_tags(exiftool, result.data, tmp_path, ".webp"))
    assert {"EXIF: camera make and model (iPhone 15)", "XMP metadata", "ICC colour profile"} <= set(result.removed)
    assert (result.media_type, result.extension) == ("image/webp", ".webp")
    assert decoded(result.data).convert("RGB").tobytes() == two_colour_image().tobytes()


def test_animated_gif_keeps_its_first_frame_and_palette_without_its_comment(exiftool: str, tmp_path: Path) -> None:
    frames = [two_colour_image().convert("P"), Image.new("P", (64, 48), 3)]
    original = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], comment=b"by Jane Insider", loop=0)

    result = scrub_image(original)

    tags = exiftool_tags(exiftool, result.data, tmp_path, ".gif")
    assert "Comment" not in {key.split(":", 1)[1] for key in tags}
    assert SOURCE_NAME.encode() not in result.data
    assert {"GIF comment", "Animation frames after the first"} <= set(result.removed)
    clean = decoded(result.data)
    assert not getattr(clean, "is_animated", False)
    # The palette is kept as it was, so the colours are exactly those of the first frame.
    assert clean.convert("RGB").tobytes() == frames[0].convert("RGB").tobytes()


def test_cmyk_jpeg_is_published_as_rgb_with_the_same_picture() -> None:
    result = scrub_image(encode(two_colour_image(mode="CMYK"), "JPEG", quality=95))

    clean = decoded(result.data)
    assert clean.mode == "RGB"
    assert _close(clean.getpixel((8, 8)), RED, tolerance=40)


def test_image_with_more_pixels_than_allowed_is_refused_before_decoding() -> None:
    with pytest.raises(ScrubError, match="too large to publish"):
        scrub_image(encode(two_colour_image(), "PNG"), max_pixels=1_000)


def test_decompression_bomb_header_is_refused_with_a_plain_message() -> None:
    # Given a tiny PNG whose header claims 100,000 × 100,000 pixels (40 GB once decoded)
    bomb = _png_with_header(100_000, 100_000)

    with pytest.raises(ScrubError, match="too large to publish"):
        scrub_image(bomb)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(encode(two_colour_image(), "BMP"), id="bmp"),
        pytest.param(encode(two_colour_image(), "TIFF"), id="tiff"),
        pytest.param(b"PK\x03\x04 a zip file", id="zip"),
        pytest.param(b"", id="empty"),
    ],
)
def test_files_that_are_not_jpeg_png_webp_or_gif_are_refused(data: bytes) -> None:
    with pytest.raises(UnsupportedFile, match=r"JPEG, PNG, WebP or GIF"):
        scrub_image(data)


def test_truncated_jpeg_is_refused_as_damaged() -> None:
    whole = encode(two_colour_image((256, 256)), "JPEG")

    with pytest.raises(ScrubError, match="damaged or incomplete"):
        scrub_image(whole[: len(whole) // 2])


def test_scrub_file_recognises_the_kind_by_content_not_name() -> None:
    assert scrub_file(encode(two_colour_image(), "PNG")).media_type == "image/png"
    assert scrub_file(encode(two_colour_image(), "JPEG")).media_type == "image/jpeg"
    with pytest.raises(UnsupportedFile):
        scrub_file(b"GIF is not enough: this is plain text")


def _png_with_header(width: int, height: int) -> bytes:
    """Return a PNG signature and IHDR chunk (8-bit RGB) claiming the given size, then IEND."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def _close(pixel: object, expected: tuple[int, int, int], tolerance: int = 25) -> bool:
    """Return whether an RGB pixel is within `tolerance` of the expected colour per channel."""
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], expected, strict=True))


def _mean(image: Image.Image) -> list[float]:
    """Return the mean of each RGB channel."""
    return ImageStat.Stat(image.convert("RGB")).mean
