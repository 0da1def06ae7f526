"""Business time for service-desk SLAs: working calendars and the arithmetic on them.

This module owns the question "when is a ticket due?" for deadlines measured in *working time*
(first response, next response, resolution, periodic status updates), including the "before
14:00 -> today, otherwise tomorrow at 11:00" cut-off rule and clocks that pause while a ticket
waits for the customer. It is pure Python (no Django, no database) so the worker can recompute
thousands of tickets cheaply and the rules can be tested exhaustively.

Conventions
-----------
* **Instants.** Every datetime argument must be timezone-aware (any zone); a naive datetime is
  a ``ValueError``. Every datetime returned is aware and in UTC, so that ``due + timedelta`` is
  real elapsed time (on a datetime carrying a ZoneInfo, Python adds to the wall clock).
* **Working hours are local wall-clock times.** ``BusinessCalendar.hours`` maps a weekday
  (0 = Monday .. 6 = Sunday) of the calendar's zone to half-open intervals ``[start, end)`` in
  minutes of the local day; ``end`` may be 1440, meaning the next local midnight. A local date
  in ``holidays`` (or a weekday missing from ``hours``) has no working time.
* **Turning wall times into instants (DST).** Each bound is built as a local datetime with
  ``fold=0`` and converted to UTC, i.e. the semantics of :mod:`zoneinfo` / PEP 495:

  - a wall time that does not exist (spring forward: 02:30 in Europe/Warsaw on the last
    Sunday of March) is read with the offset in force *before* the jump, so it maps *forward*
    by the size of the gap (02:30 -> 03:30 CEST). An interval lying wholly inside the gap can
    therefore come out empty, and one that straddles its end can overlap a later interval;
    overlaps are merged.
  - a wall time that happens twice (fall back) means its *first* occurrence.
  - a local day's working time is clipped to that day's real extent, from its midnight to the
    next one (both mapped the same way), so consecutive days never overlap.
* **Working time is real elapsed time** (the difference of UTC instants). A 09:00-17:00 day is
  8 h on DST days too; a 00:00-24:00 day is 23 h on a spring-forward day and 25 h on a
  fall-back day. A 24/7 calendar in any zone therefore adds working time like plain timedelta.
* **Interval ends.** Working intervals are half-open: the end instant is not working. When an
  amount of working time runs out exactly at the end of an interval, the deadline is that end
  (18:00 on Monday, not 09:00 on Tuesday). Consequently ``add_working(add_working(s, a), b) ==
  add_working(s, a + b)`` holds for every ``b > 0``; for ``b == 0`` the left side is
  ``next_working_moment`` of the first deadline.
* **Working day.** A local date with at least one non-empty working interval. Its end is the end
  of its last interval (a night shift 22:00-24:00 + 00:00-06:00 is two working days).
* **Bounded search.** Looking forward for working time gives up with ``ValueError`` after
  ``HORIZON_DAYS`` consecutive local days without any (a calendar that is all holidays). The
  walk goes day by day and interval by interval, never minute by minute; a day's intervals in
  UTC are cached.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "HORIZON_DAYS",
    "BusinessCalendar",
    "CutOff",
    "add_working",
    "due_after_pauses",
    "due_with_cutoff",
    "end_of_working_day",
    "is_working",
    "next_update_due",
    "next_working_moment",
    "remaining",
    "status_updates",
    "working_between",
]

MINUTES_PER_DAY = 1440
HORIZON_DAYS = 3 * 366
"""How many consecutive local days without working time a forward search tolerates."""

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ZERO = timedelta(0)
_ONE_DAY = timedelta(days=1)

Span = tuple[datetime, datetime]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _fmt(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True)
class BusinessCalendar:
    """A weekly pattern of working hours in one time zone, minus holidays.

    ``hours`` is normalised to a read-only mapping of tuples (weekdays without intervals are
    dropped) and ``holidays`` to a frozenset, so a calendar is immutable and hashable.
    """

    tz: str
    hours: Mapping[int, Sequence[tuple[int, int]]]
    holidays: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.tz, str) or not self.tz:
            raise ValueError(
                f"time zone must be an IANA name such as 'Europe/Warsaw', not {self.tz!r}"
            )
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"unknown time zone {self.tz!r}")
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "hours", MappingProxyType(self._checked_hours(self.hours)))
        object.__setattr__(self, "holidays", self._checked_holidays(self.holidays))

    @staticmethod
    def _checked_hours(hours: object) -> dict[int, tuple[tuple[int, int], ...]]:
        if not isinstance(hours, Mapping):
            raise ValueError("hours must map a weekday (0=Monday..6=Sunday) to intervals")
        week: dict[int, tuple[tuple[int, int], ...]] = {}
        for weekday, intervals in hours.items():
            if not _is_int(weekday) or not 0 <= weekday <= 6:
                raise ValueError(
                    f"weekday must be an integer 0 (Monday) to 6 (Sunday), not {weekday!r}"
                )
            name = _WEEKDAYS[weekday]
            if isinstance(intervals, str | bytes) or not isinstance(intervals, Sequence):
                raise ValueError(f"{name}: intervals must be a list of (start, end) pairs")
            checked: list[tuple[int, int]] = []
            for interval in intervals:
                try:
                    start, end = interval
                except (TypeError, ValueError):
                    raise ValueError(f"{name}: {interval!r} is not a (start, end) pair")
                if not _is_int(start) or not _is_int(end):
                    raise ValueError(
                        f"{name}: interval bounds must be whole minutes, not {interval!r}"
                    )
                if not 0 <= start < end <= MINUTES_PER_DAY:
                    raise ValueError(
                        f"{name}: interval ({start}, {end}) must satisfy 0 <= start < end <= 1440"
                    )
                if checked and start < checked[-1][1]:
                    previous = checked[-1]
                    if start < previous[0]:
                        raise ValueError(f"{name}: intervals must be sorted by start")
                    raise ValueError(
                        f"{name}: interval {_fmt(start)}-{_fmt(end)} overlaps "
                        f"{_fmt(previous[0])}-{_fmt(previous[1])}"
                    )
                checked.append((start, end))
            if checked:
                week[weekday] = tuple(checked)
        if not week:
            raise ValueError("calendar has no working time in the week")
        return dict(sorted(week.items()))

    @staticmethod
    def _checked_holidays(holidays: object) -> frozenset[date]:
        if isinstance(holidays, str | bytes | date):
            raise ValueError("holidays must be a collection of dates")
        try:
            days = frozenset(holidays)  # type: ignore[arg-type]
        except TypeError:
            raise ValueError("holidays must be a collection of dates")
        for day in days:
            # datetime is a subclass of date; a holiday is a whole local date, never an instant.
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"holiday {day!r} is not a date")
        return days

    def __hash__(self) -> int:
        return hash((self.tz, tuple(self.hours.items()), self.holidays))

    def __reduce__(self) -> tuple[type[BusinessCalendar], tuple[str, dict, frozenset[date]]]:
        # A mappingproxy cannot be pickled; calendars travel to the task worker.
        return (type(self), (self.tz, dict(self.hours), self.holidays))

    @classmethod
    def always(cls, tz: str = "UTC") -> BusinessCalendar:
        """A 24/7 calendar: every instant is working time."""
        return cls(tz=tz, hours={weekday: ((0, MINUTES_PER_DAY),) for weekday in range(7)})

    @property
    def zone(self) -> ZoneInfo:
        return self._zone


@dataclass(frozen=True)
class CutOff:
    """Received before `cutoff` (local time) on a working day -> due at the END of that working day;
    received at/after it (or on a non-working day / outside hours) -> due at `next_day_at` local
    time on the next working day. See :func:`due_with_cutoff` for the edge cases."""

    cutoff: int  # minutes of day, e.g. 14*60
    next_day_at: int  # minutes of day, e.g. 11*60

    def __post_init__(self) -> None:
        if not _is_int(self.cutoff) or not 0 <= self.cutoff <= MINUTES_PER_DAY:
            raise ValueError(f"cutoff must be minutes of day 0..1440, not {self.cutoff!r}")
        if not _is_int(self.next_day_at) or not 0 <= self.next_day_at < MINUTES_PER_DAY:
            raise ValueError(
                f"next_day_at must be minutes of day 0..1439, not {self.next_day_at!r}"
            )


# --- building a day's working time -------------------------------------------------------------


def _utc(at: datetime, name: str = "datetime") -> datetime:
    if not isinstance(at, datetime):
        raise ValueError(f"{name} must be a datetime, not {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {at.isoformat()}")
    return at.astimezone(UTC)


def _wall_to_utc(zone: ZoneInfo, day: date, minute: int) -> datetime:
    """Local wall time ``minute`` on ``day`` (1440 = next midnight) as a UTC instant, fold=0."""
    if minute == MINUTES_PER_DAY:
        day, minute = day + _ONE_DAY, 0
    hour, minute = divmod(minute, 60)
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


@lru_cache(maxsize=16384)
def _local_day_spans(
    tz: str, intervals: tuple[tuple[int, int], ...], day: date
) -> tuple[Span, ...]:
    zone = ZoneInfo(tz)
    day_start = _wall_to_utc(zone, day, 0)
    day_end = _wall_to_utc(zone, day, MINUTES_PER_DAY)
    raw = []
    for start, end in intervals:
        s = max(_wall_to_utc(zone, day, start), day_start)
        e = min(_wall_to_utc(zone, day, end), day_end)
        if s < e:
            raw.append((s, e))
    # Inside a DST gap wall time maps forward, so spans can overlap or swap order: merge them.
    raw.sort()
    merged: list[Span] = []
    for s, e in raw:
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return tuple(merged)


def _day_spans(cal: BusinessCalendar, day: date) -> tuple[Span, ...]:
    """The working time of local date ``day`` as sorted, disjoint, non-empty UTC spans."""
    if day in cal.holidays:
        return ()
    intervals = cal.hours.get(day.weekday())
    if not intervals:
        return ()
    return _local_day_spans(cal.tz, intervals, day)  # type: ignore[arg-type]


def _local_date(cal: BusinessCalendar, at: datetime) -> date:
    return at.astimezone(cal.zone).date()


def _no_working_time(cal: BusinessCalendar, since: date) -> ValueError:
    return ValueError(
        f"calendar {cal.tz} has no working time in the {HORIZON_DAYS} days from {since.isoformat()}"
    )


def _working_days_from(
    cal: BusinessCalendar, first: date, asked: date | None = None
) -> Iterator[tuple[date, tuple[Span, ...]]]:
    """Working days from ``first`` on, each with its spans; gives up after a long idle stretch
    (the error names ``asked``, the caller's day, when the walk starts earlier than that)."""
    day, idle = first, 0
    while True:
        spans = _day_spans(cal, day)
        if spans:
            idle = 0
            yield day, spans
        else:
            idle += 1
            if idle > HORIZON_DAYS:
                raise _no_working_time(cal, asked or first)
        day += _ONE_DAY


def _spans_after(cal: BusinessCalendar, at: datetime) -> Iterator[Span]:
    """Working spans that end after UTC instant ``at``, in order (the first may contain it)."""
    # Start a day early: with a DST gap at midnight an instant can lie in the previous day's
    # clipped extent. Only those first two days can end before ``at``, so the idle limit of
    # _working_days_from still bounds the search.
    day = _local_date(cal, at)
    for _day, spans in _working_days_from(cal, day - _ONE_DAY, asked=day):
        for span in spans:
            if span[1] > at:
                yield span


def _spans_between(cal: BusinessCalendar, start: datetime, end: datetime) -> Iterator[Span]:
    """Working spans clipped to ``[start, end)``; bounded by ``end``, so never gives up."""
    day = _local_date(cal, start) - _ONE_DAY
    last = _local_date(cal, end) + _ONE_DAY
    while day <= last:
        for s, e in _day_spans(cal, day):
            s, e = max(s, start), min(e, end)
            if s < e:
                yield s, e
        day += _ONE_DAY


def _advance(spans: Iterator[Span], start: datetime, delta: timedelta) -> datetime:
    """Walk ``spans`` (sorted, ending after ``start``) until ``delta`` of their time is used."""
    left = delta
    for s, e in spans:
        here = max(s, start)
        if here >= e:
            continue
        if left <= e - here:
            return here + left
        left -= e - here
    raise AssertionError("span iterators are infinite or raise")  # pragma: no cover


# --- public API -----------------------------------------------------------------------------------


def is_working(cal: BusinessCalendar, at: datetime) -> bool:
    """Whether the instant ``at`` lies inside a working interval."""
    at = _utc(at, "at")
    day = _local_date(cal, at)
    for d in (day - _ONE_DAY, day):
        for s, e in _day_spans(cal, d):
            if s <= at < e:
                return True
    return False


def next_working_moment(cal: BusinessCalendar, at: datetime) -> datetime:
    """``at`` itself if it is working time, else the start of the next working interval."""
    at = _utc(at, "at")
    s, _e = next(_spans_after(cal, at))
    return max(s, at)


def add_working(cal: BusinessCalendar, start: datetime, delta: timedelta) -> datetime:
    """The instant at which ``delta`` of working time has elapsed after ``start``.

    A zero ``delta`` gives ``next_working_moment(start)``; an amount that runs out exactly at
    the end of an interval gives that end, not the next interval's start.
    """
    start = _utc(start, "start")
    _check_duration(delta, "delta")
    if delta == _ZERO:
        return next_working_moment(cal, start)
    return _advance(_spans_after(cal, start), start, delta)


def working_between(cal: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Working time inside ``[start, end)``; zero when ``end <= start``."""
    start, end = _utc(start, "start"), _utc(end, "end")
    if end <= start:
        return _ZERO
    return sum((e - s for s, e in _spans_between(cal, start, end)), _ZERO)


def end_of_working_day(cal: BusinessCalendar, at: datetime) -> datetime:
    """End of the working day ``at`` falls on (its local date), if ``at`` is before that end;
    otherwise the end of the next working day. ``at`` before opening counts as that day."""
    at = _utc(at, "at")
    for _day, spans in _working_days_from(cal, _local_date(cal, at)):
        if at < spans[-1][1]:
            return spans[-1][1]
    raise AssertionError("unreachable")  # pragma: no cover


def due_with_cutoff(cal: BusinessCalendar, received: datetime, rule: CutOff) -> datetime:
    """Deadline under a cut-off rule such as "before 14:00 -> today, else tomorrow 11:00".

    Let D be the local date of ``received`` and T its local wall time.

    * D is a working day, T < ``rule.cutoff`` and ``received`` is before D's end (this includes
      arriving before opening hours) -> the end of D (end of its last working interval).
    * Otherwise (T at/after the cut-off; D a weekend or holiday; or arriving after D's closing
      time even though before the cut-off) -> ``next_day_at`` on the first working day after D.
      If that instant is not working time, the deadline is the first working moment at or after
      it: the day's opening when ``next_day_at`` is before it (opening 12:00 -> 12:00), or the
      opening of the following working day when that day closes before ``next_day_at``.
    ``next_day_at`` is a wall time converted like interval bounds (fold=0).
    """
    received = _utc(received, "received")
    local = received.astimezone(cal.zone)
    day = local.date()
    wall = timedelta(
        hours=local.hour, minutes=local.minute, seconds=local.second, microseconds=local.microsecond
    )
    spans = _day_spans(cal, day)
    if spans and wall < timedelta(minutes=rule.cutoff) and received < spans[-1][1]:
        return spans[-1][1]
    next_day, _spans = next(_working_days_from(cal, day + _ONE_DAY))
    target = _wall_to_utc(cal.zone, next_day, rule.next_day_at)
    return next_working_moment(cal, max(target, received))


def next_update_due(cal: BusinessCalendar, last_update: datetime, every: timedelta) -> datetime:
    """When the next status update is due: ``every`` working time after ``last_update``."""
    _check_positive(every, "every")
    return add_working(cal, last_update, every)


def status_updates(
    cal: BusinessCalendar, start: datetime, every: timedelta, until: datetime
) -> list[datetime]:
    """Every moment in ``(start, until]`` at which a status update falls due, one each ``every``
    of working time after ``start`` (the k-th is ``add_working(start, k * every)``)."""
    _check_positive(every, "every")
    start, until = _utc(start, "start"), _utc(until, "until")
    due: list[datetime] = []
    moment = start
    while True:
        moment = add_working(cal, moment, every)
        if moment > until:
            return due
        due.append(moment)


def _check_duration(value: timedelta, name: str) -> None:
    if not isinstance(value, timedelta):
        raise ValueError(f"{name} must be a timedelta, not {type(value).__name__}")
    if value < _ZERO:
        raise ValueError(f"{name} must not be negative, got {value}")


def _check_positive(value: timedelta, name: str) -> None:
    _check_duration(value, name)
    if value == _ZERO:
        raise ValueError(f"{name} must be positive")


def _merged_pauses(
    paused: Sequence[tuple[datetime, datetime | None]], started: datetime
) -> tuple[list[Span], datetime | None]:
    """Closed pauses as sorted disjoint UTC spans from ``started`` on (those after the open pause
    began are dropped: the clock counts nothing from then on), and the open pause's start."""
    closed: list[Span] = []
    open_from: datetime | None = None
    for pause in paused:
        try:
            p_start, p_end = pause
        except (TypeError, ValueError):
            raise ValueError(f"a pause must be a (start, end or None) pair, not {pause!r}")
        p_start = _utc(p_start, "pause start")
        if p_end is None:
            open_from = p_start if open_from is None else min(open_from, p_start)
            continue
        p_end = _utc(p_end, "pause end")
        if p_end < p_start:
            raise ValueError(
                f"pause ends ({p_end.isoformat()}) before it starts ({p_start.isoformat()})"
            )
        p_start = max(p_start, started)
        if p_start < p_end:
            closed.append((p_start, p_end))
    closed.sort()
    merged: list[Span] = []
    for s, e in closed:
        if open_from is not None and s >= open_from:
            break
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    if open_from is not None:
        open_from = max(open_from, started)
    return merged, open_from


def remaining(
    cal: BusinessCalendar,
    started: datetime,
    target: timedelta,
    paused: Sequence[tuple[datetime, datetime | None]],
    now: datetime,
) -> timedelta:
    """Working time left on an SLA clock at ``now``: ``target`` minus the working time in
    ``[started, now)`` that was not paused. Negative when overdue; frozen while paused.

    ``paused`` holds ``(start, end)`` pairs, ``end=None`` for a pause still running; they may be
    in any order and may overlap (their union counts). Time before ``started`` is ignored.
    """
    started, now = _utc(started, "started"), _utc(now, "now")
    _check_duration(target, "target")
    closed, open_from = _merged_pauses(paused, started)
    counted_until = now if open_from is None else min(now, open_from)
    used = working_between(cal, started, counted_until)
    for s, e in closed:
        used -= working_between(cal, s, min(e, counted_until))
    return target - used


def due_after_pauses(
    cal: BusinessCalendar,
    started: datetime,
    target: timedelta,
    paused: Sequence[tuple[datetime, datetime | None]],
) -> datetime | None:
    """When a clock started at ``started`` runs out after ``target`` of unpaused working time,
    or ``None`` while a pause is still running (the due time is unknown until it ends).

    Each pause shifts the due time by exactly the working time it covered before the clock ran
    out: for ``target > 0`` the result equals ``add_working(started, target + P)`` where ``P``
    is the paused working time between ``started`` and the result. A pause that covers no
    working time (a night, a weekend) changes nothing. The interval-end convention of
    :func:`add_working` holds, where a pause start also ends an interval.
    """
    started = _utc(started, "started")
    _check_duration(target, "target")
    closed, open_from = _merged_pauses(paused, started)
    if open_from is not None:
        return None
    return _advance(_without(_spans_after(cal, started), closed), started, target)


def _without(spans: Iterator[Span], holes: list[Span]) -> Iterator[Span]:
    """``spans`` minus the sorted disjoint ``holes``."""
    i = 0
    for s, e in spans:
        while i < len(holes) and holes[i][1] <= s:
            i += 1
        j = i
        while s < e:
            if j >= len(holes) or holes[j][0] >= e:
                yield s, e
                break
            h_start, h_end = holes[j]
            if h_start > s:
                yield s, h_start
            s = h_end  # holes ending at or before s were skipped, so this moves forward
            j += 1
