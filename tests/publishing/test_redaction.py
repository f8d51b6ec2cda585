"""The redaction check: what it flags in a draft, what it leaves alone, and how redaction applies."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clarion.publishing.redaction import Flag, FlagKind, check_text, parse_deny_list, redact


def flagged(
    text: str,
    kind: FlagKind,
    *,
    deny_list: Iterable[str] = (),
    source_texts: Iterable[str] = (),
    min_shared_words: int = 6,
) -> list[str]:
    """Return the texts of the flags of one kind."""
    flags = check_text(text, deny_list=deny_list, source_texts=source_texts, min_shared_words=min_shared_words)
    return [f.text for f in flags if f.kind == kind]


ORDINARY_PROSE = (
    "In 2024, 3 of 5 workers on page 12 said the canteen closed at lunch. "
    "Management may review the rota in March; see section 4.2 of the handbook, e.g. the annex. "
    "We met at the office and talked about pay for 45 minutes."
)


def test_ordinary_prose_raises_no_flags() -> None:
    assert check_text(ORDINARY_PROSE) == []


# --- E-mail addresses ---------------------------------------------------------------------------


def test_email_address_is_flagged_exactly() -> None:
    assert flagged("Write to jane.doe+tips@example.org.", FlagKind.EMAIL) == ["jane.doe+tips@example.org"]


@pytest.mark.parametrize(
    "address",
    [
        "jane at example dot org",
        "JANE AT EXAMPLE DOT ORG",
        "jane [at] example [dot] org",
        "jane (at) example.org",
        "jane@example dot co dot uk",
    ],
)
def test_obfuscated_email_address_is_flagged(address: str) -> None:
    assert flagged(f"Her address is {address}, she said.", FlagKind.EMAIL) == [address]


def test_email_address_is_not_also_flagged_as_a_web_address() -> None:
    flags = check_text("Mail jane@mail.example.org or bob [at] example.org today.")
    assert {f.kind for f in flags} == {FlagKind.EMAIL}


def test_at_in_prose_is_not_an_email_but_the_domain_is_a_web_address() -> None:
    text = "She works at example.org and we met at the depot."
    assert flagged(text, FlagKind.EMAIL) == []
    assert flagged(text, FlagKind.URL) == ["example.org"]


# --- Phone numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "+44 20 7946 0958",
        "+1-202-555-0143",
        "+1 (202) 555-0143",
        "0044 20 7946 0958",
        "+44 (0)20 7946 0958",
        "+442079460958",
        "020 7946 0958",
        "(202) 555-0143",
        "202.555.0143",
        "06 12 34 56 78",
    ],
)
def test_phone_number_is_flagged_exactly(number: str) -> None:
    assert flagged(f"Call {number}, ask for the night desk.", FlagKind.PHONE) == [number]


@pytest.mark.parametrize(
    "text",
    [
        "It happened in 2024.",
        "See page 12.",
        "3 of 5 workers agreed.",
        "Between 2019 and 2024 pay fell 10 000 times over.",
        "The rota changed on 06.12.2024.",
        "Room 0 12 is closed.",
    ],
)
def test_years_counts_and_dates_are_not_phone_numbers(text: str) -> None:
    assert flagged(text, FlagKind.PHONE) == []


def test_phone_number_is_not_also_flagged_as_a_digit_run() -> None:
    flags = check_text("Ring +442079460958 now.")
    assert [(f.kind, f.text) for f in flags] == [(FlagKind.PHONE, "+442079460958")]


# --- Long runs of digits ------------------------------------------------------------------------


def test_employee_number_is_flagged_but_a_year_is_not() -> None:
    flags = check_text("In 2024 the warning went to EMP-004521.")
    assert [(f.kind, f.text) for f in flags] == [(FlagKind.DIGITS, "EMP-004521")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She showed badge 12345 at the gate.", "12345"),
        ("See case no. 2023/00481 for details.", "2023/00481"),
        ("Ticket #A1234567 was closed.", "A1234567"),
        ("The number 02079460958 was on the memo.", "02079460958"),
    ],
)
def test_badge_and_case_numbers_are_flagged(text: str, expected: str) -> None:
    assert flagged(text, FlagKind.DIGITS) == [expected]


@pytest.mark.parametrize(
    "text", ["In 2024/25 pay fell.", "On 2024-03-12 it rained.", "About 1,250,000 euros.", "Page 1234."]
)
def test_short_numbers_years_and_dates_are_not_digit_runs(text: str) -> None:
    assert flagged(text, FlagKind.DIGITS) == []


def test_digits_inside_a_web_address_are_flagged_once_as_the_address() -> None:
    flags = check_text("See https://intranet.example.org/staff/004521 for her file.")
    assert [(f.kind, f.text) for f in flags] == [(FlagKind.URL, "https://intranet.example.org/staff/004521")]


# --- Web addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See https://example.org/path?x=1.", "https://example.org/path?x=1"),
        ("It is on http://example.org, apparently.", "http://example.org"),
        ("(see www.example.org)", "www.example.org"),
        ("Leaked at example.com/leaks/2024!", "example.com/leaks/2024"),
        ("The portal intranet.acme.co.uk is down.", "intranet.acme.co.uk"),
        ("Read https://en.wikipedia.org/wiki/Foo_(bar).", "https://en.wikipedia.org/wiki/Foo_(bar)"),
    ],
)
def test_web_address_is_flagged_without_trailing_punctuation(text: str, expected: str) -> None:
    assert flagged(text, FlagKind.URL) == [expected]


@pytest.mark.parametrize(
    "text",
    ["Use the form, e.g. the blue one.", "Version 2.5 shipped.", "Open report.pdf first.", "It ended.It was late."],
)
def test_abbreviations_versions_and_file_names_are_not_web_addresses(text: str) -> None:
    assert flagged(text, FlagKind.URL) == []


# --- Dates with times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        "12 March 2024 at 14:30",
        "2024-03-12 14:30",
        "2024-03-12T14:30",
        "12/03/2024 09:15",
        "14:30 on 12 March",
        "Tuesday at 9pm",
        "March 12, 2024 at 9:15 a.m.",
        "9 p.m. on Tuesday",
        "yesterday at noon",
        "Friday, 3 May, at ten o'clock",
    ],
)
def test_date_with_a_time_is_flagged_exactly(moment: str) -> None:
    assert flagged(f"It happened {moment} in the canteen.", FlagKind.DATETIME) == [moment]


def test_time_of_day_with_a_date_word_a_few_words_away_in_the_same_sentence_is_flagged() -> None:
    text = "On Tuesday the manager left at 9pm, then nothing."
    assert flagged(text, FlagKind.DATETIME) == ["Tuesday the manager left at 9pm"]


@pytest.mark.parametrize(
    "text",
    [
        "The meeting was on 12 March 2024.",
        "The shift starts at 14:30.",
        "It was Tuesday. The bus left at 9pm.",
        "It was 12 March.\n\nAt 9pm the bus left.",
        "On Tuesday we talked about pay, pensions, holidays, rotas and other things until 9pm.",
        "In March 2024 the office opened at 9am.",
        "You may leave at 5pm.",
        "He sat at 9pm on the step.",
    ],
)
def test_date_without_time_or_time_without_nearby_date_is_not_flagged(text: str) -> None:
    assert flagged(text, FlagKind.DATETIME) == []


# --- Deny-list ----------------------------------------------------------------------------------


def test_deny_list_entry_matches_case_insensitively_on_word_boundaries() -> None:
    text = "Smith told SMITH and smith, not Smithson or the blacksmith."
    assert flagged(text, FlagKind.DENY_LIST, deny_list=["Smith"]) == ["Smith", "SMITH", "smith"]


def test_deny_list_matches_the_name_in_a_possessive() -> None:
    assert flagged("It was Smith's report.", FlagKind.DENY_LIST, deny_list=["smith"]) == ["Smith"]


def test_deny_list_entry_whitespace_matches_any_whitespace_run() -> None:
    text = "Ask Zoë\n   Müller or ZOË MÜLLER."
    assert flagged(text, FlagKind.DENY_LIST, deny_list=["Zoë Müller"]) == ["Zoë\n   Müller", "ZOË MÜLLER"]


def test_deny_list_matches_decomposed_accents() -> None:
    decomposed = "Zoe\u0308 Mu\u0308ller"
    assert flagged(f"Ask {decomposed}.", FlagKind.DENY_LIST, deny_list=["Zoë Müller"]) == [decomposed]
    assert flagged(f"Ask {decomposed}.", FlagKind.DENY_LIST, deny_list=["Zoe"]) == []


def test_deny_list_prefers_the_longest_entry_and_treats_entries_literally() -> None:
    text = "Anna Smith works at St. Mary's, not St Marys; Anna knows."
    flags = flagged(text, FlagKind.DENY_LIST, deny_list=["Anna", "Anna Smith", "St. Mary's"])
    assert flags == ["Anna Smith", "St. Mary's", "Anna"]


def test_parse_deny_list_skips_blanks_and_comments_and_dedupes_case_insensitively() -> None:
    raw = "# night shift\n  Anna   Smith \n\nanna smith\nDepot 7\n  # Depot 9\nZoë Müller\nZOË MÜLLER\n"
    assert parse_deny_list(raw) == ["Anna Smith", "Depot 7", "Zoë Müller"]


def test_a_single_string_is_refused_as_a_deny_list() -> None:
    with pytest.raises(TypeError):
        check_text("Smith", deny_list="Smith")


# --- Words shared with the source ---------------------------------------------------------------

SOURCE = "I saw the night manager take the cash box from the safe at the depot, around closing."


def test_maximal_shared_run_is_one_flag_across_punctuation_and_case() -> None:
    draft = 'Staff say they SAW the night-manager take the "cash box" from the safe, sources confirm.'
    flags = [f for f in check_text(draft, source_texts=[SOURCE]) if f.kind == FlagKind.SOURCE_WORDS]
    assert [f.text for f in flags] == ['SAW the night-manager take the "cash box" from the safe']


def test_curly_and_straight_quotes_and_compatibility_forms_are_the_same_words() -> None:
    source = "I don’t know who’s watching the ﬁnance office cameras now"
    draft = "They don't know who's watching the finance office cameras."
    assert flagged(draft, FlagKind.SOURCE_WORDS, source_texts=[source]) == [
        "don't know who's watching the finance office cameras"
    ]


def test_run_of_one_word_fewer_than_the_minimum_is_not_flagged() -> None:
    draft = "Reports say the night manager take the money often."  # 5 words shared: "the night manager take the"
    assert flagged(draft, FlagKind.SOURCE_WORDS, source_texts=[SOURCE], min_shared_words=6) == []
    assert flagged(draft, FlagKind.SOURCE_WORDS, source_texts=[SOURCE], min_shared_words=5) == [
        "the night manager take the"
    ]


def test_shared_runs_from_several_sources_are_separate_flags() -> None:
    sources = [SOURCE, "We were told to delete the emails before the audit began."]
    draft = "One saw the night manager take the cash. Later staff were told to delete the emails before the audit."
    assert flagged(draft, FlagKind.SOURCE_WORDS, source_texts=sources) == [
        "saw the night manager take the cash",
        "were told to delete the emails before the audit",
    ]


def test_minimum_shared_words_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="min_shared_words"):
        check_text("text", source_texts=["text"], min_shared_words=0)


# --- Flags: order, keys, labels -----------------------------------------------------------------


def test_flags_are_sorted_by_start_without_duplicates() -> None:
    text = "Mail jane@example.org, call 020 7946 0958, badge 12345, from Anna."
    flags = check_text(text, deny_list=["Anna", "anna"])
    assert [f.kind for f in flags] == [FlagKind.EMAIL, FlagKind.PHONE, FlagKind.DIGITS, FlagKind.DENY_LIST]
    assert [f.start for f in flags] == sorted(f.start for f in flags)


def test_same_text_twice_gets_one_key() -> None:
    flags = check_text("Call 020 7946 0958 or, failing that, 020 7946 0958.")
    assert len(flags) == 2
    assert {f.key for f in flags} == {"phone:020 7946 0958"}


def test_key_ignores_case_whitespace_and_position() -> None:
    before = check_text("Ask Zoë Müller.", deny_list=["Zoë Müller"])
    after = check_text("A new first paragraph.\n\nAsk ZOË\n MÜLLER.", deny_list=["Zoë Müller"])
    assert [f.key for f in before] == [f.key for f in after] == ["deny-list:zoë müller"]
    assert before[0].start != after[0].start


def test_every_kind_has_its_own_label() -> None:
    labels = {kind: Flag(kind=kind, text="x", start=0, end=1).label for kind in FlagKind}
    assert len(set(labels.values())) == len(FlagKind)
    assert labels[FlagKind.DIGITS] == "A long run of digits (badge, case or employee number?)"


# --- Redaction ----------------------------------------------------------------------------------


def test_redact_replaces_every_flag_of_a_checked_draft() -> None:
    text = "Anna Smith (badge 12345) mailed jane@example.org on Tuesday at 9pm."
    flags = check_text(text, deny_list=["Anna Smith"])
    assert redact(text, flags) == "[redacted] (badge [redacted]) mailed [redacted] on [redacted]."


def test_redact_merges_overlapping_and_touching_spans() -> None:
    text = "abcdefghij"
    flags = [
        Flag(FlagKind.DIGITS, "bcd", 1, 4),
        Flag(FlagKind.URL, "cdef", 2, 6),
        Flag(FlagKind.EMAIL, "gh", 6, 8),
    ]
    assert redact(text, flags, mask="█") == "a█ij"


def test_redact_refuses_a_flag_from_another_version_of_the_text() -> None:
    flags = check_text("Call 020 7946 0958.")
    with pytest.raises(ValueError, match="does not match"):
        redact("Please call 020 7946 0958.", flags)


# --- Properties ---------------------------------------------------------------------------------

RULE_ALPHABET = "0123456789 +-()./:#@[]atdoTuesyMrchpmAB\n'’,"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.one_of(st.text(), st.text(alphabet=RULE_ALPHABET)),
    deny=st.lists(st.text(max_size=12), max_size=3),
    sources=st.lists(st.one_of(st.text(), st.text(alphabet=RULE_ALPHABET)), max_size=2),
    min_shared=st.integers(min_value=1, max_value=7),
)
def test_check_text_never_raises_and_every_flag_points_at_its_text(
    text: str, deny: list[str], sources: list[str], min_shared: int
) -> None:
    flags = check_text(text, deny_list=deny, source_texts=sources, min_shared_words=min_shared)
    for flag in flags:
        assert 0 <= flag.start < flag.end <= len(text)
        assert text[flag.start : flag.end] == flag.text
    assert [(f.start, f.end) for f in flags] == sorted((f.start, f.end) for f in flags)
    assert len({(f.kind, f.start, f.end) for f in flags}) == len(flags)


DENY_NAMES = ["Anna Smith", "Zoë Müller", "O'Neill", "Depot Seven"]
PROSE_WORDS = st.sampled_from(
    "the a night shift manager said that we at dot in on of and page 12 2024 3 5 workers may "
    "March Tuesday pay rota canteen left office org com example site".split()
)


def _number(pattern: str) -> st.SearchStrategy[str]:
    """Return a strategy filling each 'd' of the pattern with a random digit."""
    size = pattern.count("d")

    def fill(digits: list[str]) -> str:
        supply = iter(digits)
        return "".join(next(supply) if c == "d" else c for c in pattern)

    return st.lists(st.sampled_from("0123456789"), min_size=size, max_size=size).map(fill)


_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
FRAGMENTS = st.one_of(
    st.builds("{}@{}.{}".format, _label, _label, st.sampled_from(["org", "com", "co.uk"])),
    st.builds("{} at {} dot org".format, _label, _label),
    st.builds("{} [at] {} [dot] net".format, _label, _label),
    st.builds("https://{}.org/{}".format, _label, _label),
    st.builds("www.{}.com".format, _label),
    _number("+dd dd dddd dddd"),
    _number("+d-ddd-ddd-dddd"),
    _number("0dd dddd dddd"),
    _number("(ddd) ddd-dddd"),
    _number("EMP-dddddd"),
    _number("badge ddddd"),
    st.sampled_from(DENY_NAMES),
    st.sampled_from(DENY_NAMES).map("{}'s".format),
)
REDACTED_KINDS = {FlagKind.EMAIL, FlagKind.URL, FlagKind.PHONE, FlagKind.DIGITS, FlagKind.DENY_LIST}


@settings(max_examples=80, deadline=None)
@given(
    parts=st.lists(st.one_of(PROSE_WORDS, PROSE_WORDS, FRAGMENTS), min_size=1, max_size=25),
    separators=st.lists(st.sampled_from([" ", ", ", ". ", "\n", " (", ") "]), min_size=25, max_size=25),
)
def test_redacting_every_flag_leaves_nothing_to_flag(parts: list[str], separators: list[str]) -> None:
    text = "".join(part + sep for part, sep in zip(parts, separators, strict=False))
    redacted = redact(text, check_text(text, deny_list=DENY_NAMES))
    assert [f for f in check_text(redacted, deny_list=DENY_NAMES) if f.kind in REDACTED_KINDS] == []
