"""The reviewer's inbox, one page at a time, by keyset: page 500 costs what page 1 costs.

An offset page (`?page=500`) makes the database walk past every row before it, so a deep
page of 100,000 tips cost in proportion to its depth. Here a page link carries a cursor: the
sort value and id of the row it continues from (`?after=`, or `?before=` going back). The
database then starts at that row through the sort's index, and fetches PAGE_SIZE + 1 rows,
never a COUNT over every tip.

The cursor is signed, so a link cannot be forged into a query; it holds only what the page it
came from showed its reader (a time, a reference, a status's position or an assignee's name,
and a tip id). A damaged or stale cursor shows the first page with a word about why, never an
error.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.db.models import F, Q
from django.db.models.expressions import OrderBy
from django.utils.translation import gettext_lazy as _

from clarion.casework.models import CaseFile, CaseFileQuerySet

PAGE_SIZE = 50
DEFAULT_SORT = "received"
CURSOR_SALT = "clarion.casework.inbox.cursor"
STALE_CURSOR = _("That page link is out of date or damaged, so the inbox starts again from the first page.")


def _same(value: Any) -> Any:
    return value


def _to_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


@dataclass(frozen=True)
class SortKey:
    """One way to sort the inbox: a column, its direction and, if it may be empty, empties last.

    Ties are broken by the case's id, ascending, so that every row has one place in the order.
    """

    field: str
    descending: bool = False
    nullable: bool = False  # empty values sort last
    parse: Callable[[Any], Any] = dataclasses.field(default=_same, compare=False)

    def value_of(self, case: CaseFile) -> Any:
        value: Any = case
        for part in self.field.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    def order(self, *, forward: bool) -> tuple[OrderBy, str]:
        """Return the ORDER BY of this sort, or its exact reverse (to page backwards)."""
        column = F(self.field)
        descending = self.descending == forward
        if descending:
            ordered = column.desc(nulls_first=True) if self.nullable else column.desc()
        else:
            ordered = column.asc(nulls_last=True) if self.nullable else column.asc()
        return ordered, "pk" if forward else "-pk"

    def after(self, value: Any, pk: uuid.UUID) -> Q:
        """Return the rows that come after (value, pk) in this order."""
        name = self.field
        if value is None:  # only empties, which come last, follow an empty value
            return Q(**{f"{name}__isnull": True, "pk__gt": pk})
        beyond = "lt" if self.descending else "gt"
        reach = "lte" if self.descending else "gte"
        later = Q(**{f"{name}__{beyond}": value}) | Q(**{name: value, "pk__gt": pk})
        if self.nullable:
            return later | Q(**{f"{name}__isnull": True})
        # The first condition repeats what the second implies, as a range the index can seek to.
        return Q(**{f"{name}__{reach}": value}) & later

    def before(self, value: Any, pk: uuid.UUID) -> Q:
        """Return the rows that come before (value, pk) in this order."""
        name = self.field
        if value is None:
            return Q(**{f"{name}__isnull": False}) | Q(**{f"{name}__isnull": True, "pk__lt": pk})
        beyond = "gt" if self.descending else "lt"
        reach = "gte" if self.descending else "lte"
        earlier = Q(**{f"{name}__{beyond}": value}) | Q(**{name: value, "pk__lt": pk})
        return Q(**{f"{name}__{reach}": value}) & earlier


#: The inbox's sorts by the form's names (InboxFilterForm.sort).
SORTS = {
    "received": SortKey("received_at", descending=True, parse=_to_time),
    "-received": SortKey("received_at", parse=_to_time),
    "activity": SortKey("tip__last_activity_at", descending=True, parse=_to_time),
    "-activity": SortKey("tip__last_activity_at", parse=_to_time),
    "reference": SortKey("reference"),
    "status": SortKey("status__position"),
    "assignee": SortKey("assignee__username", nullable=True),
    "deadline": SortKey("due_at", nullable=True, parse=_to_time),
}


class StaleCursor(Exception):
    """A cursor that is not one this site made for this sort."""


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (or before) one row of a sort; `start` numbers its first row."""

    sort: str
    value: Any
    pk: uuid.UUID
    start: int

    def dumps(self) -> str:
        value = self.value.isoformat() if isinstance(self.value, datetime) else self.value
        return signing.dumps([self.sort, value, self.pk.hex, self.start], salt=CURSOR_SALT, compress=True)

    @classmethod
    def loads(cls, text: str, *, sort: str) -> Cursor:
        try:
            cursor_sort, value, pk, start = signing.loads(text, salt=CURSOR_SALT)
            if cursor_sort != sort:
                raise StaleCursor
            key = SORTS[sort]
            return cls(sort=sort, value=None if value is None else key.parse(value), pk=uuid.UUID(pk), start=int(start))
        except (signing.BadSignature, ValueError, TypeError, KeyError) as error:
            raise StaleCursor from error


@dataclass
class InboxPage:
    """One page of the inbox: its rows, where it starts, and the cursors to the pages beside it."""

    rows: list[CaseFile]
    sort: str
    start: int
    has_next: bool
    has_previous: bool
    problem: str = ""

    @classmethod
    def of(
        cls, cases: CaseFileQuerySet, *, sort: str, after: str | None = None, before: str | None = None
    ) -> InboxPage:
        """Return the page of `cases` in `sort` order that follows `after` (or precedes `before`)."""
        key = SORTS[sort]
        try:
            if after:
                return cls._forward(cases, key, sort, Cursor.loads(after, sort=sort))
            if before:
                return cls._backward(cases, key, sort, Cursor.loads(before, sort=sort))
        except StaleCursor:
            page = cls._forward(cases, key, sort, None)
            page.problem = str(STALE_CURSOR)
            return page
        return cls._forward(cases, key, sort, None)

    @classmethod
    def _forward(cls, cases: CaseFileQuerySet, key: SortKey, sort: str, cursor: Cursor | None) -> InboxPage:
        if cursor is not None:
            cases = cases.filter(key.after(cursor.value, cursor.pk))
        rows = list(cases.order_by(*key.order(forward=True))[: PAGE_SIZE + 1])
        start = cursor.start if cursor else 1
        return cls(
            rows=rows[:PAGE_SIZE], sort=sort, start=start, has_next=len(rows) > PAGE_SIZE, has_previous=start > 1
        )

    @classmethod
    def _backward(cls, cases: CaseFileQuerySet, key: SortKey, sort: str, cursor: Cursor) -> InboxPage:
        cases = cases.filter(key.before(cursor.value, cursor.pk))
        rows = list(cases.order_by(*key.order(forward=False))[: PAGE_SIZE + 1])
        has_previous = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        # Tips removed meanwhile shift the count: the first page is always numbered from 1.
        start = max(cursor.start, 1) if has_previous else 1
        return cls(rows=rows, sort=sort, start=start, has_next=True, has_previous=has_previous)

    def __iter__(self) -> Iterator[CaseFile]:
        return iter(self.rows)

    @property
    def start_index(self) -> int:
        return self.start if self.rows else 0

    @property
    def end_index(self) -> int:
        return self.start + len(self.rows) - 1

    @property
    def number(self) -> int:
        return (self.start - 1) // PAGE_SIZE + 1

    @property
    def after(self) -> str:
        """Return the cursor of the next page (empty if there is none)."""
        if not (self.has_next and self.rows):
            return ""
        last = self.rows[-1]
        key = SORTS[self.sort]
        return Cursor(self.sort, key.value_of(last), last.pk, self.start + len(self.rows)).dumps()

    @property
    def before(self) -> str:
        """Return the cursor of the previous page (empty if there is none)."""
        if not (self.has_previous and self.rows):
            return ""
        first = self.rows[0]
        key = SORTS[self.sort]
        return Cursor(self.sort, key.value_of(first), first.pk, max(self.start - PAGE_SIZE, 1)).dumps()
