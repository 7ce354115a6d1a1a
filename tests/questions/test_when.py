"""WHEN: promised times read leniently, the same way every time for the same ``now``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb.notes.errors import KBError
from kb.notes.settings import load_settings
from kb.notes.when import (
    describe,
    duration,
    next_business_day,
    parse_clock,
    parse_when,
    read_stored,
    relative,
    to_stored,
)

#: Wednesday 25 November 2026, 10:15.
WED = dt.datetime(2026, 11, 25, 10, 15)
#: Friday 27 November 2026, 16:30.
FRI = dt.datetime(2026, 11, 27, 16, 30)
#: Saturday 28 November 2026, 09:00.
SAT = dt.datetime(2026, 11, 28, 9, 0)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute)


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [
        # ISO dates and date-times; a date alone is at the promise time (12:00).
        ("2026-12-01", WED, at(1, 12, month=12)),
        ("2026-12-01 15:30", WED, at(1, 15, 30, month=12)),
        ("2026-12-01T15:30", WED, at(1, 15, 30, month=12)),
        ("2026-12-01T15:30:59", WED, at(1, 15, 30, month=12)),
        ("2020-01-01 10:00", WED, dt.datetime(2020, 1, 1, 10, 0)),  # the past is allowed
        ("by 2026-12-01 9:05", WED, at(1, 9, 5, month=12)),
        # today and tomorrow, with or without a time
        ("today 17:00", WED, at(25, 17)),
        ("today", WED, at(25, 12)),
        ("Tomorrow 10:00", WED, at(26, 10)),
        ("tomorrow", WED, at(26, 12)),
        ("tomorrow at 9am", WED, at(26, 9)),
        ("tomorrow 2:30 pm", WED, at(26, 14, 30)),
        ("tomorrow noon", WED, at(26, 12)),
        ("tmrw 8", WED, at(26, 8)),
        ("tomorrow 17h30", WED, at(26, 17, 30)),
        # relative
        ("+2h", WED, at(25, 12, 15)),
        ("+30m", WED, at(25, 10, 45)),
        ("+3d", WED, at(28, 10, 15)),
        ("+1w", WED, at(2, 10, 15, month=12)),
        ("+1h30m", WED, at(25, 11, 45)),
        ("in 2 hours", WED, at(25, 12, 15)),
        ("45 min", WED, at(25, 11, 0)),
        # weekdays: the next occurrence
        ("friday", WED, at(27, 12)),
        ("fri 9:00", WED, at(27, 9)),
        ("Friday at 3pm", WED, at(27, 15)),
        ("wednesday 11:00", WED, at(25, 11)),  # later today
        ("wednesday 9:00", WED, at(2, 9, month=12)),  # passed today: next week
        ("next wednesday 11:00", WED, at(2, 11, month=12)),
        ("mon", FRI, at(30, 12)),
        ("friday", FRI, at(4, 12, month=12)),  # noon already passed on Friday
        # end of day / week, business days (weekends skipped)
        ("eod", WED, at(25, 17)),
        ("EOD", FRI, at(27, 17)),
        ("eod", dt.datetime(2026, 11, 27, 18, 0), at(30, 17)),  # after hours on Friday
        ("eod", SAT, at(30, 17)),
        ("eow", WED, at(27, 17)),
        ("next business day", WED, at(26, 12)),
        ("next business day", FRI, at(30, 12)),
        ("next business day", SAT, at(30, 12)),
        ("next business day 9:00", FRI, at(30, 9)),
        ("nbd 14:00", dt.datetime(2026, 11, 29, 20, 0), at(30, 14)),
        # a time alone is its next occurrence
        ("17:00", WED, at(25, 17)),
        ("9:00", WED, at(26, 9)),
        ("5pm", WED, at(25, 17)),
    ],
)
def test_when_is_read_leniently(text: str, now: dt.datetime, expected: dt.datetime) -> None:
    assert parse_when(text, now) == expected


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("tomorow 10:00", "'tomorow'"),
        ("next fryday", "'fryday'"),
        ("friday 25:00", "'25:00'"),
        ("eod 10:00", "'10:00'"),
        ("soonish", "'soonish'"),
        ("+2x", "'+2x'"),
        ("10", "'10'"),
        ("2026-02-30", "'2026-02-30'"),
        ("2026-12-01 24:00", "24:00"),
        ("", "for example"),
        ("+99999d", "ten years"),
        ("2026-01-01 10:00+99:99", "out of range"),
        ("9999-12-31T23:59-23:59", "out of range"),
    ],
)
def test_unreadable_when_names_what_was_not_understood(text: str, named: str) -> None:
    with pytest.raises(KBError) as raised:
        parse_when(text, WED)
    message = str(raised.value)
    assert raised.value.code == 2
    assert named in message
    assert "\n" not in message


def test_the_error_gives_examples() -> None:
    with pytest.raises(KBError, match=r"'tomorow' not understood; try 'tomorrow 10:00', '\+2h'"):
        parse_when("tomorow 10:00", WED)


def test_promise_time_and_end_of_day_are_settings() -> None:
    assert parse_when("friday", WED, promise_time=dt.time(9, 30)) == at(27, 9, 30)
    assert parse_when("eod", WED, end_of_day=dt.time(18, 0)) == at(25, 18)


def test_a_zoned_time_is_the_same_moment_on_the_local_clock() -> None:
    moment = parse_when("2026-12-01T15:30:00Z", WED)
    expected = dt.datetime(2026, 12, 1, 15, 30, tzinfo=dt.UTC).astimezone().replace(tzinfo=None)
    assert moment == expected


def test_next_business_day_skips_weekends() -> None:
    assert next_business_day(dt.date(2026, 11, 27)) == dt.date(2026, 11, 30)  # Fri -> Mon
    assert next_business_day(dt.date(2026, 11, 28)) == dt.date(2026, 11, 30)  # Sat -> Mon
    assert next_business_day(dt.date(2026, 11, 25)) == dt.date(2026, 11, 26)


def test_stored_form_round_trips_and_old_forms_are_read() -> None:
    moment = at(24, 12)
    assert to_stored(moment) == "2026-11-24 12:00"
    assert read_stored("2026-11-24 12:00") == moment
    assert read_stored(moment) == moment
    assert read_stored(dt.date(2026, 11, 24)) == moment
    assert read_stored("2026-11-24T12:00:00") == moment
    assert read_stored("next week") is None
    assert read_stored(None) is None
    assert read_stored(42) is None


def test_readable_forms() -> None:
    assert describe(at(24, 12), WED) == "Tue 24 Nov 12:00"
    assert describe(dt.datetime(2027, 1, 4, 9, 0), WED) == "Mon 4 Jan 2027 09:00"
    assert relative(at(25, 12, 15), WED) == "in 2 h"
    assert relative(at(25, 8, 15), WED) == "2 h overdue"
    assert duration(dt.timedelta(minutes=35)) == "35 min"
    assert duration(dt.timedelta(days=3, hours=2)) == "3 days"
    assert parse_clock("17:30") == dt.time(17, 30)
    assert parse_clock("12am") == dt.time(0, 0)
    assert parse_clock("tea time") is None


def test_kb_toml_questions_settings(tmp_path: Path) -> None:
    (tmp_path / "kb.toml").write_text(
        '[questions]\ndefault_promise = "+4h"\npromise_time = "9:30"\nend_of_day = "5pm"\n'
    )
    settings = load_settings(tmp_path)
    assert settings.default_promise == "+4h"
    assert settings.promise_time == dt.time(9, 30)
    assert settings.end_of_day == dt.time(17, 0)
    assert settings.problems == []


def test_bad_questions_settings_are_reported_and_defaults_kept(tmp_path: Path) -> None:
    (tmp_path / "kb.toml").write_text(
        '[questions]\ndefault_promise = "whenever"\npromise_time = "lunch"\n'
    )
    settings = load_settings(tmp_path)
    assert settings.default_promise == "next business day 12:00"
    assert settings.promise_time == dt.time(12, 0)
    messages = " ".join(problem.message for problem in settings.problems)
    assert "default_promise" in messages and "'whenever'" in messages
    assert "promise_time" in messages and "'lunch'" in messages


@given(st.text(max_size=40))
def test_any_text_is_a_time_or_one_clear_error(text: str) -> None:
    try:
        moment = parse_when(text, WED)
    except KBError as exc:
        assert exc.code == 2 and "\n" not in str(exc)
    else:
        assert moment.second == 0 and moment.tzinfo is None
