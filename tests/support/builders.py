"""Build the images and PDFs the scrubber tests feed in, and read back what exiftool sees."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pikepdf
from pikepdf import Dictionary, Name
from PIL import Image, ImageCms

SOURCE_NAME = "Jane Insider"
RED = (200, 30, 30)
BLUE = (30, 30, 200)
XMP_PACKET = (
    b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
    b"<rdf:Description xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:creator>Jane Insider</dc:creator>"
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
)


def srgb_profile() -> bytes:
    """Return an sRGB ICC profile made by littleCMS, as cameras and editors embed them."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def two_colour_image(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    """Return an image whose left half is red and right half blue, to check orientation."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image.convert(mode)


def encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    """Return the image encoded with Pillow."""
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def exiftool_write(exiftool: str, path: Path, *assignments: str) -> None:
    """Write tags into a file in place with exiftool, the way real cameras' tags look."""
    subprocess.run([exiftool, "-q", "-overwrite_original", *assignments, str(path)], check=True)


def camera_jpeg(exiftool: str, folder: Path) -> bytes:
    """Return a JPEG carrying everything a phone or camera, then an editor, writes into one."""
    photo, thumb = folder / "photo.jpg", folder / "thumb.jpg"
    photo.write_bytes(encode(two_colour_image(), "JPEG", quality=95, icc_profile=srgb_profile()))
    thumb.write_bytes(encode(two_colour_image((16, 12)), "JPEG"))
    exiftool_write(
        exiftool,
        photo,
        "-Make=Canon",
        "-Model=EOS 5D",
        "-Software=Adobe Photoshop 25.0",
        f"-Artist={SOURCE_NAME}",
        f"-Copyright={SOURCE_NAME}",
        f"-OwnerName={SOURCE_NAME}",
        "-SerialNumber=123456",
        "-DateTimeOriginal=2024:03:01 10:11:12",
        "-GPSLatitude=51.5",
        "-GPSLatitudeRef=N",
        "-GPSLongitude=0.12",
        "-GPSLongitudeRef=W",
        f"-XMP-dc:Creator={SOURCE_NAME}",
        f"-IPTC:By-line={SOURCE_NAME}",
        "-Comment=secret plant 7",
        "-Orientation#=6",  # stored sideways: "rotate 90° clockwise to show"
        f"-ThumbnailImage<={thumb}",
    )
    return photo.read_bytes()


def exiftool_tags(exiftool: str, data: bytes, folder: Path, suffix: str) -> dict[str, object]:
    """Return every tag exiftool finds in the bytes, keyed "Group:Tag" (file-system tags left out)."""
    path = folder / f"check{suffix}"
    path.write_bytes(data)
    result = subprocess.run([exiftool, "-json", "-a", "-G1", str(path)], check=True, capture_output=True)
    tags = json.loads(result.stdout)[0]
    return {key: value for key, value in tags.items() if not key.startswith(("System:", "ExifTool:", "SourceFile"))}


def pdf_document(*page_contents: bytes) -> pikepdf.Pdf:
    """Return a new PDF with one page per content stream, all using Helvetica as /F1."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    for contents in page_contents:
        pdf.add_blank_page(page_size=(612, 792))
        page = pdf.pages[-1]
        page.obj.Resources = Dictionary(Font=Dictionary(F1=font))
        page.obj.Contents = pdf.make_stream(contents)
    return pdf


def save(pdf: pikepdf.Pdf, **options: object) -> bytes:
    """Return the PDF's bytes."""
    buffer = io.BytesIO()
    pdf.save(buffer, **options)
    return buffer.getvalue()


def pdf_bytes(*page_contents: bytes) -> bytes:
    """Return a plain PDF with one page per content stream."""
    return save(pdf_document(*page_contents))


def text(words: str, x: int = 72, y: int = 700, colour: bytes = b"0 g") -> bytes:
    """Return content-stream operators that show `words` at (x, y) in Helvetica 12."""
    return b"BT %s /F1 12 Tf %d %d Td (%s) Tj ET\n" % (colour, x, y, words.encode())


def box(x: int = 70, y: int = 695, width: int = 100, height: int = 20, colour: bytes = b"0 0 0 rg") -> bytes:
    """Return content-stream operators that fill a rectangle."""
    return b"q %s %d %d %d %d re f Q\n" % (colour, x, y, width, height)


def fully_decompressed(data: bytes) -> bytes:
    """Return the PDF rewritten by qpdf with every stream decoded, for searching its text."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return save(pdf, qdf=True, stream_decode_level=pikepdf.StreamDecodeLevel.all, compress_streams=False)
