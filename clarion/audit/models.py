"""One row per thing a person (or the system) did, each row chained to the one before it."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any, NoReturn, TypeAlias

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DETAIL_MAX = 300
SUBJECT_ID_MAX = 64  # a UUID is 36


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit entry."""


class SubjectType(models.TextChoices):
    """What an entry is about. The id beside it is a string: a tip's UUID, a post's number..."""

    TIP = "tip", _("tip")  # a tip and its case file (they share the tip's id)
    POST = "post", _("post")
    PERSON = "person", _("person")  # a staff account
    GROUP = "group", _("group")
    CHANNEL = "channel", _("channel")
    ORGANISATION = "organisation", _("organisation")
    SETTINGS = "settings", _("settings")  # named by the app whose settings they are, e.g. "publishing"


# A model instance (its type comes from its model), an explicit (type, id) such as
# (SubjectType.SETTINGS, "publishing"), or None for an entry about nothing in particular.
Subject: TypeAlias = models.Model | tuple[str, str | int | uuid.UUID] | None

# Models whose subject type is not their model name. A case file shares its tip's id, so a
# tip's whole history is found under one subject.
_TYPE_OF_MODEL = {"casefile": SubjectType.TIP}


def subject_key(subject: Subject) -> tuple[str, str]:
    """Return (subject_type, subject_id) as stored; ("", "") for None.

    Raise ValueError for a model or type the log has no subject type for, and for an unsaved
    instance: a new kind of subject is added to SubjectType on purpose, not by accident.
    """
    if subject is None:
        return "", ""
    if isinstance(subject, tuple):
        kind, pk = subject
    else:
        meta = subject._meta
        name = meta.model_name or ""
        kind = SubjectType.PERSON if meta.label == settings.AUTH_USER_MODEL else _TYPE_OF_MODEL.get(name, name)
        pk = subject.pk
        if pk is None:
            raise ValueError(f"An unsaved {meta.label} cannot be an audit subject.")
    if kind not in SubjectType.values:
        raise ValueError(f"No audit subject type {kind!r}: add it to SubjectType first.")
    subject_id = str(pk)
    if not subject_id or len(subject_id) > SUBJECT_ID_MAX:
        raise ValueError(f"An audit subject id has 1 to {SUBJECT_ID_MAX} characters, not {subject_id!r}.")
    return str(kind), subject_id


class HashFormat(models.IntegerChoices):
    """Which fields a row's hash covers. A row is always checked in the format it was written in.

    Rows written before the log had a subject (format 1) named at most one tip, under the key
    `tip_id`; they keep their hashes, so the move to subjects needed no rehashing and an old
    row edited since still breaks the chain.
    """

    TIP_ID = 1, _("tip id (before subjects)")
    SUBJECT = 2, _("subject type and id")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def about(self, subject: Subject) -> AuditEntryQuerySet:
        """Return the entries about `subject` (a tip, a post, a person...)."""
        subject_type, subject_id = subject_key(subject)
        return self.filter(subject_type=subject_type, subject_id=subject_id)

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The audit log is append-only.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("The audit log is append-only.")


class AuditEntry(models.Model):
    """One thing a person did: who, what, to which subject, when. Never content, never an address.

    Each row carries the SHA-256 of the previous row's hash and its own canonical fields, so
    an edit or a deletion made directly in the database breaks the chain from that row on
    (`python -m clarion audit verify`). Subjects and users are plain values, not foreign keys,
    so that destroying a tip or a user never rewrites the log.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.PositiveBigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40)
    subject_type = models.CharField(max_length=20, blank=True, choices=SubjectType.choices)
    subject_id = models.CharField(max_length=SUBJECT_ID_MAX, blank=True)
    detail = models.CharField(max_length=DETAIL_MAX, blank=True, help_text=_("Workflow metadata only, never content."))
    format = models.PositiveSmallIntegerField(choices=HashFormat.choices, default=HashFormat.SUBJECT)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="audit_subject")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The audit log is append-only.")

    def canonical(self) -> bytes:
        """Return the fields the hash covers, in a fixed encoding: the row's own format's.

        Raise ValueError for a format this code does not know.
        """
        fields: dict[str, Any] = {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "detail": self.detail,
        }
        if self.format == HashFormat.TIP_ID:
            fields["tip_id"] = self.subject_id if self.subject_type == SubjectType.TIP else None
            if (self.subject_type, self.subject_id) != ("", "") and not (
                self.subject_type == SubjectType.TIP and self.subject_id
            ):
                # A subject the old format could not name: an edit made since, so let it break
                # the hash rather than vanish from it.
                fields["subject"] = [self.subject_type, self.subject_id]
        elif self.format == HashFormat.SUBJECT:
            fields.update(format=self.format, subject_type=self.subject_type, subject_id=self.subject_id)
        else:
            raise ValueError(f"Unknown audit hash format {self.format!r}.")
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.prev_hash.encode() + b"\n" + self.canonical()).hexdigest()
