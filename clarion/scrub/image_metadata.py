"""Name the metadata an uploaded image carries, so the editor sees what publishing removes.

Nothing here decides what is removed: the scrubber keeps pixels only, whatever this finds.
This module explains the removal; when it cannot read a block it still names the block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from PIL import ExifTags, Image

# EXIF tag numbers (IFD0 unless marked), grouped by what each reveals about a source.
_CAMERA = (0x010F, 0x0110)  # Make, Model: the device, often a rare or personal one
_LENS = (0xA433, 0xA434)  # LensMake, LensModel (Exif IFD)
_SOFTWARE = (0x0131, 0x000B)  # Software, ProcessingSoftware: the workplace's tool chain
_DATES = (0x0132,)  # DateTime
_EXIF_DATES = (0x9003, 0x9004, 0x9010, 0x9011, 0x9012)  # taken, digitised, time-zone offsets
_PEOPLE = (0x013B, 0x8298, 0x9C9D)  # Artist, Copyright, XPAuthor: names photographers outright
_EXIF_PEOPLE = (0xA430,)  # CameraOwnerName
_SERIALS = (0xC62F,)  # CameraSerialNumber: ties the picture to one registered device
_EXIF_SERIALS = (0xA431, 0xA435, 0xA420)  # BodySerialNumber, LensSerialNumber, ImageUniqueID
_TEXT = (0x010E, 0x9C9B, 0x9C9C, 0x9C9E, 0x9C9F)  # ImageDescription, XPTitle/Comment/Keywords/Subject
_EXIF_TEXT = (0x9286,)  # UserComment
_MAKER_NOTE = 0x927C  # manufacturer blob: serial numbers, owner names, shutter counts
_POINTERS = (0x8769, 0x8825, 0xA005)  # Exif, GPS and Interop IFD offsets, not data
_XP_TAGS = range(0x9C9B, 0x9CA0)  # Windows "XP" tags are UTF-16LE byte strings

# PNG chunks that only describe how to show the pixels.
_PLAIN_PNG_CHUNKS = frozenset(
    b"IHDR PLTE IDAT IEND tRNS gAMA cHRM sRGB sBIT bKGD hIST pHYs sPLT acTL fcTL fdAT cICP mDCv cLLi".split()
)
_PNG_TEXT_CHUNKS = frozenset((b"tEXt", b"zTXt", b"iTXt"))
# An EXIF block this short holds no tags worth naming (an empty IFD is 14 bytes with its header).
_EMPTY_EXIF = 32
_WEBP_KNOWN_CHUNKS = frozenset((b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP", b"EXIF", b"XMP "))
# JPEG segments that hold no metadata of their own, or whose metadata is named elsewhere.
_PLAIN_JPEG_SEGMENTS = frozenset(("APP0", "APP1", "APP2", "APP13", "APP14", "COM"))


def describe_image_metadata(image: Image.Image, data: bytes, kind: str) -> list[str]:
    """Return, in plain words, the metadata found in an opened image of the given kind."""
    found: list[str] = []
    try:
        found += describe_exif(image.getexif())
    except Exception:  # a malformed EXIF block is still removed; say so instead of failing
        found.append("EXIF metadata (damaged)")
    info = image.info
    if kind == "JPEG":
        found += _describe_jpeg(image, info)
    elif kind == "PNG":
        found += _describe_png(data, has_exif=bool(found))
    elif kind == "WEBP":
        found += _describe_webp(data)
    if info.get("xmp"):
        found.append("XMP metadata")
    if kind == "GIF" and info.get("comment"):
        found.append("GIF comment")
    if info.get("icc_profile"):
        found.append("ICC colour profile")
    if getattr(image, "is_animated", False) and image.format != "MPO":  # MPO frames are named above
        found.append("Animation frames after the first")
    return list(dict.fromkeys(found))


def describe_exif(exif: Image.Exif) -> list[str]:
    """Return the notable groups of EXIF tags present, quoting only device and software names."""
    if not exif:
        return []
    ifd0: Mapping[int, object] = dict(exif)
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    found: list[str] = []
    if camera := _values(ifd0, _CAMERA):
        found.append(f"EXIF: camera make and model ({', '.join(camera)})")
    if lens := _values(sub, _LENS):
        found.append(f"EXIF: lens make and model ({', '.join(lens)})")
    if software := _values(ifd0, _SOFTWARE):
        found.append(f"EXIF: software ({', '.join(software)})")
    if _values(ifd0, _DATES) or _values(sub, _EXIF_DATES):
        found.append("EXIF: date and time taken")
    if _values(ifd0, _PEOPLE) or _values(sub, _EXIF_PEOPLE):
        found.append("EXIF: owner, artist or copyright names")
    if _values(ifd0, _SERIALS) or _values(sub, _EXIF_SERIALS):
        found.append("EXIF: serial numbers")
    if _values(ifd0, _TEXT) or _values(sub, _EXIF_TEXT):
        found.append("EXIF: description or comments")
    if sub.get(_MAKER_NOTE):
        found.append("EXIF: maker notes (manufacturer data, which can include serial numbers)")
    # GPS in EXIF has located photographers, and with them the source, to a few metres.
    if exif.get_ifd(ExifTags.IFD.GPSInfo):
        found.append("EXIF: GPS position")
    # The thumbnail is made before cropping or blurring and can show what the editor cut out.
    if exif.get_ifd(ExifTags.IFD.IFD1):
        found.append("EXIF: thumbnail image")
    named = {*_CAMERA, *_SOFTWARE, *_DATES, *_PEOPLE, *_SERIALS, *_TEXT, *_POINTERS}
    sub_named = {*_LENS, *_EXIF_DATES, *_EXIF_PEOPLE, *_EXIF_SERIALS, *_EXIF_TEXT, _MAKER_NOTE}
    others = len(set(ifd0) - named) + len(set(sub) - sub_named)
    if others:
        found.append(f"EXIF: {others} other camera and image tags")
    if not found:  # only named tags, all blank: the block is still removed, so say so
        found.append("EXIF: tags with blank values")
    return found


def _values(tags: Mapping[int, object], wanted: Iterable[int]) -> list[str]:
    """Return the non-empty values of `wanted` tags as short printable strings."""
    values = []
    for tag in wanted:
        text = _printable(tags.get(tag), utf16=tag in _XP_TAGS)
        if text and text not in values:
            values.append(text)
    return values


def _printable(value: object, *, utf16: bool = False, limit: int = 60) -> str:
    """Return a value as one short line of printable text ("" when there is nothing to show)."""
    if value is None:
        return ""
    if isinstance(value, tuple) and all(isinstance(item, int) for item in value):
        value = bytes(item & 0xFF for item in value)
    if isinstance(value, bytes):
        value = value.decode("utf-16-le" if utf16 else "utf-8", errors="replace")
    text = re.sub(r"[\x00-\x1f\x7f\s]+", " ", str(value)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe_jpeg(image: Image.Image, info: Mapping[str | tuple[int, int], object]) -> list[str]:
    """Return the JPEG segments that carry metadata: IPTC, comments, extra images, others."""
    found: list[str] = []
    segments: list[tuple[str, bytes]] = getattr(image, "applist", [])
    photoshop = info.get("photoshop")
    if isinstance(photoshop, dict) and 0x0404 in photoshop:
        found.append("IPTC metadata")
    elif photoshop or any(marker == "APP13" for marker, _ in segments):
        found.append("Photoshop metadata")
    if info.get("comment") or any(marker == "COM" for marker, _ in segments):
        found.append("JPEG comment")
    for marker, payload in segments:
        if marker == "APP1" and payload.startswith(b"http://ns.adobe.com/xmp/extension/"):
            found.append("XMP metadata")
        elif marker == "APP2" and payload.startswith(b"MPF\x00"):
            # Phones store a second, larger or uncropped picture this way.
            found.append("Extra images inside the JPEG (multi-picture format)")
    others = sorted({marker for marker, _ in segments} - _PLAIN_JPEG_SEGMENTS)
    if others:
        found.append(f"Other JPEG application data ({', '.join(others)})")
    return found


def _describe_png(data: bytes, *, has_exif: bool) -> list[str]:
    """Return the PNG chunks that carry metadata: text fields, times, private chunks."""
    found: list[str] = []
    text_keys: list[str] = []
    private: list[str] = []
    for chunk_type, head, length in _png_chunks(data):
        if chunk_type in _PNG_TEXT_CHUNKS:
            key = _printable(head.split(b"\x00", 1)[0], limit=40)
            lowered = key.lower()
            if lowered == "xml:com.adobe.xmp" or lowered == "raw profile type xmp":
                found.append("XMP metadata")
            elif lowered == "raw profile type iptc":
                found.append("IPTC metadata")
            elif lowered in ("raw profile type exif", "raw profile type app1"):
                found.append("" if has_exif or length < _EMPTY_EXIF else "EXIF metadata")
            elif lowered in ("raw profile type icc", "raw profile type icm"):
                found.append("ICC colour profile")
            elif key not in text_keys:
                text_keys.append(key)
        elif chunk_type == b"tIME":
            found.append("PNG modification time")
        elif chunk_type == b"eXIf":
            found.append("" if has_exif or length < _EMPTY_EXIF else "EXIF metadata")
        elif chunk_type not in _PLAIN_PNG_CHUNKS and chunk_type != b"iCCP":
            private.append(_printable(chunk_type, limit=4))
    if text_keys:
        found.append(f"PNG text: {', '.join(text_keys[:10])}" + (" and more" if len(text_keys) > 10 else ""))
    if private:
        found.append(f"PNG private chunks ({', '.join(dict.fromkeys(private))})")
    return [item for item in found if item]


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, bytes, int]]:
    """Yield each PNG chunk's type, the first bytes of its data (enough for a keyword), its length."""
    position = 8
    while position + 8 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        chunk_type = data[position + 4 : position + 8]
        yield chunk_type, data[position + 8 : position + 8 + min(length, 80)], length
        if chunk_type == b"IEND":
            return
        position += 12 + length


def _describe_webp(data: bytes) -> list[str]:
    """Return the WebP chunks Clarion does not know, which can only be private data."""
    private = [_printable(fourcc, limit=4) for fourcc, _ in webp_chunks(data) if fourcc not in _WEBP_KNOWN_CHUNKS]
    return [f"WebP private chunks ({', '.join(dict.fromkeys(private))})"] if private else []


def webp_chunks(data: bytes) -> Iterator[tuple[bytes, int]]:
    """Yield each top-level WebP chunk's four-character code and its size."""
    position = 12
    while position + 8 <= len(data):
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        yield data[position : position + 4], size
        position += 8 + size + (size & 1)
