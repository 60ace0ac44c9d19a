"""Cells as real action plans hold them, read the one way people mean them, and anything else read as nothing
rather than guessed at."""
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.plans.cells import (
    COMPOUND_NAMES,
    Completion,
    PlanDate,
    parse_completion,
    parse_date,
    parse_status,
    scope_of,
    split_names,
)
from tracker.spreadsheets import label_key

OCT_31 = PlanDate(date(2016, 10, 31))
OCTOBER = PlanDate(date(2016, 10, 31), is_month=True)
MARCH_2017 = PlanDate(date(2017, 3, 31), is_month=True)


@pytest.mark.parametrize("value, expected", [
    ("31/10/2016", OCT_31),
    ("31 October 2016", OCT_31),
    ("31st October 2016", OCT_31),
    ("31st of October, 2016", OCT_31),
    ("31 Oct 2016", OCT_31),
    ("31 Oct. 2016", OCT_31),
    ("31-Oct-16", OCT_31),
    ("31-Oct-2016", OCT_31),
    ("31 Oct 16", OCT_31),
    ("31.10.16", OCT_31),
    ("31.10.2016", OCT_31),
    ("31-10-2016", OCT_31),
    ("31/10/16", OCT_31),
    ("31 / 10 / 2016", OCT_31),
    ("2016-10-31", OCT_31),
    ("2016-10-31T00:00:00", OCT_31),
    ("2016-10-31 00:00:00", OCT_31),
    ("October 31, 2016", OCT_31),
    ("Monday 31 October 2016", OCT_31),
    ("Mon, 31 Oct 2016", OCT_31),
    ("  31\xa0October   2016. ", OCT_31),
    ("by 31/10/2016", OCT_31),
    ("w/c 31 October 2016", OCT_31),
    ("Week commencing 31/10/2016", OCT_31),
    ("01/02/2017", PlanDate(date(2017, 2, 1))),
    ("1.2.17", PlanDate(date(2017, 2, 1))),
    ("29/02/2016", PlanDate(date(2016, 2, 29))),
    ("October 2016", OCTOBER),
    ("Oct 2016", OCTOBER),
    ("OCT-16", OCTOBER),
    ("Oct 16", OCTOBER),
    ("Sept 2016", PlanDate(date(2016, 9, 30), is_month=True)),
    ("10/2016", OCTOBER),
    ("end of October 2016", OCTOBER),
    ("by October 2016", OCTOBER),
    ("By the end of October 2016.", OCTOBER),
    ("End of March 2017", MARCH_2017),
    ("March 2017", MARCH_2017),
    ("February 2016", PlanDate(date(2016, 2, 29), is_month=True)),
    ("1/1/00", PlanDate(date(2000, 1, 1))),
    ("1/1/69", PlanDate(date(2069, 1, 1))),
    ("1/1/95", PlanDate(date(1995, 1, 1))),
    ("31/12/2100", PlanDate(date(2100, 12, 31))),
    (date(2016, 10, 31), OCT_31),
    (datetime(2016, 10, 31, 14, 30), OCT_31),
    # not (clearly) one date
    ("1/1/70", None),
    ("1/1/1989", None),
    ("1/1/2101", None),
    (date(1899, 12, 30), None),
    ("31/02/2017", None),
    ("29/02/2017", None),
    ("31/13/2016", None),
    ("42674", None),
    (42674, None),
    (42674.0, None),
    ("10/16", None),
    ("2016", None),
    ("end of 2016", None),
    ("31 October", None),
    ("October", None),
    ("31/10/2016 - 30/11/2016", None),
    ("31/10/2016 training", None),
    ("Ongoing", None),
    ("TBC", None),
    ("Completed: 31 October 2016", None),
    ("", None),
    ("   ", None),
    (None, None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value, today, expected", [
    ("31 March", date(2017, 1, 10), PlanDate(date(2017, 3, 31))),
    ("31 March", date(2017, 3, 31), PlanDate(date(2017, 3, 31))),
    ("31st March", date(2017, 4, 1), PlanDate(date(2018, 3, 31))),
    ("End of March", datetime(2017, 3, 5, 9), MARCH_2017),
    ("by March", date(2017, 4, 1), PlanDate(date(2018, 3, 31), is_month=True)),
    ("29 February", date(2017, 3, 1), PlanDate(date(2020, 2, 29))),
    ("31 February", date(2017, 3, 1), None),
    ("31 October 2016", date(2020, 1, 1), OCT_31),
])
def test_a_date_without_a_year_is_the_next_one_after_today(value, today, expected):
    assert parse_date(value, today=today) == expected


def test_a_month_is_its_last_day_however_it_is_built():
    assert PlanDate(date(2016, 10, 5), is_month=True) == OCTOBER
    assert PlanDate(date(2016, 2, 1), is_month=True).day == date(2016, 2, 29)


@pytest.mark.parametrize("value, text", [
    (OCT_31, "31 October 2016"),
    (PlanDate(date(2017, 2, 1)), "1 February 2017"),
    (OCTOBER, "October 2016"),
])
def test_a_date_is_written_as_people_write_it(value, text):
    assert str(value) == text


YEARS = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=200, deadline=None)
@given(YEARS)
def test_a_day_reads_back_as_written(day):
    assert parse_date(str(PlanDate(day))) == PlanDate(day)


@settings(max_examples=200, deadline=None)
@given(YEARS)
def test_a_month_reads_back_as_written(day):
    month = PlanDate(day, is_month=True)
    assert parse_date(str(month)) == month


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_parse_date_never_raises(text):
    assert parse_date(text) is None or isinstance(parse_date(text), PlanDate)
    parse_date(text, today=date(2017, 1, 1))


@pytest.mark.parametrize("value, on, outcome, status", [
    ("Completed: 31 October 2016", OCT_31, "", "completed"),
    ("Completed 31/10/16 - new policy launched", OCT_31, "new policy launched", "completed"),
    ("Completed on 31st October 2016: policy published", OCT_31, "policy published", "completed"),
    ("Complete - 31.10.16", OCT_31, "", "completed"),
    ("Completed (31/10/2016)", OCT_31, "", "completed"),
    ("31/10/2016 – training delivered", OCT_31, "training delivered", "completed"),
    ("31/10/2016 — Training delivered", OCT_31, "Training delivered", "completed"),
    ("31/10/2016 - training delivered", OCT_31, "training delivered", "completed"),
    ("31/10/2016: training delivered", OCT_31, "training delivered", "completed"),
    ("31/10/2016, training delivered", OCT_31, "training delivered", "completed"),
    ("31-Oct-16 - training delivered", OCT_31, "training delivered", "completed"),
    ("Oct 2016: 120 staff trained", OCTOBER, "120 staff trained", "completed"),
    ("Training delivered to 120 staff (Oct 2016)", OCTOBER, "Training delivered to 120 staff", "completed"),
    ("Training delivered (completed October 2016).", OCTOBER, "Training delivered", "completed"),
    ("Policy launched on 31/10/2016", OCT_31, "Policy launched", "completed"),
    ("Policy launched - 31 October 2016", OCT_31, "Policy launched", "completed"),
    ("Policy launched, completed 31/10/2016", OCT_31, "Policy launched", "completed"),
    ("31/10/2016", OCT_31, "", "completed"),
    (date(2016, 10, 31), OCT_31, "", "completed"),
    (datetime(2016, 10, 31, 9, 0), OCT_31, "", "completed"),
    ("Ongoing", None, "Ongoing", "in_progress"),
    ("In progress", None, "In progress", "in_progress"),
    ("Ongoing - training being rolled out", None, "Ongoing - training being rolled out", "in_progress"),
    ("Not yet started", None, "Not yet started", "not_started"),
    ("Not started", None, "Not started", "not_started"),
    ("Complete and ongoing", None, "Complete and ongoing", "completed"),
    ("Completed", None, "Completed", "completed"),
    ("Not completed", None, "Not completed", "in_progress"),
    ("On hold", None, "On hold", "in_progress"),
    # a date in a note that says the work goes on is not a completion date
    ("Ongoing – reviewed 31/10/2016", None, "Ongoing – reviewed 31/10/2016", "in_progress"),
    ("31/10/2016 - ongoing", None, "31/10/2016 - ongoing", "in_progress"),
    ("Started 31/10/2016", None, "Started 31/10/2016", "in_progress"),
    # a date is taken out only when it is clearly one, clearly joined to the rest
    ("Training delivered in October 2016", None, "Training delivered in October 2016", None),
    ("31/10/2016 training delivered", None, "31/10/2016 training delivered", None),
    ("10 staff trained", None, "10 staff trained", None),
    ("Policy to be agreed by October 2016", None, "Policy to be agreed by October 2016", None),
    ("Policy reviewed - 42674", None, "Policy reviewed - 42674", None),
    ("New policy launched", None, "New policy launched", None),
    ("N/A", None, "", None),
    ("n/a", None, "", None),
    ("", None, "", None),
    ("   ", None, "", None),
    (None, None, "", None),
])
def test_parse_completion(value, on, outcome, status):
    result = parse_completion(value)
    assert (result.on, result.outcome, result.status) == (on, outcome, status)


def test_a_completion_keeps_the_cell_as_written():
    assert parse_completion("  Completed: 31 October 2016 ").original == "Completed: 31 October 2016"
    assert parse_completion("N/A").original == "N/A"
    assert parse_completion(None).original == ""
    assert parse_completion(date(2016, 10, 31)) == Completion(OCT_31, "", "completed", "31 October 2016")


COMPLETION_TEXT = st.one_of(
    st.text(),
    st.lists(st.sampled_from(["Completed", "complete", ":", " ", "31/10/2016", "31-Oct-16", "Oct 2016", "(", ")",
                              "-", "–", ",", ".", "on", "training delivered", "ongoing", "not", "\n", "42674"]),
             max_size=12).map("".join),
)


@settings(max_examples=200, deadline=None)
@given(COMPLETION_TEXT)
def test_parse_completion_never_raises_and_keeps_the_text(text):
    result = parse_completion(text)
    assert result.original == text.strip()
    assert result.status in (None, "completed", "in_progress", "not_started")
    if result.on is None:
        assert result.outcome in (result.original, "")
    else:
        assert result.outcome in result.original


KNOWN = ("Thames Valley Police", "MK Council", "Police; Fire", "Children and Families Services", "Adult Social Care",
         "Housing", "A&E", "Health / Probation Hub")


def is_known(name):
    return label_key(name) in {label_key(known) for known in KNOWN}


@pytest.mark.parametrize("text, names", [
    ("Thames Valley Police and MK Council", ["Thames Valley Police", "MK Council"]),
    ("Thames Valley Police & MK Council", ["Thames Valley Police", "MK Council"]),
    ("Thames Valley Police\nMK Council", ["Thames Valley Police", "MK Council"]),
    ("Thames Valley Police\r\n\r\nMK Council\n", ["Thames Valley Police", "MK Council"]),
    ("thames valley police AND mk council", ["thames valley police", "mk council"]),
    ("Police; Fire", ["Police; Fire"]),
    ("Police; Fire and MK Council", ["Police; Fire", "MK Council"]),
    ("Health / Probation Hub; Housing", ["Health / Probation Hub", "Housing"]),
    ("Children and Families Services / Housing", ["Children and Families Services", "Housing"]),
    ("Department of Health and Social Care", ["Department of Health and Social Care"]),
    ("Office of the Police and Crime Commissioner", ["Office of the Police and Crime Commissioner"]),
    ("Thames Valley Police and Crime Commissioner", ["Thames Valley Police and Crime Commissioner"]),
    ("Police and Crime Commissioner; MK Council", ["Police and Crime Commissioner", "MK Council"]),
    ("Ministry of Housing, Communities and Local Government",
     ["Ministry of Housing, Communities and Local Government"]),
    ("Department for Work & Pensions and Housing", ["Department for Work & Pensions", "Housing"]),
    ("Police and Health and Social Care", ["Police", "Health and Social Care"]),
    ("HM Courts & Tribunals Service / HM Prison and Probation Service",
     ["HM Courts & Tribunals Service", "HM Prison and Probation Service"]),
    ("MK Health and Wellbeing Board and Children and Young People's Services",
     ["MK Health and Wellbeing Board", "Children and Young People's Services"]),
    ("Buckinghamshire Fire and Rescue Service / Police", ["Buckinghamshire Fire and Rescue Service", "Police"]),
    ("Police and Health", ["Police", "Health"]),
    ("Police / Health", ["Police", "Health"]),
    ("MPS; Adult Social Care", ["MPS", "Adult Social Care"]),
    ("Children's Services and Housing", ["Children's Services", "Housing"]),
    ("A&E and Housing", ["A&E", "Housing"]),
    ("Housing; housing / HOUSING", ["Housing"]),
    ("Housing;\n; MK Council;", ["Housing", "MK Council"]),
    ("Thames Valley Police", ["Thames Valley Police"]),
    ("  ", []),
    ("", []),
    (None, []),
])
def test_split_names(text, names):
    assert split_names(text, is_known) == names


def test_compound_names_are_keys_that_hold_a_separator():
    assert 20 <= len(COMPOUND_NAMES) <= 40
    assert all(name == label_key(name) and " and " in f" {name} " for name in COMPOUND_NAMES)


SEPARATORS = st.sampled_from(["; ", ";", " / ", "/", "\n", "\r\n", " and ", " AND ", " & ", " ;\n "])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(KNOWN), min_size=1, max_size=6, unique=True), st.data())
def test_known_names_joined_any_way_come_apart(names, data):
    text = names[0] + "".join(data.draw(SEPARATORS) + name for name in names[1:])
    assert split_names(text, is_known) == names


NAME_TEXT = st.one_of(
    st.text(),
    st.lists(st.sampled_from(["Police", "Health", "Fire", " and ", " & ", ";", "/", "\n", " ", "-", "and",
                              "Thames Valley Police", "Crime Commissioner", "•"]), max_size=20).map("".join),
)


@settings(max_examples=200, deadline=None)
@given(NAME_TEXT)
def test_split_names_never_raises_nor_returns_blanks(text):
    names = split_names(text, is_known)
    assert all(name and name == name.strip() and label_key(name) for name in names)
    assert len({label_key(name) for name in names}) == len(names)


@pytest.mark.parametrize("text, scope", [
    ("Local", "local"),
    ("local ", "local"),
    ("LOCAL", "local"),
    ("Local (partnership)", "local"),
    ("Scope: local", "local"),
    ("Regional", "regional"),
    ("National", "national"),
    ("Nationally", "national"),
    ("Local and regional", "regional"),
    ("Local/National", "national"),
    ("regional and national", "national"),
    ("National & local", "national"),
    ("County", None),
    ("Localities", None),
    ("", None),
    (None, None),
])
def test_scope_of(text, scope):
    assert scope_of(text) == scope


@pytest.mark.parametrize("text, status", [
    ("not_started", "not_started"),
    ("in_progress", "in_progress"),
    ("blocked", "blocked"),
    ("completed", "completed"),
    ("closed", "closed"),
    ("Not started", "not_started"),
    ("In progress", "in_progress"),
    ("Blocked", "blocked"),
    ("Completed, awaiting sign-off", "completed"),
    ("Closed", "closed"),
    ("Complete", "completed"),
    ("COMPLETED.", "completed"),
    ("Done", "completed"),
    ("Ongoing", "in_progress"),
    ("On-going", "in_progress"),
    ("Started", "in_progress"),
    ("Underway", "in_progress"),
    ("On track", "in_progress"),
    ("Not yet started", "not_started"),
    ("To do", "not_started"),
    ("Signed off", "closed"),
    ("Signed-off", "closed"),
    ("On hold", "blocked"),
    ("Stalled", "blocked"),
    ("Green", None),
    ("Amber", None),
    ("Red", None),
    ("Somewhere", None),
    ("", None),
    (None, None),
])
def test_parse_status(text, status):
    assert parse_status(text) == status
