"""Describe a scrubbed copy: the clean bytes and what was taken out of them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scrubbed:
    """Hold a clean copy ready to publish and the list of what was removed from the upload.

    `removed` is written for an editor ("EXIF: GPS position"). It quotes only device and
    software names and the names of embedded files; people's names, serial numbers, dates and
    positions are named as kinds but never quoted, so the list can be shown and kept without
    leaking them again.
    """

    data: bytes
    media_type: str
    extension: str
    removed: tuple[str, ...]
    width: int | None = None
    height: int | None = None
