"""Business-time engine for SLAs: worked examples a person can check on a wall calendar, then
properties over random calendars, zones (with DST) and instants."""

import pickle
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kartoteka.service.sla_clock import (
    BusinessCalendar,
    CutOff,
    add_working,
    due_after_pauses,
    due_with_cutoff,
    end_of_working_day,
    is_working,
    next_update_due,
    next_working_moment,
    remaining,
    status_updates,
    working_between,
)

H = timedelta(hours=1)
MIN = timedelta(minutes=1)
US = timedelta(microseconds=1)
WEEKDAYS = range(5)


def at(tz, y, mo, d, h=0, mi=0, s=0, fold=0):
    return datetime(y, mo, d, h, mi, s, tzinfo=ZoneInfo(tz), fold=fold)


def warsaw(*args, **kw):
    return at("Europe/Warsaw", *args, **kw)


def new_york(*args, **kw):
    return at("America/New_York", *args, **kw)


def office(tz="Europe/Warsaw", holidays=(), **extra_days):
    """Monday-Friday 09:00-18:00, plus any weekday given as e.g. ``d5=[(540, 600)]``."""
    hours = {day: [(9 * 60, 18 * 60)] for day in WEEKDAYS}
    hours.update({int(k[1:]): v for k, v in extra_days.items()})
    return BusinessCalendar(tz=tz, hours=hours, holidays=frozenset(holidays))


WARSAW_OFFICE = office(holidays={date(2025, 5, 1), date(2025, 11, 11), date(2025, 12, 25)})
TWO_PM_RULE = CutOff(cutoff=14 * 60, next_day_at=11 * 60)


# --- the 14:00 rule --------------------------------------------------------------------------


def test_request_at_13_59_on_a_monday_is_due_at_18_00_the_same_day():
    due = due_with_cutoff(WARSAW_OFFICE, warsaw(2025, 3, 3, 13, 59), TWO_PM_RULE)
    assert due == warsaw(2025, 3, 3, 18, 0)
    assert due == datetime(2025, 3, 3, 17, 0, tzinfo=UTC) and due.tzinfo is UTC


def test_request_at_13_59_59_is_still_before_the_cutoff():
    due = due_with_cutoff(WARSAW_OFFICE, warsaw(2025, 3, 3, 13, 59, 59), TWO_PM_RULE)
    assert due == warsaw(2025, 3, 3, 18, 0)


def test_request_at_14_00_is_due_at_11_00_next_working_day():
    due = due_with_cutoff(WARSAW_OFFICE, warsaw(2025, 3, 3, 14, 0), TWO_PM_RULE)
    assert due == warsaw(2025, 3, 4, 11, 0)


def test_friday_afternoon_request_is_due_monday_11_00():
    due = due_with_cutoff(WARSAW_OFFICE, warsaw(2025, 3, 7, 16, 30), TWO_PM_RULE)
    assert due == warsaw(2025, 3, 10, 11, 0)


def test_request_before_a_holiday_is_due_on_the_working_day_after_it():
    # 1 May 2025 is a Thursday holiday: Wednesday afternoon -> Friday 11:00.
    due = due_with_cutoff(WARSAW_OFFICE, warsaw(2025, 4, 30, 15, 0), TWO_PM_RULE)
    assert due == warsaw(2025, 5, 2, 11, 0)


def test_request_on_the_morning_before_a_holiday_is_still_due_that_evening():
    due = due_with_cutoff(WARSAW_OFFICE, warsaw(2025, 4, 30, 10, 0), TWO_PM_RULE)
    assert due == warsaw(2025, 4, 30, 18, 0)


def test_request_on_a_holiday_morning_is_due_at_11_00_the_next_day():
    due = due_with_cutoff(WARSAW_OFFICE, warsaw(2025, 11, 11, 9, 30), TWO_PM_RULE)
    assert due == warsaw(2025, 11, 12, 11, 0)


def test_saturday_request_is_due_monday_11_00_even_before_the_cutoff():
    due = due_with_cutoff(WARSAW_OFFICE, warsaw(2025, 3, 8, 9, 0), TWO_PM_RULE)
    assert due == warsaw(2025, 3, 10, 11, 0)


def test_request_at_7_00_before_opening_is_due_at_18_00_that_day():
    due = due_with_cutoff(WARSAW_OFFICE, warsaw(2025, 3, 3, 7, 0), TWO_PM_RULE)
    assert due == warsaw(2025, 3, 3, 18, 0)


def test_request_after_closing_but_before_a_late_cutoff_is_due_next_day():
    late_rule = CutOff(cutoff=20 * 60, next_day_at=11 * 60)
    due = due_with_cutoff(WARSAW_OFFICE, warsaw(2025, 3, 3, 19, 0), late_rule)
    assert due == warsaw(2025, 3, 4, 11, 0)


def test_next_day_at_before_a_late_opening_moves_to_the_opening():
    late_tuesday = office(d1=[(12 * 60, 18 * 60)])
    due = due_with_cutoff(late_tuesday, warsaw(2025, 3, 3, 15, 0), TWO_PM_RULE)
    assert due == warsaw(2025, 3, 4, 12, 0)


def test_next_day_closing_before_next_day_at_moves_to_the_following_opening():
    # Saturday is a working day of one hour, over before 11:00: the deadline is Monday 09:00.
    short_saturday = office(d5=[(9 * 60, 10 * 60)])
    due = due_with_cutoff(short_saturday, warsaw(2025, 3, 7, 15, 0), TWO_PM_RULE)
    assert due == warsaw(2025, 3, 10, 9, 0)


def test_cutoff_is_judged_on_local_time_of_the_calendar_not_of_the_input():
    vladivostok = office(tz="Asia/Vladivostok")
    # 04:00 UTC is 14:00 in Vladivostok (UTC+10): after the cut-off.
    due = due_with_cutoff(vladivostok, datetime(2025, 3, 3, 4, 0, tzinfo=UTC), TWO_PM_RULE)
    assert due == at("Asia/Vladivostok", 2025, 3, 4, 11, 0) == datetime(2025, 3, 4, 1, tzinfo=UTC)


# --- adding working time ---------------------------------------------------------------------


def test_four_working_hours_from_friday_16_00_end_monday_11_00_on_a_9_to_18_calendar():
    # Two hours on Friday (16-18), two on Monday (09-11).
    assert add_working(WARSAW_OFFICE, warsaw(2025, 3, 7, 16, 0), 4 * H) == warsaw(2025, 3, 10, 11)
    assert working_between(WARSAW_OFFICE, warsaw(2025, 3, 7, 16), warsaw(2025, 3, 10, 11)) == 4 * H


def test_four_working_hours_from_friday_16_00_end_monday_12_00_on_a_9_to_17_calendar():
    nine_to_five = BusinessCalendar(tz="Europe/Warsaw", hours={d: [(540, 1020)] for d in WEEKDAYS})
    assert add_working(nine_to_five, warsaw(2025, 3, 7, 16, 0), 4 * H) == warsaw(2025, 3, 10, 12)


def test_work_that_ends_at_closing_time_is_due_at_closing_not_next_morning():
    assert add_working(WARSAW_OFFICE, warsaw(2025, 3, 3, 16, 0), 2 * H) == warsaw(2025, 3, 3, 18)


def test_starting_after_hours_counts_from_the_next_opening():
    assert add_working(WARSAW_OFFICE, warsaw(2025, 3, 3, 20, 0), H) == warsaw(2025, 3, 4, 10)


def test_zero_working_time_means_now_in_hours_and_the_next_opening_outside():
    assert add_working(WARSAW_OFFICE, warsaw(2025, 3, 3, 10, 0), timedelta(0)) == warsaw(
        2025, 3, 3, 10
    )
    assert add_working(WARSAW_OFFICE, warsaw(2025, 3, 8, 10, 0), timedelta(0)) == warsaw(
        2025, 3, 10, 9
    )


def test_thirty_working_days_skip_weekends_and_the_may_holiday():
    # From Monday 28 April: 3 days, 1 May off, then 27 more ending on Monday 9 June at closing.
    due = add_working(WARSAW_OFFICE, warsaw(2025, 4, 28, 9, 0), 30 * 9 * H)
    assert due == warsaw(2025, 6, 9, 18, 0)


def test_working_time_between_reversed_instants_is_zero():
    assert working_between(WARSAW_OFFICE, warsaw(2025, 3, 4), warsaw(2025, 3, 3)) == timedelta(0)


def test_open_and_closed_instants():
    assert is_working(WARSAW_OFFICE, warsaw(2025, 3, 3, 9, 0))
    assert not is_working(WARSAW_OFFICE, warsaw(2025, 3, 3, 18, 0))
    assert not is_working(WARSAW_OFFICE, warsaw(2025, 5, 1, 12, 0))
    assert next_working_moment(WARSAW_OFFICE, warsaw(2025, 4, 30, 18, 0)) == warsaw(2025, 5, 2, 9)


LUNCH = BusinessCalendar(
    tz="Europe/Warsaw", hours={day: [(9 * 60, 13 * 60), (14 * 60, 18 * 60)] for day in WEEKDAYS}
)


def test_lunch_break_is_not_working_time():
    assert add_working(LUNCH, warsaw(2025, 3, 3, 11, 0), 3 * H) == warsaw(2025, 3, 3, 15, 0)
    assert working_between(LUNCH, warsaw(2025, 3, 3, 12), warsaw(2025, 3, 3, 15)) == 2 * H


def test_work_ending_when_lunch_starts_is_due_at_13_00():
    assert add_working(LUNCH, warsaw(2025, 3, 3, 11, 0), 2 * H) == warsaw(2025, 3, 3, 13, 0)


def test_request_during_lunch_starts_counting_at_14_00():
    assert not is_working(LUNCH, warsaw(2025, 3, 3, 13, 30))
    assert next_working_moment(LUNCH, warsaw(2025, 3, 3, 13, 30)) == warsaw(2025, 3, 3, 14, 0)
    assert add_working(LUNCH, warsaw(2025, 3, 3, 13, 30), H) == warsaw(2025, 3, 3, 15, 0)


def test_end_of_working_day_is_after_the_afternoon_interval():
    assert end_of_working_day(LUNCH, warsaw(2025, 3, 3, 10)) == warsaw(2025, 3, 3, 18)
    assert end_of_working_day(LUNCH, warsaw(2025, 3, 3, 7)) == warsaw(2025, 3, 3, 18)
    assert end_of_working_day(LUNCH, warsaw(2025, 3, 3, 18)) == warsaw(2025, 3, 4, 18)
    assert end_of_working_day(LUNCH, warsaw(2025, 3, 8, 12)) == warsaw(2025, 3, 10, 18)


def test_adjacent_intervals_behave_as_one():
    split = BusinessCalendar(tz="UTC", hours={0: [(540, 780), (780, 1080)]})
    monday = datetime(2025, 3, 3, 9, tzinfo=UTC)
    assert add_working(split, monday, 4 * H) == monday + 4 * H
    assert add_working(split, monday, 9 * H) == monday + 9 * H


def test_vladivostok_monday_morning_deadline_is_still_sunday_in_utc():
    vladivostok = office(tz="Asia/Vladivostok")
    due = add_working(vladivostok, at("Asia/Vladivostok", 2025, 3, 7, 17, 30), H)
    assert due == at("Asia/Vladivostok", 2025, 3, 10, 9, 30)
    assert due == datetime(2025, 3, 9, 23, 30, tzinfo=UTC)


# --- DST -------------------------------------------------------------------------------------


def test_new_york_office_stays_9_to_5_local_across_spring_forward():
    ny = BusinessCalendar(tz="America/New_York", hours={d: [(540, 1020)] for d in WEEKDAYS})
    friday = new_york(2025, 3, 7, 16, 0)  # EST, 21:00 UTC
    due = add_working(ny, friday, 2 * H)
    assert due == new_york(2025, 3, 10, 10, 0) == datetime(2025, 3, 10, 14, tzinfo=UTC)  # EDT
    assert working_between(ny, new_york(2025, 3, 10, 0), new_york(2025, 3, 11, 0)) == 8 * H


def test_new_york_office_stays_9_to_5_local_across_fall_back():
    ny = BusinessCalendar(tz="America/New_York", hours={d: [(540, 1020)] for d in WEEKDAYS})
    due = add_working(ny, new_york(2025, 10, 31, 16, 0), 2 * H)  # EDT, 20:00 UTC
    assert due == new_york(2025, 11, 3, 10, 0) == datetime(2025, 11, 3, 15, tzinfo=UTC)  # EST


def test_whole_day_lasts_23_hours_on_spring_forward_and_25_on_fall_back():
    sundays = BusinessCalendar(tz="America/New_York", hours={6: [(0, 1440)]})
    spring = working_between(sundays, new_york(2025, 3, 8), new_york(2025, 3, 11))
    fall = working_between(sundays, new_york(2025, 11, 1), new_york(2025, 11, 4))
    assert (spring, fall) == (23 * H, 25 * H)


def test_always_open_calendar_adds_real_time_across_spring_forward():
    warsaw_24_7 = BusinessCalendar.always("Europe/Warsaw")
    due = add_working(warsaw_24_7, warsaw(2025, 3, 29, 12, 0), 24 * H)
    assert due == warsaw(2025, 3, 30, 13, 0)


def test_lord_howe_half_hour_dst_makes_a_24_and_a_half_hour_sunday():
    lord_howe = BusinessCalendar(tz="Australia/Lord_Howe", hours={6: [(0, 1440)]})
    start, end = at("Australia/Lord_Howe", 2025, 4, 5), at("Australia/Lord_Howe", 2025, 4, 8)
    assert working_between(lord_howe, start, end) == 24 * H + 30 * MIN


def test_opening_time_that_does_not_exist_maps_forward_by_the_gap():
    # 2025-03-09 in New York: 02:00 EST jumps to 03:00 EDT. 02:30 is read like zoneinfo reads
    # it (fold=0, the offset before the jump), i.e. 03:30 EDT; the interval keeps its end 05:00.
    early_sunday = BusinessCalendar(tz="America/New_York", hours={6: [(150, 300)]})
    opening = next_working_moment(early_sunday, new_york(2025, 3, 9, 0, 0))
    assert opening == new_york(2025, 3, 9, 3, 30) == datetime(2025, 3, 9, 7, 30, tzinfo=UTC)
    assert working_between(early_sunday, new_york(2025, 3, 9), new_york(2025, 3, 10)) == 90 * MIN
    assert working_between(early_sunday, new_york(2025, 3, 16), new_york(2025, 3, 17)) == 150 * MIN


def test_interval_swallowed_by_the_spring_forward_gap_has_no_working_time_that_day():
    # Warsaw, 2025-03-30: 02:30 maps to 03:30 CEST, so 02:30-03:30 is empty that Sunday only.
    in_the_gap = BusinessCalendar(tz="Europe/Warsaw", hours={6: [(150, 210)]})
    assert working_between(in_the_gap, warsaw(2025, 3, 30), warsaw(2025, 3, 31)) == timedelta(0)
    assert next_working_moment(in_the_gap, warsaw(2025, 3, 30)) == warsaw(2025, 4, 6, 2, 30)


def test_opening_time_that_happens_twice_means_the_first_occurrence():
    # 2025-11-02 in New York: 01:00-02:00 happens twice. 01:30 is the EDT one; 03:00 is EST.
    early_sunday = BusinessCalendar(tz="America/New_York", hours={6: [(90, 180)]})
    opening = next_working_moment(early_sunday, new_york(2025, 11, 2, 0, 0))
    assert opening == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)
    assert working_between(early_sunday, new_york(2025, 11, 2), new_york(2025, 11, 3)) == 150 * MIN
    assert is_working(early_sunday, new_york(2025, 11, 2, 1, 30, fold=1))


def test_intervals_pushed_into_each_other_by_the_gap_are_counted_once():
    # Warsaw, 2025-03-30: 02:10-02:50 maps to 03:10-03:50 CEST and so overlaps 03:05-04:00.
    squeezed = BusinessCalendar(tz="Europe/Warsaw", hours={6: [(130, 170), (185, 240)]})
    assert working_between(squeezed, warsaw(2025, 3, 30), warsaw(2025, 3, 31)) == 55 * MIN
    assert next_working_moment(squeezed, warsaw(2025, 3, 30)) == warsaw(2025, 3, 30, 3, 5)
    assert add_working(squeezed, warsaw(2025, 3, 30), 55 * MIN) == warsaw(2025, 3, 30, 4, 0)


def test_samoa_skipped_30_december_2011_has_no_working_time():
    # Apia went from Thursday 29 December 23:59 (-10) straight to Saturday 31 December (+14).
    daily = BusinessCalendar(tz="Pacific/Apia", hours={day: [(540, 1080)] for day in range(7)})
    assert working_between(
        daily, at("Pacific/Apia", 2011, 12, 29), at("Pacific/Apia", 2012, 1, 1)
    ) == (18 * H)
    due = add_working(daily, at("Pacific/Apia", 2011, 12, 29, 17), 2 * H)
    assert due == at("Pacific/Apia", 2011, 12, 31, 10)


def test_gap_straddling_midnight_keeps_the_late_shift_one_real_hour():
    # Toronto, 30 March 1919: 23:30 EST jumped to 00:30 EDT. Sunday 23:00-24:00 ends at 24:00
    # read with the old offset (01:00 EDT): one real hour, covering 00:40 EDT although that
    # instant's local date is already Monday.
    late_shift = BusinessCalendar(tz="America/Toronto", hours={6: [(23 * 60, 1440)]})
    sunday = at("America/Toronto", 1919, 3, 30, 12)
    assert working_between(late_shift, sunday, sunday + 24 * H) == H
    monday_00_40 = at("America/Toronto", 1919, 3, 31, 0, 40)
    assert is_working(late_shift, monday_00_40)
    assert next_working_moment(late_shift, monday_00_40) == monday_00_40
    assert add_working(late_shift, monday_00_40, 20 * MIN) == at("America/Toronto", 1919, 3, 31, 1)
    assert add_working(late_shift, sunday, H) == datetime(1919, 3, 31, 5, tzinfo=UTC)


# --- status updates and pauses ---------------------------------------------------------------


def test_status_update_every_four_working_hours():
    updates = status_updates(WARSAW_OFFICE, warsaw(2025, 3, 3, 10), 4 * H, warsaw(2025, 3, 4, 17))
    assert updates == [
        warsaw(2025, 3, 3, 14),
        warsaw(2025, 3, 3, 18),
        warsaw(2025, 3, 4, 13),
        warsaw(2025, 3, 4, 17),
    ]
    assert next_update_due(WARSAW_OFFICE, warsaw(2025, 3, 3, 14), 4 * H) == warsaw(2025, 3, 3, 18)


MONDAY_10 = warsaw(2025, 3, 3, 10)


def test_pause_waiting_for_customer_moves_the_due_time_by_the_paused_working_hours():
    assert due_after_pauses(WARSAW_OFFICE, MONDAY_10, 8 * H, []) == warsaw(2025, 3, 3, 18)
    pause = [(warsaw(2025, 3, 3, 12), warsaw(2025, 3, 3, 15))]
    assert due_after_pauses(WARSAW_OFFICE, MONDAY_10, 8 * H, pause) == warsaw(2025, 3, 4, 12)


def test_overnight_pause_only_counts_its_working_hours():
    pause = [(warsaw(2025, 3, 3, 17), warsaw(2025, 3, 4, 10))]  # 17-18 and 09-10: two hours
    assert due_after_pauses(WARSAW_OFFICE, MONDAY_10, 8 * H, pause) == warsaw(2025, 3, 4, 11)


def test_weekend_pause_changes_nothing():
    pause = [(warsaw(2025, 3, 7, 18), warsaw(2025, 3, 10, 9))]
    friday = warsaw(2025, 3, 7, 10)
    assert due_after_pauses(WARSAW_OFFICE, friday, 16 * H, pause) == warsaw(2025, 3, 10, 17)


def test_overlapping_and_unsorted_pauses_count_once():
    pauses = [
        (warsaw(2025, 3, 3, 14), warsaw(2025, 3, 3, 15)),
        (warsaw(2025, 3, 3, 12), warsaw(2025, 3, 3, 14, 30)),
        (warsaw(2025, 3, 3, 9), warsaw(2025, 3, 3, 9, 30)),  # before the ticket started
    ]
    assert due_after_pauses(WARSAW_OFFICE, MONDAY_10, 8 * H, pauses) == warsaw(2025, 3, 4, 12)


def test_remaining_time_ignores_the_pause():
    pause = [(warsaw(2025, 3, 3, 12), warsaw(2025, 3, 3, 15))]
    assert remaining(WARSAW_OFFICE, MONDAY_10, 8 * H, pause, warsaw(2025, 3, 3, 16)) == 5 * H


def test_open_pause_has_no_due_time_and_freezes_the_remaining_time():
    pause = [(warsaw(2025, 3, 3, 12), None)]
    assert due_after_pauses(WARSAW_OFFICE, MONDAY_10, 8 * H, pause) is None
    left_soon = remaining(WARSAW_OFFICE, MONDAY_10, 8 * H, pause, warsaw(2025, 3, 3, 13))
    left_later = remaining(WARSAW_OFFICE, MONDAY_10, 8 * H, pause, warsaw(2025, 3, 12, 13))
    assert left_soon == left_later == 6 * H


def test_overdue_ticket_has_negative_remaining_time():
    assert remaining(WARSAW_OFFICE, MONDAY_10, 8 * H, [], warsaw(2025, 3, 4, 10)) == -H


# --- bad input -------------------------------------------------------------------------------

NINE_TO_SIX = [(540, 1080)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tz": "Europe/Warszawa", "hours": {0: NINE_TO_SIX}}, "unknown time zone"),
        ({"tz": "", "hours": {0: NINE_TO_SIX}}, "IANA name"),
        ({"tz": "../../etc/passwd", "hours": {0: NINE_TO_SIX}}, "unknown time zone"),
        ({"tz": "UTC", "hours": {0: [(600, 540)]}}, "0 <= start < end <= 1440"),
        ({"tz": "UTC", "hours": {0: [(540, 540)]}}, "0 <= start < end <= 1440"),
        ({"tz": "UTC", "hours": {0: [(-60, 540)]}}, "0 <= start < end <= 1440"),
        ({"tz": "UTC", "hours": {0: [(540, 1441)]}}, "0 <= start < end <= 1440"),
        (
            {"tz": "UTC", "hours": {0: [(540, 780), (720, 1080)]}},
            "Monday: interval 12:00-18:00 overlaps",
        ),
        ({"tz": "UTC", "hours": {0: [(840, 1080), (540, 780)]}}, "must be sorted"),
        ({"tz": "UTC", "hours": {0: [(9.5, 18)]}}, "whole minutes"),
        ({"tz": "UTC", "hours": {0: [(540,)]}}, "not a (start, end) pair"),
        ({"tz": "UTC", "hours": {0: "09-18"}}, "list of (start, end) pairs"),
        ({"tz": "UTC", "hours": {7: NINE_TO_SIX}}, "weekday must be an integer 0"),
        ({"tz": "UTC", "hours": {}}, "no working time in the week"),
        ({"tz": "UTC", "hours": {0: [], 6: []}}, "no working time in the week"),
        ({"tz": "UTC", "hours": [NINE_TO_SIX]}, "hours must map a weekday"),
        (
            {"tz": "UTC", "hours": {0: NINE_TO_SIX}, "holidays": {datetime(2025, 5, 1)}},
            "is not a date",
        ),
        ({"tz": "UTC", "hours": {0: NINE_TO_SIX}, "holidays": date(2025, 5, 1)}, "collection"),
    ],
)
def test_calendar_rejects_bad_definitions_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        BusinessCalendar(**kwargs)


def test_calendar_is_immutable_and_hashable():
    hours = {0: [[540, 1080]]}
    cal = BusinessCalendar(tz="UTC", hours=hours, holidays={date(2025, 5, 5)})
    hours[0].append([1100, 1200])  # the caller's dict does not leak into the calendar
    assert cal.hours[0] == ((540, 1080),)
    assert cal == BusinessCalendar(tz="UTC", hours={0: [(540, 1080)]}, holidays=[date(2025, 5, 5)])
    same_with_an_empty_thursday = BusinessCalendar(
        tz="UTC", hours={0: [(540, 1080)], 3: []}, holidays=[date(2025, 5, 5)]
    )
    assert len({cal, same_with_an_empty_thursday}) == 1
    with pytest.raises(TypeError):
        cal.hours[1] = ((0, 60),)


def test_calendar_survives_pickling_for_the_task_queue():
    restored = pickle.loads(pickle.dumps(WARSAW_OFFICE))
    assert restored == WARSAW_OFFICE and hash(restored) == hash(WARSAW_OFFICE)
    assert add_working(restored, MONDAY_10, 9 * H) == warsaw(2025, 3, 4, 10)


@pytest.mark.parametrize(
    ("cutoff", "next_day_at"), [(-1, 660), (1441, 660), (840, 1440), (840, -5), (14.0, 660)]
)
def test_cutoff_rule_rejects_times_outside_the_day(cutoff, next_day_at):
    with pytest.raises(ValueError, match="minutes of day"):
        CutOff(cutoff=cutoff, next_day_at=next_day_at)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working(WARSAW_OFFICE, datetime(2025, 3, 3, 10), H)
    with pytest.raises(ValueError, match="timezone-aware"):
        working_between(WARSAW_OFFICE, MONDAY_10, datetime(2025, 3, 4))


def test_negative_or_zero_durations_are_refused_where_meaningless():
    with pytest.raises(ValueError, match="must not be negative"):
        add_working(WARSAW_OFFICE, MONDAY_10, -H)
    with pytest.raises(ValueError, match="every must be positive"):
        status_updates(WARSAW_OFFICE, MONDAY_10, timedelta(0), warsaw(2025, 3, 4))
    with pytest.raises(ValueError, match="pause ends .* before it starts"):
        due_after_pauses(WARSAW_OFFICE, MONDAY_10, H, [(warsaw(2025, 3, 3, 12), MONDAY_10)])


def test_calendar_without_working_time_for_years_gives_up_instead_of_looping():
    mondays = [date(2025, 1, 6) + timedelta(weeks=n) for n in range(4 * 53)]
    never = BusinessCalendar(tz="UTC", hours={0: NINE_TO_SIX}, holidays=frozenset(mondays))
    new_year = datetime(2025, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="no working time in the 1098 days"):
        add_working(never, new_year, H)
    with pytest.raises(ValueError, match="no working time"):
        due_with_cutoff(never, new_year, TWO_PM_RULE)
    assert working_between(never, new_year, datetime(2028, 12, 1, tzinfo=UTC)) == timedelta(0)


# --- properties over random calendars --------------------------------------------------------

ZONES = [
    "Europe/Warsaw",
    "Europe/Moscow",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Vladivostok",
    "UTC",
]
PROPERTY = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# A third of the bounds are any minute, a third half-hour marks, a third marks around the
# usual DST jumps (02:00 -> 03:00, 02:00 -> 02:30, 00:00 -> 01:00), so intervals often start or
# end inside a gap or a repeated hour.
DST_MARKS = (0, 30, 60, 90, 100, 120, 130, 150, 170, 180, 185, 210, 240, 1440)
minutes_of_day = st.integers(0, 3 * 1441 - 1).map(
    lambda v: v if v <= 1440 else (v - 1441) // 30 * 30 if v <= 2881 else DST_MARKS[v % 14]
)


@cache
def transition_days(tz, years=range(2024, 2027)):
    """Local dates on which the zone's UTC offset changes."""
    zone, days = ZoneInfo(tz), []
    day = date(years[0], 1, 1)
    offset = datetime.combine(day, time(), tzinfo=zone).utcoffset()
    while day.year in years:
        day += timedelta(days=1)
        following = datetime.combine(day, time(), tzinfo=zone).utcoffset()
        if following != offset:
            days.append(day - timedelta(days=1))
        offset = following
    return tuple(days)


HOLIDAY_RANGE = (date(2023, 12, 1), 1200)  # first day, number of days


@st.composite
def calendars(draw, zones=st.sampled_from(ZONES)):
    tz = draw(zones)
    points = draw(st.lists(st.tuples(st.integers(0, 6), minutes_of_day), max_size=24))
    hours = {}
    for day in range(7):
        marks = sorted({m for d, m in points if d == day})
        hours[day] = list(zip(marks[0 : len(marks) - 1 : 2], marks[1::2], strict=True))
    if not any(hours.values()):
        hours[draw(st.integers(0, 6))] = [(9 * 60, 18 * 60)]
    first, length = HOLIDAY_RANGE
    offsets = draw(st.lists(st.integers(0, length), max_size=30))
    holidays = frozenset(first + timedelta(days=n) for n in offsets)
    return BusinessCalendar(tz=tz, hours=hours, holidays=holidays)


def weekly_minutes(cal):
    return sum(e - s for intervals in cal.hours.values() for s, e in intervals)


@st.composite
def instants(draw, cal):
    """Aware instants in the calendar's zone, often in DST months and on interval bounds."""
    transitions = transition_days(cal.tz)
    if transitions and draw(st.booleans()):
        day = draw(st.sampled_from(transitions)) + timedelta(days=draw(st.integers(-1, 1)))
    else:
        year = draw(st.integers(2024, 2026))
        month = draw(st.sampled_from([3, 3, 4, 10, 10, 11, 1, 6, 9, 12]))
        last = ((date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)).day
        day = date(year, month, draw(st.integers(1, last)))
    bounds = [m for intervals in cal.hours.values() for pair in intervals for m in pair]
    minute = draw(
        st.one_of(
            st.integers(0, 1439),
            st.sampled_from([0, 90, 120, 150, 180, 1380]),
            st.sampled_from(bounds).map(lambda m: min(m, 1439)),
        )
    )
    moment = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=cal.zone)
    moment = moment.replace(fold=draw(st.integers(0, 1)))
    jitter = draw(st.one_of(st.just(timedelta(0)), st.timedeltas(-H, H)))
    shown_in = draw(st.sampled_from([cal.zone, UTC, ZoneInfo("Asia/Tokyo")]))
    return (utc(moment) + jitter).astimezone(shown_in)


@st.composite
def durations(draw, cal, weeks=6):
    most = min(timedelta(days=20), timedelta(minutes=weekly_minutes(cal) * weeks))
    return draw(
        st.one_of(
            st.just(timedelta(0)),
            st.integers(0, most // timedelta(minutes=15)).map(lambda n: n * 15 * MIN),
            st.timedeltas(timedelta(0), most),
        )
    )


@st.composite
def scenarios(draw, zones=st.sampled_from(ZONES)):
    cal = draw(calendars(zones))
    return cal, draw(instants(cal)), draw(durations(cal))


def utc(moment):
    """Arithmetic on a datetime with a ZoneInfo is wall-clock arithmetic; tests want real time."""
    return moment.astimezone(UTC)


def is_interval_end(cal, moment):
    return not is_working(cal, moment) and is_working(cal, moment - US)


@PROPERTY
@given(scenarios())
def test_working_time_between_start_and_deadline_is_the_amount_added(scenario):
    cal, start, delta = scenario
    due = add_working(cal, start, delta)
    assert working_between(cal, start, due) == delta
    assert due.tzinfo is UTC and due >= start
    if delta > timedelta(0):
        # ... and the deadline is the earliest such moment.
        assert working_between(cal, start, due - US) < delta


@PROPERTY
@given(scenarios(), st.data())
def test_adding_in_two_steps_is_adding_the_sum_when_the_second_step_is_positive(scenario, data):
    cal, start, first = scenario
    second = data.draw(durations(cal, weeks=2))
    halfway = add_working(cal, start, first)
    if second > timedelta(0):
        assert add_working(cal, halfway, second) == add_working(cal, start, first + second)
    else:
        # Zero more work from an interval end waits for the next opening.
        assert add_working(cal, halfway, second) == next_working_moment(cal, halfway)


@PROPERTY
@given(scenarios(), st.data())
def test_later_start_or_more_work_never_gives_an_earlier_deadline(scenario, data):
    cal, start, delta = scenario
    later = utc(start) + data.draw(st.timedeltas(timedelta(0), timedelta(days=3)))
    more = delta + data.draw(st.timedeltas(timedelta(0), timedelta(hours=30)))
    due = add_working(cal, start, delta)
    assert add_working(cal, later, delta) >= due
    assert add_working(cal, start, more) >= due


@PROPERTY
@given(scenarios())
def test_deadline_is_in_working_time_or_exactly_at_an_interval_end(scenario):
    cal, start, delta = scenario
    due = add_working(cal, start, delta)
    if delta > timedelta(0):
        assert is_working(cal, due) or is_interval_end(cal, due)
    else:
        assert is_working(cal, due)


@PROPERTY
@given(scenarios())
def test_next_working_moment_is_working_and_nothing_is_skipped_on_the_way(scenario):
    cal, moment, _ = scenario
    opening = next_working_moment(cal, moment)
    assert opening >= moment and is_working(cal, opening)
    assert working_between(cal, moment, opening) == timedelta(0)
    assert (opening == moment) == is_working(cal, moment)


@PROPERTY
@given(scenarios(), st.data())
def test_working_time_of_consecutive_periods_adds_up(scenario, data):
    cal, a, _ = scenario
    b = utc(a) + data.draw(st.timedeltas(timedelta(0), timedelta(days=10)))
    c = b + data.draw(st.timedeltas(timedelta(0), timedelta(days=10)))
    assert working_between(cal, a, b) + working_between(cal, b, c) == working_between(cal, a, c)
    assert working_between(cal, a, c) <= c - a


@PROPERTY
@given(scenarios(zones=st.just("UTC")))
def test_round_the_clock_calendar_in_utc_adds_plain_time(scenario):
    _, start, delta = scenario
    cal = BusinessCalendar.always()
    assert add_working(cal, start, delta) == utc(start) + delta


@PROPERTY
@given(scenarios())
def test_round_the_clock_calendar_in_any_zone_adds_real_elapsed_time(scenario):
    cal, start, delta = scenario
    always = BusinessCalendar.always(cal.tz)
    assert add_working(always, start, delta) == utc(start) + delta
    assert working_between(always, start, utc(start) + delta) == delta


@PROPERTY
@given(scenarios())
def test_is_working_agrees_with_the_wall_clock_on_days_without_a_dst_change(scenario):
    cal, moment, _ = scenario
    local = moment.astimezone(cal.zone)
    midnight = datetime.combine(local.date(), time(), tzinfo=cal.zone)
    next_midnight = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=cal.zone)
    assume(midnight.utcoffset() == next_midnight.utcoffset() == local.utcoffset())
    wall = local - local.replace(hour=0, minute=0, second=0, microsecond=0)
    intervals = () if local.date() in cal.holidays else cal.hours.get(local.weekday(), ())
    expected = any(s * MIN <= wall < e * MIN for s, e in intervals)
    assert is_working(cal, moment) == expected


def working_by_definition(cal, moment):
    """The module docstring, literally: each local day's bounds read with fold=0 and clipped to
    that day's midnights; no merging, no caching."""
    moment = utc(moment)

    def instant(day, minute):
        naive = datetime.combine(day, time()) + minute * MIN
        return naive.replace(tzinfo=cal.zone).astimezone(UTC)

    local_day = moment.astimezone(cal.zone).date()
    for day in (local_day - timedelta(days=1), local_day, local_day + timedelta(days=1)):
        if day in cal.holidays:
            continue
        for start, end in cal.hours.get(day.weekday(), ()):
            lower = max(instant(day, start), instant(day, 0))
            if lower <= moment < min(instant(day, end), instant(day, 1440)):
                return True
    return False


@PROPERTY
@given(scenarios(), st.integers(-3 * 60, 3 * 60))
def test_is_working_matches_the_definition_also_on_dst_days(scenario, minutes):
    cal, moment, _ = scenario
    moment = utc(moment) + minutes * MIN
    assert is_working(cal, moment) == working_by_definition(cal, moment)


@settings(PROPERTY, max_examples=60)
@given(scenarios(), st.integers(0, 36 * 60))
def test_working_time_counts_working_minutes_on_a_minute_grid(scenario, minutes):
    # Every zone offset here is whole minutes, so working status is constant within a minute.
    cal, start, _ = scenario
    start = utc(start).replace(second=0, microsecond=0)
    marks = [start + n * MIN for n in range(minutes)]
    working = sum(1 for mark in marks if is_working(cal, mark))
    assert working_between(cal, start, start + minutes * MIN) == working * MIN


@PROPERTY
@given(scenarios(), st.integers(0, 1440), st.integers(0, 1439))
def test_cutoff_deadline_is_after_receipt_and_within_the_next_working_day(scenario, cut, nxt):
    cal, received, _ = scenario
    due = due_with_cutoff(cal, received, CutOff(cutoff=cut, next_day_at=nxt))
    assert due >= received
    assert is_working(cal, due) or is_interval_end(cal, due)
    local = received.astimezone(cal.zone)
    midnight = datetime.combine(local.date(), time(), tzinfo=cal.zone)
    # At the latest it is the opening of the second working day after the day of receipt (when
    # the first one closes before next_day_at).
    tomorrow = midnight + timedelta(days=1)
    assert due <= end_of_working_day(cal, end_of_working_day(cal, tomorrow))
    todays_end = end_of_working_day(cal, midnight)
    works_today = todays_end <= tomorrow  # instants: the tz objects differ
    if works_today and local.hour * 60 + local.minute < cut and received < todays_end:
        assert due == todays_end
    else:
        assert is_working(cal, due) and due.astimezone(cal.zone).date() > local.date()


@PROPERTY
@given(scenarios())
def test_end_of_working_day_is_a_closing_time_after_the_moment(scenario):
    cal, moment, _ = scenario
    closing = end_of_working_day(cal, moment)
    assert closing > moment and is_working(cal, closing - US)
    # Work may go on past closing only when the next day starts straight after midnight.
    if is_working(cal, closing):
        assert closing.astimezone(cal.zone).time() == time(0, 0)


@PROPERTY
@given(scenarios(), st.integers(1, 8 * 4))
def test_status_updates_fall_every_n_working_hours(scenario, quarter_hours):
    cal, start, span = scenario
    every = quarter_hours * 15 * MIN
    updates = status_updates(cal, start, every, add_working(cal, start, span))
    assert updates == [add_working(cal, start, k * every) for k in range(1, len(updates) + 1)]
    assert add_working(cal, start, (len(updates) + 1) * every) > add_working(cal, start, span)
    if updates:
        assert next_update_due(cal, updates[-1], every) == add_working(
            cal, start, (len(updates) + 1) * every
        )


def merged(spans):
    out = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


@st.composite
def pauses(draw, start):
    offsets = st.integers(-24 * 60, 14 * 24 * 60).map(lambda m: utc(start) + m * MIN)
    pairs = draw(st.lists(st.tuples(offsets, st.integers(0, 3 * 24 * 60)), max_size=4))
    return [(p, p + length * MIN) for p, length in pairs]


@PROPERTY
@given(scenarios(), st.data())
def test_pauses_shift_the_due_time_by_the_working_time_they_cover(scenario, data):
    cal, start, target = scenario
    paused = data.draw(pauses(start))
    due = due_after_pauses(cal, start, target, paused)
    assert due is not None
    covered = sum(
        (working_between(cal, max(s, start), min(e, due)) for s, e in merged(paused)),
        timedelta(0),
    )
    if target > timedelta(0):
        assert due == add_working(cal, start, target + covered)
        assert remaining(cal, start, target, paused, due - US) > timedelta(0)
    assert remaining(cal, start, target, paused, due) == timedelta(0)
    if not paused:
        assert due == add_working(cal, start, target)


@PROPERTY
@given(scenarios(), st.data())
def test_an_open_pause_freezes_the_clock(scenario, data):
    cal, start, target = scenario
    paused = data.draw(pauses(start))
    open_from = utc(start) + data.draw(st.timedeltas(timedelta(0), timedelta(days=5)))
    paused.append((open_from, None))
    assert due_after_pauses(cal, start, target, paused) is None
    later = open_from + data.draw(st.timedeltas(timedelta(0), timedelta(days=30)))
    frozen = remaining(cal, start, target, paused, open_from)
    assert remaining(cal, start, target, paused, later) == frozen
