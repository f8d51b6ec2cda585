"""Make a publishable copy of an image that keeps its pixels and nothing else.

Threat: the file a source or editor hands over describes more than its picture. EXIF has
named the camera and its serial number, the owner, the time and the GPS position of the
photographer; thumbnails have shown the uncropped original; XMP, IPTC and comments carry
author names and editing history. Rather than delete known blocks (and miss the next one),
the scrubber decodes the pixels, builds a new image from them alone and encodes that.

Choices:
- The EXIF orientation is applied to the pixels first, so the picture still looks right.
- ICC colour profiles are dropped too: a profile can name the device or the person who
  calibrated it. Colours of images made for wide-gamut or print profiles may shift a little.
- Animated GIF, PNG and WebP files keep their first frame only: later frames are easy to
  overlook when checking what is published, and each one would need the same scrutiny.
- The output is decoded again and checked for metadata before it is returned (fail closed).
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from clarion.scrub.errors import ScrubError, UnsupportedFile
from clarion.scrub.image_metadata import describe_image_metadata, webp_chunks
from clarion.scrub.scrubbed import Scrubbed

DEFAULT_MAX_PIXELS = 50_000_000
JPEG_QUALITY = 90

_MEDIA = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
    "GIF": ("image/gif", ".gif"),
}
NOT_AN_IMAGE = "This file is not an image Clarion can read (JPEG, PNG, WebP or GIF)."
DAMAGED = "This image is damaged or incomplete, so Clarion cannot read it. Export it again, then upload it again."
NOT_CLEAN = "Clarion could not make a copy of this image without its metadata, so it was not published."
# Info keys that would carry metadata into a published copy.
_METADATA_INFO_KEYS = ("exif", "xmp", "icc_profile", "comment", "photoshop", "XML:com.adobe.xmp")


def image_format(data: bytes) -> str | None:
    """Return "JPEG", "PNG", "WEBP" or "GIF" judged by the file's first bytes, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    return None


def scrub_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Scrubbed:
    """Return a copy of a JPEG, PNG, WebP or GIF image with its pixels only, in the same format.

    Raise UnsupportedFile for other files and ScrubError for damaged images or images with
    more than `max_pixels` pixels (a small file can decode to gigabytes: a decompression bomb).
    """
    kind = image_format(data)
    if kind is None:
        raise UnsupportedFile(NOT_AN_IMAGE)
    try:
        # Only the sniffed format's parser sees the bytes, so a file cannot reach a rarer,
        # less hardened Pillow decoder by pretending to be something else.
        with Image.open(io.BytesIO(data), formats=[kind]) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise ScrubError(_too_large(width, height, max_pixels))
            removed = describe_image_metadata(image, data, kind)
            image.load()
            pixels = _wipe_transparent(_pixels_only(_upright(image), kind))
            transparency = pixels.info.get("transparency")
            clean = _fresh_copy(pixels)
        lossless = kind == "WEBP" and _is_lossless_webp(data)
        output = _encode(clean, kind, lossless=lossless, transparency=transparency)
        _refuse_unless_clean(output, kind)
    except ScrubError:
        raise
    except Image.DecompressionBombError as exc:
        raise ScrubError(_too_large(0, 0, max_pixels)) from exc
    except Exception as exc:  # Pillow raises many types on hostile input; all mean "cannot read"
        raise ScrubError(DAMAGED) from exc
    media_type, extension = _MEDIA[kind]
    return Scrubbed(output, media_type, extension, tuple(removed), clean.width, clean.height)


def _too_large(width: int, height: int, max_pixels: int) -> str:
    """Return the message for an image with too many pixels."""
    size = f" ({width} × {height} pixels)" if width and height else ""
    return (
        f"This image is too large to publish{size}: the limit is {max_pixels // 1_000_000} megapixels. "
        "Make it smaller, then upload it again."
    )


def _upright(image: Image.Image) -> Image.Image:
    """Return the image turned the way its EXIF orientation says it should be shown."""
    try:
        upright = ImageOps.exif_transpose(image)
    except Exception:  # unreadable orientation: keep the pixels as stored rather than refuse
        return image.copy()
    return upright if upright is not None else image.copy()


def _pixels_only(image: Image.Image, kind: str) -> Image.Image:
    """Return the image in a mode the output format stores without surprises."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if kind == "JPEG":
        if image.mode in ("L", "RGB"):
            return image
        return image.convert("L" if image.mode in ("1", "I;16", "I", "F") else "RGB")
    if kind == "GIF":
        # Keep the palette and transparent index: re-quantising would change the colours.
        return image if image.mode in ("P", "L") else image.convert("RGBA").convert("P")
    if kind == "PNG" and image.mode in ("1", "L", "LA", "RGB", "I;16", "I") and "transparency" not in image.info:
        return image
    if image.mode in ("RGB", "RGBA") and not (image.mode == "RGB" and has_alpha):
        return image
    return image.convert("RGBA" if has_alpha else "RGB")


def _wipe_transparent(image: Image.Image) -> Image.Image:
    """Return the image with the colour of fully transparent pixels set to black."""
    # An "eraser" that only sets alpha to 0 leaves the erased picture in the colour channels,
    # where anyone can restore it by dropping the alpha channel.
    if image.mode not in ("RGBA", "LA"):
        return image
    transparent = image.getchannel("A").point([255] + [0] * 255)
    wiped = image.copy()
    wiped.paste(Image.new(image.mode, image.size, 0), mask=transparent)
    return wiped


def _fresh_copy(image: Image.Image) -> Image.Image:
    """Return a new image built from the pixel values (and palette) alone, with empty info."""
    # A new image shares nothing with the decoded file: no info dict, no EXIF object, no
    # text chunks that an encoder could write back out by default.
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    if image.mode == "P":
        clean.putpalette(image.getpalette() or [])
    return clean


def _encode(image: Image.Image, kind: str, *, lossless: bool, transparency: object) -> bytes:
    """Return the image encoded in its original format with no metadata options."""
    buffer = io.BytesIO()
    if kind == "JPEG":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    elif kind == "PNG":
        image.save(buffer, "PNG")
    elif kind == "WEBP":
        image.save(buffer, "WEBP", quality=JPEG_QUALITY, lossless=lossless)
    elif isinstance(transparency, int):
        image.save(buffer, "GIF", transparency=transparency)
    else:
        image.save(buffer, "GIF")
    return buffer.getvalue()


def _is_lossless_webp(data: bytes) -> bool:
    """Return whether a WebP file stores its picture losslessly, so the copy can too."""
    return any(fourcc == b"VP8L" for fourcc, _ in webp_chunks(data))


def _refuse_unless_clean(output: bytes, kind: str) -> None:
    """Raise ScrubError if the encoded copy still carries any metadata block."""
    with Image.open(io.BytesIO(output), formats=[kind]) as check:
        leftovers = [key for key in _METADATA_INFO_KEYS if check.info.get(key)]
        if check.getexif() or getattr(check, "text", None) or leftovers:
            raise ScrubError(NOT_CLEAN)
