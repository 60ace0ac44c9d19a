"""Working days in England and Wales: weekends and bank holidays are not working days.

The bank holidays come from the maintained `holidays` package, so that one proclaimed for a coronation or a state
funeral arrives with a package update rather than a change here.
"""
from datetime import timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def bank_holidays(year):
    """The days off, as GOV.UK publishes them: the package also lists a Christmas or New Year's Day that falls on a
    weekend, whose day off is the substitute it lists beside it."""
    return frozenset(day for day in holidays.UnitedKingdom(subdiv="ENG", years=year) if day.weekday() < 5)


def is_working_day(day):
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def next_working_day(day):
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_day_on_or_before(day):
    """Where a reminder that must arrive before a deadline goes when its day is a weekend or a bank holiday."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day
