"""Working days in England and Wales: weekends and bank holidays are not working days."""
from datetime import date, timedelta
from functools import lru_cache

#: one-off changes announced by proclamation: (year) -> (days added, days removed)
SPECIAL = {
    2020: ({date(2020, 5, 8)}, {date(2020, 5, 4)}),
    2022: ({date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19)}, {date(2022, 5, 30)}),
    2023: ({date(2023, 5, 8)}, set()),
}


def easter_sunday(year):
    """The Gregorian computus (Anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    week = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * week) // 451
    month = (h + week - 7 * m + 114) // 31
    day = (h + week - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _first_monday(year, month):
    day = date(year, month, 1)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _last_monday(year, month):
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=day.weekday())


@lru_cache(maxsize=64)
def bank_holidays(year):
    easter = easter_sunday(year)
    days = {easter - timedelta(days=2), easter + timedelta(days=1), _first_monday(year, 5),
            _last_monday(year, 5), _last_monday(year, 8)}
    new_year = date(year, 1, 1)
    days.add(new_year + timedelta(days={5: 2, 6: 1}.get(new_year.weekday(), 0)))
    christmas, boxing = date(year, 12, 25), date(year, 12, 26)
    if christmas.weekday() == 5:  # Saturday: Monday and Tuesday
        days |= {date(year, 12, 27), date(year, 12, 28)}
    elif christmas.weekday() == 6:  # Sunday: Boxing Day Monday, Christmas substitute Tuesday
        days |= {boxing, date(year, 12, 27)}
    elif christmas.weekday() == 4:  # Friday: Boxing Day Saturday moves to Monday
        days |= {christmas, date(year, 12, 28)}
    else:
        days |= {christmas, boxing}
    added, removed = SPECIAL.get(year, (set(), set()))
    return frozenset((days - removed) | added)


def is_working_day(day):
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def next_working_day(day):
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day
