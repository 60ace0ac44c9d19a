"""Bounded inputs: every number from a form, a query string or a file has a range, so that no value anyone can
type gives a 500 (on PostgreSQL an id beyond 32 bits is an error, not an empty result), and a refused form
changes nothing."""
import json
import re
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import Browser, text
from tests.test_access import ACCESS, PEOPLE, PUBLIC, _urls, world  # noqa: F401 (a fixture)
from tracker import ROOT
from tracker.benchmarks import services as benchmarks
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.forms import MAX_ID, MAX_PAGE, optional_record_id, page_number, parse_money, record_id, record_ids
from tracker.reminders.services import save_policy

MK = json.loads((ROOT / "tracker" / "benchmarks" / "data" / "milton-keynes-2012-benchmark.json").read_text())

#: numbers at and beyond every edge, and text that is not a number
AWKWARD = ["99999999999", str(MAX_ID + 1), "-1", "-99999999999", "0", "1e999", "nan", "NaN", "inf", "-inf", "",
           " ", "²", "١٢", "1" * 5000, "x" * 3000, "\u202e", "💥", "1_000", "0x10", "1.5"]
VALUES = st.one_of(
    st.sampled_from(AWKWARD),
    st.integers(min_value=-10 ** 30, max_value=10 ** 30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
)
#: every query parameter a page reads, and two that name a route's own arguments (which must not clash with
#: them in the page's links)
QUERY = ["page", "agency", "owner", "status", "rag", "overdue", "source", "component", "waiting", "sort",
         "from_user_id", "to_user_id", "framework_id", "kind", "partnership_id"]
#: the domain's tables: a refused form must leave each as it was
MAIN_TABLES = ["partnership", "agency", "membership", "user", "action", "progress_update", "deadline_change",
               "evidence_file", "review", "panel_member", "review_pause", "theme", "recommendation", "benchmark",
               "component_score", "finding", "meeting", "reminder_policy", "agency_alias", "column_mapping"]
#: posting these would end the session the test is using
NOT_POSTED = {"accounts.sign_out"}
FUZZ = settings(max_examples=3, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# The shared coercions

@pytest.mark.parametrize("value", ["0", "-1", str(MAX_ID + 1), "99999999999", "1" * 5000, "²", "x", "1.5", "nan"])
def test_a_record_id_out_of_range_or_not_whole_is_refused(value):
    with pytest.raises(ValueError):
        record_id(value)


def test_a_record_id_within_range_is_read():
    assert (record_id("1"), record_id(f" {MAX_ID} "), optional_record_id(""), optional_record_id(None)) == \
        (1, MAX_ID, None, None)
    assert record_ids(["3", "99999999999", "²", "", "4"]) == [3, 4]


@pytest.mark.parametrize(("value", "page"), [(None, 1), ("3", 3), ("0", 1), ("-5", 1), ("99999999999", MAX_PAGE),
                                             ("1e999", 1), ("1" * 5000, 1), ("²", 1)])
def test_a_page_number_is_clamped(value, page):
    assert page_number({} if value is None else {"page": value}) == page


@pytest.mark.parametrize(("typed", "message"), [
    ("1e999", "below £10,000,000,000"), ("NaN", "as a number of pounds"), ("-inf", "as a number of pounds"),
    ("sNaN", "as a number of pounds"), ("1e10", "below £10,000,000,000"), ("12.345", "pounds and pence")])
def test_a_cost_that_is_not_an_amount_of_money_is_refused_clearly(typed, message):
    with pytest.raises(ValueError, match=message):
        parse_money(typed)


# Reminder policy

POLICY = {"days_before": "28, 7, 1", "on_the_day": True, "overdue_every_days": 7, "escalate_to_lead_after": 14,
          "escalate_to_strategic_after": 28}


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"overdue_every_days": 99999999999}, "overdue_every_days", "at most 365 days"),
    ({"escalate_to_lead_after": 366}, "escalate_to_lead_after", "at most 365 days"),
    ({"escalate_to_strategic_after": 10 ** 20}, "escalate_to_strategic_after", "at most 365 days"),
    ({"days_before": "99999999999"}, "days_before", "at most 365 days"),
    ({"days_before": "²"}, "days_before", "whole numbers of days"),
    ({"days_before": "1" * 5000}, "days_before", "whole numbers of days"),
])
def test_a_reminder_policy_out_of_range_is_refused(ctx, make, change, field, message):
    p = make.partnership()
    with pytest.raises(ValidationFailed) as failure:
        save_policy(db.session.merge(p), {**POLICY, **change})
    assert message in failure.value.errors[field]


def test_a_reminder_policy_of_a_year_is_kept(ctx, make):
    p = make.partnership()
    record = save_policy(db.session.merge(p), {**POLICY, "days_before": "365", "overdue_every_days": 365,
                                               "escalate_to_lead_after": 365, "escalate_to_strategic_after": 365})
    assert (record.days_before, record.overdue_every_days) == ("365", 365)


# Benchmark JSON

def _with(**changes):
    return {**MK, **changes}


@pytest.mark.parametrize(("data", "message"), [
    (_with(review_dates=["2012-07-02"]), "review_dates must be an object"),
    (_with(overall="good"), "overall must be an object"),
    (_with(overall={**MK["overall"], "commentary": 3}), "overall commentary must be text"),
    (_with(components={"strategy": 1}), "components must be a list"),
    (_with(components=[["strategy", 1], *MK["components"][1:]]), "component 1 must be an object"),
    (_with(components=[{**MK["components"][0], "component": ["strategy"]}, *MK["components"][1:]]),
     "unknown component"),
    (_with(components=[{**MK["components"][0], "commentary": {"a": 1}}, *MK["components"][1:]]), "must be text"),
    (_with(components=[{**MK["components"][0], "score": [1]}, *MK["components"][1:]]), "is not one of"),
    (_with(components=[{**MK["components"][0], "score": 1e308 * 10}, *MK["components"][1:]]), "is not one of"),
    (_with(reviewer=12), "reviewer must be text"),
    (_with(framework=["isoe-2013"]), "Unknown framework"),
    (_with(framework=None), "Unknown framework"),
    ([MK], "one benchmark"),
])
def test_a_benchmark_file_of_the_wrong_shape_is_refused_clearly(ctx, make, data, message):
    benchmarks.load_frameworks()
    p = db.session.merge(make.partnership())
    with pytest.raises(ValidationFailed) as failure:
        benchmarks.import_json(p, json.dumps(data, allow_nan=True).encode())
    assert message in failure.value.errors["file"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(benchmarks.Benchmark)) == 0


@pytest.mark.parametrize("raw", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000,
                                 json.dumps(_with(reviewer=[[[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]]]))])
def test_a_deeply_nested_benchmark_file_is_refused_before_it_is_walked(ctx, make, raw):
    p = db.session.merge(make.partnership())
    with pytest.raises(ValidationFailed, match="The file nests lists or objects more than 20 deep"):
        benchmarks.import_json(p, raw.encode())


def test_brackets_inside_text_are_not_counted_as_nesting(ctx, make):
    benchmarks.load_frameworks()
    p = db.session.merge(make.partnership())
    benchmark = benchmarks.import_json(p, json.dumps(_with(reviewer='[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ \\" {{{{')))
    assert benchmark.reviewer.startswith("[[[[")


# Filters and the streamed export

@pytest.mark.parametrize("value", ["99999999999", "-1", str(MAX_ID + 1), "1e999", "²"])
def test_an_out_of_range_filter_means_no_filter_and_the_export_streams_whole(app, make, as_user, value):
    p = make.partnership()
    agency = make.agency(p)
    coordinator = make.member(p, "coordinator")
    make.action(p, title="Publish the protocol", lead_agency=agency, owner=coordinator, deadline=date(2031, 1, 1))
    browser = as_user(coordinator)
    query = f"agency={value}&owner={value}"
    listing = browser.get(f"/partnerships/{p.id}/actions?{query}")
    assert listing.status_code == 200
    assert "Publish the protocol" in text(listing)
    export = browser.get(f"/partnerships/{p.id}/actions.csv?{query}")
    assert export.status_code == 200
    lines = export.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Action,") and lines[1].startswith("Publish the protocol,")
    reassign = browser.get(f"/partnerships/{p.id}/actions/reassign?from_user_id={value}")
    assert reassign.status_code == 200


def test_an_out_of_range_ticked_action_is_ignored_when_reassigning(app, make, as_user):
    p = make.partnership()
    coordinator, other = make.member(p, "coordinator"), make.member(p, "coordinator")
    make.action(p, owner=coordinator)
    response = as_user(coordinator).post(f"/partnerships/{p.id}/actions/reassign", {
        "from_user_id": coordinator.id, "to_user_id": other.id, "action_ids": ["99999999999", "²"]})
    assert response.status_code in (200, 302)


# Every route, every form

def _counts(app):
    with app.app_context():
        return {name: db.session.scalar(sa.select(sa.func.count()).select_from(db.metadata.tables[name]))
                for name in MAIN_TABLES}


def _field_names(page):
    """The names of the inputs of the page's forms (not the CSRF token), so each gets a generated value."""
    names = set(re.findall(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', page)) - {"csrf_token"}
    return sorted(names) or QUERY


def _fuzz_get(browser, endpoint, url):
    @FUZZ
    @given(st.dictionaries(st.sampled_from(QUERY), VALUES, max_size=len(QUERY)))
    @example(dict.fromkeys(QUERY, "99999999999"))
    @example(dict.fromkeys(QUERY, "1e999"))
    @example(dict.fromkeys(QUERY, "-1"))
    def run(args):
        response = browser.get(url, query_string=args)
        assert response.status_code < 500, (endpoint, args)

    run()


def _fuzz_post(app, browser, endpoint, url, names, token):
    @FUZZ
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(names, VALUES)))
    @example(dict.fromkeys(names, "99999999999"))
    @example(dict.fromkeys(names, "1e999"))
    @example(dict.fromkeys(names, "nan"))
    def run(form):
        before = _counts(app)
        response = browser.client.post(url, data={**form, "csrf_token": token})
        response.get_data()
        response.close()
        assert response.status_code < 500, (endpoint, form)
        if response.status_code >= 400 or "There is a problem" in response.get_data(as_text=True):
            assert _counts(app) == before, (endpoint, form)

    run()


@pytest.mark.parametrize("who", ["coordinator", "agency lead"])
def test_no_value_in_any_query_or_form_gives_a_500(app, world, who):  # noqa: F811 (the fixture imported above)
    people, values = world
    browser = Browser(app.test_client())
    browser.sign_in(people[who].email)
    token = browser.csrf_token("/")
    fuzzed = 0
    for endpoint, url, methods in _urls(app, values):
        if endpoint == "static" or (ACCESS[endpoint] != PUBLIC and ACCESS[endpoint] not in PEOPLE[who]):
            continue
        page = ""
        if "GET" in methods:
            _fuzz_get(browser, endpoint, url)
            response = browser.get(url)
            page = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
            fuzzed += 1
        if "POST" in methods and endpoint not in NOT_POSTED:
            _fuzz_post(app, browser, endpoint, url, _field_names(page), token)
            fuzzed += 1
    assert fuzzed > 40  # the URL map was walked, not skipped
