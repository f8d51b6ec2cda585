"""Flag what in a draft could identify the source of a tip, so an editor can decide on each.

Before a post built from tips may be approved, every flag must be resolved by a person:
redacted, or kept with a reason. The threat is the source's own employer reading the post and
recognising them from a detail only they knew or wrote: a badge number, a phone number, the
exact time of a shift, a colleague's name, or a sentence lifted word for word from the tip.

Why rules and lists, not a language model:

- nothing may be fetched at run time (the server may have no outbound network, and a tip line
  must not send drafts to a third party), so there is no model to download or call;
- rules are reviewable and predictable: an editor, an auditor or a source's lawyer can read
  below exactly what is flagged and what is not, and the same draft always gets the same flags.

The check assists the editor; it does not prove anonymity. It cannot know that "the only
night-shift nurse on ward 7" identifies one person. Known gaps are listed in `check_text`'s
docstring.

This module imports nothing from Django: it takes text and lists, returns flags, and can be
reviewed, fuzzed and benchmarked on its own. Every pattern is anchored with a look-behind so a
match can only start at a token boundary; that keeps the scan linear on hostile input (the text
comes from a tip, and a tip may be written to stall the editor's server).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class FlagKind(StrEnum):
    """Say which rule raised a flag."""

    EMAIL = "email"
    PHONE = "phone"
    DIGITS = "digits"
    URL = "url"
    DATETIME = "datetime"
    DENY_LIST = "deny-list"
    SOURCE_WORDS = "source-words"


LABELS: dict[FlagKind, str] = {
    FlagKind.EMAIL: "An e-mail address",
    FlagKind.PHONE: "A phone number",
    FlagKind.DIGITS: "A long run of digits (badge, case or employee number?)",
    FlagKind.URL: "A web address",
    FlagKind.DATETIME: "A date with a time",
    FlagKind.DENY_LIST: "A name or place on the organisation's deny-list",
    FlagKind.SOURCE_WORDS: "Words that also appear verbatim in the source's own answers",
}


@dataclass(frozen=True)
class Flag:
    """One passage of a draft that an editor must redact or keep with a reason."""

    kind: FlagKind
    text: str  # the matched text exactly as in the draft
    start: int  # offsets into the checked text: text[start:end] == self.text
    end: int

    @property
    def key(self) -> str:
        """Return a stable identity, so a resolution survives saves and covers repeated text.

        The offsets are left out on purpose: inserting a paragraph above must not reopen a
        decision, and the same phone number written twice needs one decision, not two.
        """
        return f"{self.kind}:{' '.join(self.text.casefold().split())}"

    @property
    def label(self) -> str:
        """Return a short explanation of the flag for the editor."""
        return LABELS[self.kind]


# --- Shared building blocks ------------------------------------------------------------------


def _combining_mark_class() -> str:
    """Return a character-class body of the combining marks of the Basic Multilingual Plane.

    `re`'s `\\w` does not match combining marks, so "Zoe" + U+0308 (a decomposed "Zoë") would
    otherwise end a word in the middle. Computed once at import (a few milliseconds).
    """
    ranges: list[tuple[int, int]] = []
    for cp in range(0x300, 0x10000):
        if unicodedata.category(chr(cp)).startswith("M"):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "".join(f"\\u{a:04x}-\\u{b:04x}" if a != b else f"\\u{a:04x}" for a, b in ranges)


_MARKS = _combining_mark_class()
_WORD_CHAR = rf"[\w{_MARKS}]"
# A word of the draft: letters, digits and marks, with internal apostrophes ("don't", "O’Neill").
_WORD = re.compile(rf"{_WORD_CHAR}+(?:['’‘`´]{_WORD_CHAR}+)*")
_NOT_ALNUM = re.compile(r"[\W_]+")


# --- E-mail addresses -------------------------------------------------------------------------

_LOCAL = r"(?<![\w.+%-])[\w.+%-]+"
_TLD = r"[^\W\d_]{2,}(?![\w-])"
_EMAIL_PLAIN = re.compile(rf"{_LOCAL}@(?:[\w-]+\.)+{_TLD}")
_AT_BRACKETED = r"\s*[\[(<{]\s*at\s*[\])>}]\s*"
_DOT_SPELLED = r"(?:\s*[\[(<{]\s*dot\s*[\])>}]\s*|\s+dot\s+)"
# "jane [at] example.org", "jane (at) example [dot] org": a bracketed "at" is never prose.
_EMAIL_BRACKETED = re.compile(rf"{_LOCAL}{_AT_BRACKETED}(?:[\w-]+(?:{_DOT_SPELLED}|\.))+{_TLD}", re.IGNORECASE)
# "jane at example dot org", "jane@example dot org": a bare " at " needs a spelled-out dot,
# because "works at example.org" is ordinary prose (example.org is still flagged as a URL).
_EMAIL_SPELLED = re.compile(rf"{_LOCAL}(?:\s+at\s+|@)(?:[\w-]+{_DOT_SPELLED})+{_TLD}", re.IGNORECASE)


def _email_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for rx in (_EMAIL_PLAIN, _EMAIL_BRACKETED, _EMAIL_SPELLED) for m in rx.finditer(text)]


# --- Web addresses ------------------------------------------------------------------------------

# Common TLDs only, for bare domains: ccTLDs that are also English words ("at", "in", "is",
# "it", "me", "no", "to", "us", "so") would turn a missing space after a full stop into a flag.
_COMMON_TLDS = (
    "com|org|net|edu|gov|mil|int|info|biz|io|co|uk|de|fr|nl|eu|ch|es|se|dk|fi|pl|ie|nz|au|ca|"
    "jp|ru|br|app|dev|ai|news|online|site|tech|xyz|ly|org\\.uk|co\\.uk|ac\\.uk|gov\\.uk"
)
_PATH = r"(?:[/?#][^\s<>\"]*)?"
_URL_SCHEME = re.compile(r"(?<![\w])(?:https?|ftp)://[^\s<>\"]+", re.IGNORECASE)
_URL_WWW = re.compile(rf"(?<![\w.@/-])www\.[\w-]+(?:\.[\w-]+)+{_PATH}", re.IGNORECASE)
_URL_BARE = re.compile(rf"(?<![\w.@/-])(?:[\w-]+\.)+(?:{_COMMON_TLDS})(?![\w-]){_PATH}", re.IGNORECASE)
_URL_TRAILING = ".,;:!?'\"’”"


def _trim_url(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop sentence punctuation and an unbalanced closing bracket from the end of a URL."""
    while end > start:
        last = text[end - 1]
        if last in _URL_TRAILING:
            end -= 1
        elif last in ")]}" and text.count("([{"[")]}".index(last)], start, end) < text.count(last, start, end):
            end -= 1
        else:
            break
    return start, end


def _url_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for rx in (_URL_SCHEME, _URL_WWW, _URL_BARE):
        for m in rx.finditer(text):
            start, end = _trim_url(text, *m.span())
            if end > start:
                spans.append((start, end))
    return spans


# --- Phone numbers ------------------------------------------------------------------------------

_SEP = r"[ .\-]"
_PHONE = re.compile(
    r"(?<![\w.\-/+])(?:"
    # International: +44 20 7946 0958, +1-202-555-0143, 0044 20 7946 0958, +44 (0)20 7946 0958.
    # Every group after the country code needs a separator (or follows a bracket), so the
    # regex never tries the many ways of cutting one long digit run into groups.
    rf"(?:\+|00)\d{{1,3}}(?:{_SEP}?\(0\))?(?:(?:{_SEP}|(?<=\)))\(?\d{{1,5}}\)?){{1,6}}"
    r"|(?:\+|00)\d{7,15}"  # +442079460958
    rf"|\(0?\d{{2,5}}\){_SEP}?\d{{2,4}}(?:{_SEP}\d{{2,5}}){{0,3}}"  # (202) 555-0143, (020) 7946 0958
    rf"|0\d{{1,4}}(?:{_SEP}\d{{2,5}}){{1,4}}"  # 020 7946 0958, 06 12 34 56 78
    rf"|\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{4}}"  # 202-555-0143
    r")(?![\w+])(?![.\-/]\d)"
)
_NUMERIC_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2}")
_PHONE_MIN_DIGITS = 7  # fewer is a count or a room number, not a phone number


def _phone_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _PHONE.finditer(text):
        digits = sum(c.isdigit() for c in m.group())
        if digits >= _PHONE_MIN_DIGITS and not _NUMERIC_DATE.fullmatch(m.group()):
            spans.append(m.span())
    return spans


# --- Long digit runs ----------------------------------------------------------------------------

# A token of letters and digits joined by ID separators ("EMP-004521", "2023/00481", "A12345"),
# flagged when it holds five or more digits in a row. Four-digit years and "2024/25" are not.
_ID_TOKEN = re.compile(r"(?<!\w)\w+(?:[-/.#]\w+)*")
_LONG_DIGITS = re.compile(r"\d{5,}")


def _digit_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _ID_TOKEN.finditer(text) if _LONG_DIGITS.search(m.group())]


# --- Dates with times ---------------------------------------------------------------------------

_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
)
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?"
# A date is a day, not a month or a year: "12 March", "March 12, 2024", "2024-03-12",
# "12/03/2024", "Tuesday", "yesterday", "on the 3rd". Month and year alone ("in March",
# "in 2024") are too coarse to flag with a time, and "may"/"march" alone are common words.
_DATE = re.compile(
    r"(?<![\w/.\-])(?:"
    r"\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})"
    rf"|{_ORDINAL}\s+(?:of\s+)?{_MONTH}\b(?:,?\s+\d{{4}}\b)?"
    rf"|{_MONTH}\b\.?\s+{_ORDINAL}\b(?:,?\s+\d{{4}}\b)?"
    rf"|{_WEEKDAY}\b"
    r"|today\b|tonight\b|yesterday\b|tomorrow\b"
    r"|(?:on|of)\s+the\s+\d{1,2}(?:st|nd|rd|th)\b(?!\s+floor)"
    r")(?![\w/\-]|\.\d)",
    re.IGNORECASE,
)
# Capitalised weekday abbreviations only: "sat", "sun" and "wed" are also ordinary words.
_DATE_ABBREVIATED = re.compile(r"(?<![\w/.\-])(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\b")
# The date half of "2024-03-12T14:30", which the end guard of _DATE rejects.
_DATE_ISO_T = re.compile(r"(?<![\w/.\-])\d{4}-\d{1,2}-\d{1,2}(?=T\d)")
_AM_PM = r"(?:[ap]m\b|[ap]\.m\b\.?)"
_HOUR_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_TIME = re.compile(
    r"(?:(?<=\dT)|(?<![\w:.]))(?:"
    rf"(?:[01]?\d|2[0-4])[:h][0-5]\d(?::[0-5]\d)?(?:\s*{_AM_PM})?"  # 14:30, 9:15 a.m., 14h30
    rf"|(?:1[0-2]|0?[1-9])\s*{_AM_PM}"  # 9pm, 9 p.m.
    rf"|(?:1[0-2]|0?[1-9]|{_HOUR_WORD})\s+o['’]clock\b"
    r"|noon\b|midnight\b"
    r")(?![\w:])",
    re.IGNORECASE,
)
# A date and a time belong together when at most this many words lie between them and no
# sentence or paragraph ends in between: "14:30 on 12 March", "Tuesday the manager left at 9pm".
MAX_GAP_WORDS = 5
# A full stop, question or exclamation mark followed by anything but a lower-case letter ends a
# sentence ("9 p.m. on Tuesday" does not end one); so does a blank line.
_SENTENCE_END = re.compile(r"[.!?]['\"”’)\]]*\s+(?P<next>\S)?|\n[ \t]*\n")
_GAP_WORD = re.compile(r"\w+")


def _ends_sentence(between: str) -> bool:
    """Return whether a sentence or paragraph ends somewhere in the text between two pieces."""
    for m in _SENTENCE_END.finditer(between):
        following = m.group("next")
        if following is None or not following.islower():
            return True
    return False


def _datetime_spans(text: str) -> list[tuple[int, int]]:
    """Return the spans of clusters of date and time pieces that hold at least one of each."""
    pieces = sorted(
        [(m.start(), m.end(), "date") for rx in (_DATE, _DATE_ABBREVIATED, _DATE_ISO_T) for m in rx.finditer(text)]
        + [(m.start(), m.end(), "time") for m in _TIME.finditer(text)]
    )
    # Group neighbouring pieces into clusters; a cluster with both a date and a time is a flag.
    spans: list[tuple[int, int]] = []
    kinds: set[str] = set()
    cluster_start = cluster_end = -1
    for start, end, kind in pieces:
        if kinds:
            # Look one character either side of the gap: the "." of "p.m." and the next capital.
            if _ends_sentence(text[max(cluster_end - 1, 0) : start + 1]) or (
                len(_GAP_WORD.findall(text[cluster_end:start])) > MAX_GAP_WORDS
            ):
                if kinds == {"date", "time"}:
                    spans.append((cluster_start, cluster_end))
                kinds = set()
        if not kinds:
            cluster_start = cluster_end = start
        kinds.add(kind)
        cluster_end = max(cluster_end, end)
    if kinds == {"date", "time"}:
        spans.append((cluster_start, cluster_end))
    return spans


# --- Deny-list ----------------------------------------------------------------------------------


def _deny_entry_pattern(entry: str) -> str:
    """Return a regex for one entry: any whitespace run between words, composed or decomposed accents."""
    words = []
    for word in unicodedata.normalize("NFC", entry).split():
        parts = []
        for char in word:
            decomposed = unicodedata.normalize("NFD", char)
            parts.append(f"(?:{re.escape(char)}|{re.escape(decomposed)})" if decomposed != char else re.escape(char))
        words.append("".join(parts))
    return r"\s+".join(words)


def _deny_list_regex(deny_list: Iterable[str]) -> re.Pattern[str] | None:
    entries = {" ".join(unicodedata.normalize("NFC", e).casefold().split()): e for e in deny_list}
    entries.pop("", None)
    if not entries:
        return None
    # Longest first, so "Anna Smith" wins over "Anna" at the same position.
    ordered = sorted(entries.values(), key=len, reverse=True)
    alternation = "|".join(_deny_entry_pattern(e) for e in ordered)
    # The end boundary leaves "'s" outside the match: "Smith's" flags "Smith", so one decision
    # covers both forms and redaction reads "[redacted]'s".
    return re.compile(rf"(?<!{_WORD_CHAR})(?:{alternation})(?!{_WORD_CHAR})", re.IGNORECASE)


# --- Source words -------------------------------------------------------------------------------


def _normalise_word(word: str, cache: dict[str, str]) -> str:
    """Return a word compared across texts: NFKC, case-folded, without apostrophes or marks left."""
    normal = cache.get(word)
    if normal is None:
        normal = _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", word).casefold())
        cache[word] = normal
    return normal


def _words(text: str, cache: dict[str, str]) -> list[tuple[int, int, str]]:
    result = []
    for m in _WORD.finditer(text):
        normal = _normalise_word(m.group(), cache)
        if normal:
            result.append((m.start(), m.end(), normal))
    return result


def _source_word_spans(text: str, source_texts: Iterable[str], n: int) -> list[tuple[int, int]]:
    """Return the maximal runs of draft words that occur consecutively in a source.

    A run is at least n words long, or a whole source that is shorter than n words but has at
    least two (a short answer such as "Acme Lifts Ltd" quoted whole). Each source contributes
    a set of n-word tuples (shingles); each draft window is one set lookup per length, so the
    cost is linear in the total length. Overlapping or touching matched windows merge into one
    run, reported with its span in the draft's original text.
    """
    cache: dict[str, str] = {}
    draft = _words(text, cache)
    shingles: dict[int, set[tuple[str, ...]]] = {}
    for source in source_texts:
        words = [normal for _, _, normal in _words(source, cache)]
        if len(words) >= n:
            shingles.setdefault(n, set()).update(zip(*(words[i:] for i in range(n)), strict=False))
        elif len(words) >= 2:
            shingles.setdefault(len(words), set()).add(tuple(words))
    normals = [normal for _, _, normal in draft]
    windows: list[tuple[int, int]] = []  # [first word, last word + 1]
    for length, wanted in shingles.items():
        for i, window in enumerate(zip(*(normals[k:] for k in range(length)), strict=False)):
            if window in wanted:
                windows.append((i, i + length))
    runs: list[list[int]] = []
    for first, last in sorted(windows):
        if runs and first <= runs[-1][1]:
            runs[-1][1] = max(runs[-1][1], last)
        else:
            runs.append([first, last])
    return [(draft[first][0], draft[last - 1][1]) for first, last in runs]


# --- Putting it together ------------------------------------------------------------------------


_KIND_ORDER = {kind: i for i, kind in enumerate(FlagKind)}


class _Coverage:
    """Answer whether a span lies inside, or touches, the union of some spans."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        self._merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if self._merged and start <= self._merged[-1][1]:
                self._merged[-1] = (self._merged[-1][0], max(end, self._merged[-1][1]))
            else:
                self._merged.append((start, end))
        self._starts = [start for start, _ in self._merged]

    def _around(self, start: int) -> tuple[int, int] | None:
        i = bisect_right(self._starts, start) - 1
        return self._merged[i] if i >= 0 else None

    def covers(self, start: int, end: int) -> bool:
        """Return whether [start, end) lies inside one merged span."""
        around = self._around(start)
        return around is not None and end <= around[1]

    def overlaps(self, start: int, end: int) -> bool:
        """Return whether [start, end) shares at least one character with a merged span."""
        i = bisect_left(self._starts, end) - 1  # last span starting before end
        return i >= 0 and self._merged[i][1] > start


def _drop_nested(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop duplicate spans and spans inside another span of the same rule."""
    result: list[tuple[int, int]] = []
    furthest = -1
    for start, end in sorted(set(spans), key=lambda s: (s[0], -s[1])):
        if end > furthest:
            result.append((start, end))
            furthest = end
    return result


def check_text(
    text: str,
    *,
    deny_list: Iterable[str] = (),
    source_texts: Iterable[str] = (),
    min_shared_words: int = 6,
) -> list[Flag]:
    """Return the passages of a draft that could identify a source, sorted by start.

    Rules, each documented above its pattern:

    - e-mail addresses, including "name at example dot org" and "name [at] example [dot] org";
    - phone numbers with 7 to 15 digits, international or national with separators;
    - tokens with five or more digits in a row ("EMP-004521", "2023/00481"), unless inside a
      phone number, date, e-mail address or URL; a four-digit year is not flagged;
    - web addresses: with a scheme, starting "www.", or a bare domain with a common TLD;
      an e-mail address is not also flagged as a URL;
    - a day and a time of day in the same sentence, at most `MAX_GAP_WORDS` words apart;
    - deny-list entries, case-insensitive, on word boundaries, any whitespace between words;
    - runs of at least `min_shared_words` consecutive words also found in one of `source_texts`,
      and any whole source text of two words or more that is shorter than that.

    Known gaps: numbers written as words, spaced-out IDs ("QQ 12 34 56 C"), seven-digit local
    numbers without an area code, bare domains with uncommon TLDs, dates without a day
    ("March 2024 at 9pm"), and anything identifying only by what it says, not how it is written.
    """
    if isinstance(deny_list, str) or isinstance(source_texts, str):
        raise TypeError("deny_list and source_texts take a list of strings, not one string")
    if min_shared_words < 1:
        raise ValueError("min_shared_words must be at least 1")

    found: dict[FlagKind, list[tuple[int, int]]] = {
        FlagKind.EMAIL: _drop_nested(_email_spans(text)),
        FlagKind.PHONE: _drop_nested(_phone_spans(text)),
        FlagKind.DATETIME: _datetime_spans(text),
        FlagKind.SOURCE_WORDS: _source_word_spans(text, source_texts, min_shared_words),
    }
    emails = _Coverage(found[FlagKind.EMAIL])
    found[FlagKind.URL] = [s for s in _drop_nested(_url_spans(text)) if not emails.overlaps(*s)]
    covered = _Coverage(found[FlagKind.EMAIL] + found[FlagKind.PHONE] + found[FlagKind.DATETIME] + found[FlagKind.URL])
    found[FlagKind.DIGITS] = [s for s in _digit_spans(text) if not covered.covers(*s)]
    deny = _deny_list_regex(deny_list)
    found[FlagKind.DENY_LIST] = [m.span() for m in deny.finditer(text)] if deny else []

    flags = {
        (kind, start, end): Flag(kind=kind, text=text[start:end], start=start, end=end)
        for kind, spans in found.items()
        for start, end in spans
        if end > start
    }
    return sorted(flags.values(), key=lambda f: (f.start, f.end, _KIND_ORDER[f.kind]))


def parse_deny_list(raw: str) -> list[str]:
    """Return the entries of a deny-list: one per line, without blanks, comments or repeats.

    Lines starting with "#" are comments. Whitespace inside an entry is collapsed to one space;
    repeats are found case-insensitively and the first spelling is kept.
    """
    entries: list[str] = []
    seen: set[str] = set()
    for line in raw.splitlines():
        entry = " ".join(line.split())
        if not entry or entry.startswith("#"):
            continue
        folded = unicodedata.normalize("NFC", entry).casefold()
        if folded not in seen:
            seen.add(folded)
            entries.append(entry)
    return entries


def redact(text: str, flags: Iterable[Flag], *, mask: str = "[redacted]") -> str:
    """Return the text with every flagged span replaced by the mask.

    Overlapping or touching spans are merged first, so each becomes one mask; the spans are
    cut from the original offsets, so earlier replacements cannot shift later ones. A flag whose text
    is not at its offsets belongs to another version of the text; redacting by its offsets would
    hide the wrong words and leave the identifying ones, so it raises ValueError.
    """
    spans = []
    for flag in flags:
        if not (0 <= flag.start <= flag.end <= len(text)) or text[flag.start : flag.end] != flag.text:
            raise ValueError(f"flag {flag.key!r} does not match the text at {flag.start}:{flag.end}")
        if flag.end > flag.start:
            spans.append((flag.start, flag.end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    pieces = []
    done = 0
    for start, end in merged:
        pieces += [text[done:start], mask]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)
