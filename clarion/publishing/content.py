"""What one revision of a post says: every field a reader sees, as one document.

Title, summary, body, letter fields and correction; the byline (the organisation or a named
editor, with free text); category, tags, pinning and whether the corroboration count is shown;
and the media it carries with their captions. All of it is approved together, so one editor
cannot change any of it on a public post alone (the security review's H1 and M1). It is
serialised to JSON and sealed (clarion/publishing/sealing.py); only a published revision's
copy is ever readable at rest.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

# What the redaction check reads: words a reader sees. Signatories sign by name on purpose.
REDACTABLE_FIELDS = ("title", "summary", "addressed_to", "body", "correction", "byline_name")
# Clarion's own media addresses are not identifying digits (newcomer trial: a false flag).
OWN_MEDIA_PATH = re.compile(r"/media/[0-9a-f]{24}\.(?:jpg|png|webp|gif|pdf)")


@dataclass(frozen=True)
class MediaUse:
    """A file a revision carries, with the caption readers see."""

    media_id: int
    title: str
    alt_text: str = ""


@dataclass(frozen=True)
class RevisionContent:
    title: str
    summary: str = ""
    body: str = ""
    addressed_to: str = ""
    signatories: str = ""
    correction: str = ""
    byline_editor_id: int | None = None  # None: signed by the organisation
    byline_name: str = ""
    category_id: int | None = None
    tag_ids: tuple[int, ...] = ()
    pinned: bool = False
    show_corroboration: bool = False
    media: tuple[MediaUse, ...] = field(default=())

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> RevisionContent:
        raw: dict[str, Any] = json.loads(data)
        media = tuple(MediaUse(**item) for item in raw.pop("media", ()))
        tag_ids = tuple(raw.pop("tag_ids", ()))
        known = {name: value for name, value in raw.items() if name in cls.__dataclass_fields__}
        return cls(**known, media=media, tag_ids=tag_ids)

    def with_changes(self, **changes: Any) -> RevisionContent:
        return replace(self, **changes)

    def checked_text(self, *, slug: str = "") -> str:
        """Return what the redaction check reads: the words, the byline, the captions and the address."""
        parts = [getattr(self, name) for name in REDACTABLE_FIELDS]
        for use in self.media:
            parts += [use.title, use.alt_text]
        if slug:
            parts.append(slug.replace("-", " "))
        text = "\n\n".join(part for part in parts if part)
        return OWN_MEDIA_PATH.sub("/media/", text)

    def redacted(self, pattern: re.Pattern[str], mask: str = "[redacted]") -> RevisionContent:
        """Return the content with every match of `pattern` replaced by `mask`, captions included."""
        fields: dict[str, Any] = {name: pattern.sub(mask, getattr(self, name)) for name in REDACTABLE_FIELDS}
        media = tuple(
            MediaUse(use.media_id, pattern.sub(mask, use.title), pattern.sub(mask, use.alt_text)) for use in self.media
        )
        return replace(self, **fields, media=media)

    @property
    def media_ids(self) -> list[int]:
        return [use.media_id for use in self.media]
