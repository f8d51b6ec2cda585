"""Test that hostile or broken files only ever produce a ScrubError, and that EXIF never survives."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from clarion.scrub import ScrubError, find_failed_redactions, scrub_file, scrub_image, scrub_pdf
from tests.support.builders import XMP_PACKET, box, encode, pdf_bytes, pdf_document, save, text, two_colour_image

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL = two_colour_image((24, 16))
VALID_IMAGES = {
    "jpeg": encode(SMALL, "JPEG", exif=Image.Exif().tobytes(), comment=b"note"),
    "png": encode(SMALL, "PNG"),
    "gif": encode(SMALL.convert("P"), "GIF", comment=b"note"),
    "webp": encode(SMALL, "WEBP", xmp=XMP_PACKET),
}
# Uncompressed, so mutations land in the syntax the parsers read rather than in zlib data.
VALID_PDF = save(pdf_document(text("Public words") + box(y=600), text("Covered") + box()), compress_streams=False)
MAGIC = [b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP", b"%PDF-1.7\n", b""]


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """Draw a copy of `original` with a few bytes changed, a slice repeated, or its end cut off."""
    data = bytearray(original)
    for _ in range(draw(st.integers(0, 6))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        start = draw(st.integers(0, len(data) - 1))
        data[start:start] = data[start : start + draw(st.integers(1, 64))]
    if draw(st.booleans()):
        del data[draw(st.integers(0, len(data))) :]
    return bytes(data)


def only_scrub_errors(scrub: Callable[[bytes], object], data: bytes) -> None:
    """Call `scrub`; let any exception other than ScrubError fail the test."""
    try:
        scrub(data)
    except ScrubError as refused:
        assert str(refused), "a refusal must tell the editor what to do"


@FUZZ
@given(prefix=st.sampled_from(MAGIC), rest=st.binary(max_size=1024))
def test_arbitrary_bytes_only_ever_raise_scrub_error(prefix: bytes, rest: bytes) -> None:
    only_scrub_errors(scrub_file, prefix + rest)


@FUZZ
@given(data=st.sampled_from(sorted(VALID_IMAGES.values())).flatmap(mutated))
def test_mutated_images_only_ever_raise_scrub_error(data: bytes) -> None:
    only_scrub_errors(scrub_image, data)
    only_scrub_errors(scrub_file, data)


@FUZZ
@given(data=mutated(VALID_PDF))
def test_mutated_pdfs_only_ever_raise_scrub_error(data: bytes) -> None:
    only_scrub_errors(scrub_pdf, data)
    only_scrub_errors(find_failed_redactions, data)


EXIF_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=20)
EXIF_TAGS = st.fixed_dictionaries(
    {},
    optional={
        0x010F: EXIF_TEXT,  # Make
        0x0110: EXIF_TEXT,  # Model
        0x0131: EXIF_TEXT,  # Software
        0x013B: EXIF_TEXT,  # Artist
        0x8298: EXIF_TEXT,  # Copyright
        0x010E: EXIF_TEXT,  # ImageDescription
        0x0132: st.just("2024:03:01 10:11:12"),  # DateTime
        0x0112: st.integers(1, 8),  # Orientation
    },
)


@FUZZ
@example(image_format="JPEG", size=(1, 1), colour=(0, 0, 0), tags={0x010F: " "}, gps=False)  # a blank Make
@given(
    image_format=st.sampled_from(["JPEG", "PNG", "WEBP"]),
    size=st.tuples(st.integers(1, 24), st.integers(1, 24)),
    colour=st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
    tags=EXIF_TAGS,
    gps=st.booleans(),
)
def test_random_images_with_random_exif_come_out_without_any(
    image_format: str, size: tuple[int, int], colour: tuple[int, int, int], tags: dict[int, object], gps: bool
) -> None:
    exif = Image.Exif()
    for tag, value in tags.items():
        exif[tag] = value
    if gps:
        exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 12.0)}
    original = encode(Image.new("RGB", size, colour), image_format, exif=exif.tobytes())

    result = scrub_image(original)

    with Image.open(io.BytesIO(result.data)) as clean:
        assert not clean.getexif()
        assert not {"exif", "icc_profile", "comment", "xmp"} & set(clean.info)
        rotated = tags.get(0x0112, 1) in (5, 6, 7, 8)
        assert clean.size == (size[::-1] if rotated else size) == (result.width, result.height)
    assert bool(result.removed) == bool(tags or gps)


def test_scrub_package_imports_no_django() -> None:
    # The security core must stay reviewable and fuzzable without the web framework.
    check = "import sys, clarion.scrub; assert not any(m.startswith('django') for m in sys.modules)"
    root = Path(__file__).resolve().parents[2]

    subprocess.run([sys.executable, "-c", check], cwd=root, check=True)


def test_valid_fixtures_scrub_cleanly() -> None:
    # Without this, the fuzz tests could pass by refusing everything.
    for data in VALID_IMAGES.values():
        assert scrub_image(data).data
    assert find_failed_redactions(VALID_PDF)
    assert scrub_pdf(pdf_bytes(text("Public words"))).data
