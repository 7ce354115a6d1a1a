"""WHEN: the times a technician promises ("tomorrow 10:00", "+2h", "friday", "eod"), read leniently.

Everything here works on naive local date-times (what a person on the phone means by
"12:00") to the minute. ``now`` is always passed in, so the same words give the same time
in tests and in the app.
"""

from __future__ import annotations

import datetime as _dt
import re

from kb.notes.errors import KBError

#: When a promise goes when none is given (``[questions] default_promise`` in kb.toml).
DEFAULT_PROMISE = "next business day 12:00"
#: The time of day a promise given as a day alone ("friday", "2026-11-24") means.
DEFAULT_PROMISE_TIME = _dt.time(12, 0)
#: When the working day ends ("eod").
DEFAULT_END_OF_DAY = _dt.time(17, 0)
#: Monday to Friday; Saturday and Sunday are skipped by "next business day".
BUSINESS_DAYS = frozenset(range(5))

EXAMPLES = "'tomorrow 10:00', '+2h', 'fri 9:00', '2026-11-24 15:00', 'eod', 'next business day'"
STORED_FORMAT = "%Y-%m-%d %H:%M"

_WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
_UNITS = {
    "m": 1,
    "min": 1,
    "mins": 1,
    "minute": 1,
    "minutes": 1,
    "h": 60,
    "hr": 60,
    "hrs": 60,
    "hour": 60,
    "hours": 60,
    "d": 1440,
    "day": 1440,
    "days": 1440,
    "w": 10080,
    "wk": 10080,
    "wks": 10080,
    "week": 10080,
    "weeks": 10080,
}
_TODAY = {"today", "tonight", "tod"}
_TOMORROW = {"tomorrow", "tmrw", "tmr", "tom"}
_NEXT_BUSINESS_DAY = {
    "next business day",
    "next working day",
    "next workday",
    "next weekday",
    "nbd",
    "business day",
    "working day",
}
_END_OF_DAY = {"eod", "end of day", "end of the day", "cob", "close of business"}
_END_OF_WEEK = {"eow", "end of week", "end of the week"}
_NAMED_TIMES = {"noon": _dt.time(12, 0), "midday": _dt.time(12, 0)}

_ISO = re.compile(
    r"(?P<date>\d{4}-\d{1,2}-\d{1,2})"
    r"(?:[ t](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::\d{2}(?:\.\d+)?)?"
    r"(?P<zone>z|[+-]\d{2}:?\d{2})?)?"
)
_RELATIVE = re.compile(r"(?:\+|in )?\s*((?:\d+(?:\.\d+)?\s*[a-z]+\s*)+)")
_RELATIVE_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_CLOCK = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?")
_DATE_ONLY = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def parse_when(
    text: str,
    now: _dt.datetime,
    *,
    promise_time: _dt.time = DEFAULT_PROMISE_TIME,
    end_of_day: _dt.time = DEFAULT_END_OF_DAY,
) -> _dt.datetime:
    """The local date-time (to the minute) that ``text`` means, said at ``now``.

    Raises KBError (exit 2) naming the part that was not understood.
    """
    now = _minute(_local(now))
    words = " ".join(text.lower().replace(",", " ").split())
    for prefix in ("by ", "on ", "at ", "before "):
        words = words.removeprefix(prefix)
    if not words:
        raise KBError(f"give a time for the promise, for example {EXAMPLES}")
    iso = _iso(words)
    if iso is not None:
        return iso if isinstance(iso, _dt.datetime) else _at(iso, promise_time)
    relative = _relative(words, now)
    if relative is not None:
        return relative
    day_words, clock = _split_clock(words.split())
    day = " ".join(day_words).removesuffix(" at").strip()
    if day in _END_OF_DAY or day in _END_OF_WEEK:
        if clock is not None:
            raise _not_understood(text, " ".join(words.split()[len(day_words) :]))
        return _end_of(day in _END_OF_WEEK, now, end_of_day)
    chosen = clock or promise_time
    if not day:
        if clock is None:
            raise _not_understood(text, words)
        # A time alone is its next occurrence: "15:00" said at 16:00 means tomorrow.
        moment = _at(now.date(), chosen)
        return moment if moment > now else moment + _dt.timedelta(days=1)
    if day in _TODAY:
        return _at(now.date(), chosen)
    if day in _TOMORROW:
        return _at(now.date() + _dt.timedelta(days=1), chosen)
    if day in _NEXT_BUSINESS_DAY:
        return _at(next_business_day(now.date()), chosen)
    if _DATE_ONLY.fullmatch(day):
        date = _date(day)
        if date is None:
            raise _not_understood(text, day)
        return _at(date, chosen)
    weekday, strictly_after_today = _weekday(day)
    if weekday is None:
        raise _not_understood(text, day)
    date = now.date()
    for offset in range(8):
        candidate = date + _dt.timedelta(days=offset)
        if candidate.weekday() != weekday or (strictly_after_today and offset == 0):
            continue
        if _at(candidate, chosen) > now:
            return _at(candidate, chosen)
    raise _not_understood(text, day)  # pragma: no cover - a weekday always recurs within 8 days


def next_business_day(date: _dt.date) -> _dt.date:
    """The first business day (Monday to Friday) after ``date``."""
    date += _dt.timedelta(days=1)
    while date.weekday() not in BUSINESS_DAYS:
        date += _dt.timedelta(days=1)
    return date


def parse_clock(text: str) -> _dt.time | None:
    """A time of day written "17:00", "9:30", "5pm" or "noon"; None when it is not one."""
    words = " ".join(text.lower().split())
    if words in _NAMED_TIMES:
        return _NAMED_TIMES[words]
    match = _CLOCK.fullmatch(words)
    if match is None:
        return None
    return _clock(match, bare_hour_ok=True)


# --- storing and showing -----------------------------------------------------------------------


def to_stored(moment: _dt.datetime) -> str:
    """How a promise is written in front matter: ``YYYY-MM-DD HH:MM`` (local time)."""
    return moment.strftime(STORED_FORMAT)


def read_stored(
    value: object, promise_time: _dt.time = DEFAULT_PROMISE_TIME
) -> _dt.datetime | None:
    """A stored promise read back leniently: a YAML date-time or date, or a string; else None."""
    if isinstance(value, _dt.datetime):
        return _minute(_local(value))
    if isinstance(value, _dt.date):
        return _at(value, promise_time)
    if isinstance(value, str):
        found = _iso(" ".join(value.lower().split()))
        if isinstance(found, _dt.datetime):
            return found
        if isinstance(found, _dt.date):
            return _at(found, promise_time)
    return None


def describe(moment: _dt.datetime, now: _dt.datetime) -> str:
    """A promise as a person reads it: "Mon 24 Nov 12:00" (the year only when it differs)."""
    year = f" {moment.year}" if moment.year != now.year else ""
    return f"{moment:%a} {moment.day} {moment:%b}{year} {moment:%H:%M}"


def duration(delta: _dt.timedelta) -> str:
    """A length of time in round words: "45 min", "2 h", "3 days"."""
    minutes = max(1, int(abs(delta).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    days = hours // 24
    return f"{days} days"


def relative(moment: _dt.datetime, now: _dt.datetime) -> str:
    """How far a promise is from now: "in 3 h" or "2 h overdue"."""
    if moment <= now:
        return f"{duration(now - moment)} overdue"
    return f"in {duration(moment - now)}"


# --- the parts -------------------------------------------------------------------------------


def _local(moment: _dt.datetime) -> _dt.datetime:
    # A time with a zone is the same moment on the local clock; naive times are local already.
    if moment.tzinfo is not None:
        return moment.astimezone().replace(tzinfo=None)
    return moment


def _minute(moment: _dt.datetime) -> _dt.datetime:
    return moment.replace(second=0, microsecond=0)


def _at(date: _dt.date, clock: _dt.time) -> _dt.datetime:
    return _dt.datetime.combine(date, clock.replace(second=0, microsecond=0, tzinfo=None))


def _date(text: str) -> _dt.date | None:
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return _dt.date(year, month, day)
    except ValueError:
        return None


def _iso(words: str) -> _dt.datetime | _dt.date | None:
    match = _ISO.fullmatch(words)
    if match is None:
        return None
    date = _date(match["date"])
    if date is None:
        raise KBError(f"{match['date']!r} is not a date that exists; give one like 2026-11-24")
    if match["hour"] is None:
        return date
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        raise KBError(
            f"{match['hour']}:{match['minute']} is not a time of day; give one like 15:00"
        )
    moment = _dt.datetime.combine(date, _dt.time(hour, minute))
    zone = match["zone"]
    if zone:
        try:
            offset = _dt.UTC if zone == "z" else _zone(zone)
            moment = moment.replace(tzinfo=offset).astimezone().replace(tzinfo=None)
        except (OverflowError, ValueError) as exc:
            raise KBError(f"{words!r} is out of range; give a time like 2026-11-24 15:00") from exc
    return moment


def _zone(text: str) -> _dt.timezone:
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:])
    return _dt.timezone((-1 if text[0] == "-" else 1) * _dt.timedelta(minutes=minutes))


def _relative(words: str, now: _dt.datetime) -> _dt.datetime | None:
    match = _RELATIVE.fullmatch(words)
    if match is None:
        return None
    total = 0.0
    for amount, unit in _RELATIVE_PART.findall(match.group(1)):
        if unit not in _UNITS:
            return None
        total += float(amount) * _UNITS[unit]
    if total > 10 * 365 * 1440:
        raise KBError(f"{words!r} is more than ten years away; give a nearer time")
    return _minute(now + _dt.timedelta(minutes=round(total)))


def _split_clock(tokens: list[str]) -> tuple[list[str], _dt.time | None]:
    """Split "fri 9:30 am" into the day words and the time of day at the end, if any."""
    for take in (2, 1):
        if len(tokens) < take:
            continue
        tail = " ".join(tokens[-take:])
        if tail in _NAMED_TIMES:
            return tokens[:-take], _NAMED_TIMES[tail]
        match = _CLOCK.fullmatch(tail)
        if match is None:
            continue
        # A bare number is an hour only after a day ("friday 9"), never on its own.
        clock = _clock(match, bare_hour_ok=len(tokens) > take)
        if clock is not None:
            head = tokens[:-take]
            if head and head[-1] == "at":
                head = head[:-1]
            return head, clock
    return tokens, None


def _clock(match: re.Match[str], *, bare_hour_ok: bool) -> _dt.time | None:
    hour_text, minute_text, meridiem = match.groups()
    if minute_text is None and meridiem is None and not bare_hour_ok:
        return None
    hour, minute = int(hour_text), int(minute_text or 0)
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return _dt.time(hour, minute)


def _weekday(day: str) -> tuple[int | None, bool]:
    words = day.split()
    strictly_after_today = False
    if len(words) == 2 and words[0] in ("next", "this", "coming"):
        strictly_after_today = words[0] == "next"
        words = words[1:]
    if len(words) != 1:
        return None, False
    return _WEEKDAYS.get(words[0]), strictly_after_today


def _end_of(week: bool, now: _dt.datetime, end_of_day: _dt.time) -> _dt.datetime:
    date = now.date()
    if week:
        date += _dt.timedelta(days=(4 - date.weekday()) % 7)
    moment = _at(date, end_of_day)
    if week:
        return moment if moment > now else moment + _dt.timedelta(days=7)
    if moment > now and date.weekday() in BUSINESS_DAYS:
        return moment
    return _at(next_business_day(date), end_of_day)


def _not_understood(text: str, part: str) -> KBError:
    shown = " ".join(text.split())
    part = _first_unknown(part)
    if part and part != " ".join(shown.lower().split()):
        return KBError(f"cannot read {shown!r} as a time: {part!r} not understood; try {EXAMPLES}")
    return KBError(f"cannot read {shown!r} as a time; try {EXAMPLES}")


_KNOWN_WORDS = (
    set(_WEEKDAYS)
    | _TODAY
    | _TOMORROW
    | set(_NAMED_TIMES)
    | {
        word
        for phrase in _NEXT_BUSINESS_DAY | _END_OF_DAY | _END_OF_WEEK
        for word in phrase.split()
    }
    | {"next", "this", "coming", "at", "am", "pm"}
)


def _first_unknown(part: str) -> str:
    """The first word of ``part`` that is neither a day word nor a time of day (else all of it)."""
    for word in part.split():
        if word not in _KNOWN_WORDS and parse_clock(word) is None:
            return word
    return part
