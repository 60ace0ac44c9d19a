"""Search, as people use it: one box, every kind of record they may open, best matches first with the matched words
marked, and nothing of a confidential review for anyone outside its panel."""
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import text
from tests.querycount import count_queries
from tests.reviews.test_confidentiality import MATRIX as CONFIDENTIAL_MATRIX
from tests.reviews.test_confidentiality import people_around_a_review
from tracker.enums import Role
from tracker.extensions import db
from tracker.partnerships.models import Membership
from tracker.search import services

#: person -> (finds the unpublished review and its recommendation, finds its action, finds them once published):
#: the answers of the review's own pages, which the search must agree with
MATRIX = CONFIDENTIAL_MATRIX


def _benchmark(partnership, findings):
    """A benchmark of the partnership with these key issues, the first under the first component."""
    from tracker.benchmarks.models import Benchmark, Finding, Framework
    from tracker.benchmarks.services import load_frameworks

    load_frameworks()
    framework = db.session.scalar(sa.select(Framework).order_by(Framework.id))
    benchmark = Benchmark(partnership_id=partnership.id, framework=framework, started_on=date(2025, 5, 1))
    benchmark.findings = [Finding(component_id=framework.components[0].id if n == 0 else None, position=n, text=t)
                          for n, t in enumerate(findings)]
    db.session.add(benchmark)
    db.session.commit()
    return benchmark


@pytest.fixture
def world(app, make):
    p, q = make.partnership(name="Testshire Partnership"), make.partnership(name="Elsewhere Partnership")
    police = make.agency(p, name="Testshire Police")
    housing = make.agency(p, name="Testshire Housing", sector="housing")
    people = people_around_a_review(make, p, q, police, housing)
    # a confidential review: only words of its own, so that any leak shows as a result or a count
    review = make.review(p, reference="DHR 2025-01", pseudonyms="Juniper",
                         panel=[(people["panel chair"], True), (people["panel member"], False)])
    make.review(p, reference="DHR 2025-02", panel=[(people["panel member of another review"], True)])
    recommendation = make.recommendation(review, number="3", text="Police should remove ligature points in custody.",
                                         agencies=[police])
    action = make.action(p, title="Survey every ligature point", lead_agency=police,
                         recommendation_id=recommendation.id, source="dhr")
    published = make.review(p, reference="DHR 2019-04", pseudonyms="Rowan", status="published")
    make.recommendation(published, number="1", text="Agree a MARAC information-sharing protocol with GPs.")
    make.action(p, title="Publish the MARAC protocol", measure="Protocol signed by every GP practice",
                outcome="GPs share risk at MARAC", lead_agency=housing)
    make.action(p, title="Train front-line housing staff", measure="The protocol is part of induction")
    make.action(q, title="Publish the MARAC protocol elsewhere", lead_agency=make.agency(q, name="Elsewhere Police"))
    third = make.partnership(name="Third")
    with app.app_context():
        _benchmark(third, ["No protocol agreed with schools"])
        benchmark_id = _benchmark(p, ["No protocol for teenage relationship abuse", "Survivors are not heard"]).id
        db.session.remove()
    return dict(p=p, q=q, people=people, review=review, recommendation=recommendation, action=action,
                police=police, housing=housing, benchmark_id=benchmark_id)


def _user(person):
    from tracker.accounts.models import User

    return db.session.get(User, person.id)


def _found(person, query, **kwargs):
    results = services.search(_user(person), query, **kwargs)
    return [(r.kind.key, r) for r in results.page.items], results


def _kinds(person, query, **kwargs):
    found, _results = _found(person, query, **kwargs)
    return sorted(key for key, _r in found)


# ---------------------------------------------------------------------------------------------- what is found

def test_every_kind_is_found_with_a_link_to_it_and_its_words_marked(world, ctx):
    coordinator = world["people"]["coordinator"]
    found, results = _found(coordinator, "protocol")
    assert sorted(key for key, _r in found) == ["action", "action", "finding", "recommendation"]
    assert results.counts == dict(action=2, recommendation=1, review=0, finding=1, agency=0)
    by_kind = {key: r for key, r in reversed(found)}
    assert by_kind["action"].heading == "Publish the MARAC <mark>protocol</mark>"
    assert by_kind["action"].snippet == "Measure: <mark>Protocol</mark> signed by every GP practice"
    assert by_kind["recommendation"].heading == "Recommendation 1 of DHR 2019-04"
    assert by_kind["recommendation"].snippet == "Agree a MARAC information-sharing <mark>protocol</mark> with GPs."
    assert by_kind["finding"].heading == "No <mark>protocol</mark> for teenage relationship abuse"
    assert by_kind["finding"].values["benchmark_id"] == world["benchmark_id"]
    assert by_kind["finding"].values["_anchor"].startswith("component-")  # its component's section of the page
    rowan = _found(coordinator, "Rowan")[0]
    assert [(key, r.heading, r.snippet) for key, r in rowan] == [("review", "DHR 2019-04",
                                                                  "Pseudonym: <mark>Rowan</mark>")]
    review = _found(coordinator, "DHR 2019-04")[0]
    assert [(key, r.endpoint, r.values, r.notes) for key, r in review] == [
        ("review", "reviews.show_review", {"review_id": rowan[0][1].id}, ["Published"])]
    assert "<mark>2019" in review[0][1].heading
    agency = _found(coordinator, "housing")[0]
    assert [(key, r.heading, r.notes) for key, r in agency if key == "agency"] == [
        ("agency", "Testshire <mark>Housing</mark>", ["Housing"])]
    assert all(r.partnership == "Testshire Partnership" for _k, r in found)


def test_stems_and_the_start_of_the_last_word_match(world, ctx):
    coordinator = world["people"]["coordinator"]
    assert _kinds(coordinator, "protocols") == _kinds(coordinator, "protocol")
    assert _kinds(coordinator, "proto") == _kinds(coordinator, "protocol")
    trained = _found(coordinator, "trained")[0]
    assert [r.heading for _k, r in trained] == ["<mark>Train</mark> front-line housing staff"]
    assert _kinds(coordinator, "marac protocol") == ["action", "recommendation"]
    assert _kinds(coordinator, '"protocol with GPs"') == ["recommendation"]
    assert _kinds(coordinator, '"GPs with protocol"') == []


def test_a_title_match_ranks_above_a_match_in_the_measure_and_others_follow_by_kind(world, ctx):
    found, _results = _found(world["people"]["coordinator"], "protocol", kind="action")
    assert [r.heading for _k, r in found] == ["Publish the MARAC <mark>protocol</mark>",
                                             "Train front-line housing staff"]
    assert found[1][1].snippet == "Measure: The <mark>protocol</mark> is part of induction"


def test_a_kind_narrows_the_page_and_the_counts_stay(world, ctx):
    found, results = _found(world["people"]["coordinator"], "protocol", kind="finding")
    assert [key for key, _r in found] == ["finding"]
    assert results.total == 4 and results.page.total == 1


def test_another_partnerships_records_are_not_found(world, ctx):
    found, results = _found(world["people"]["coordinator"], "elsewhere")
    assert found == [] and results.total == 0
    found, results = _found(world["people"]["coordinator elsewhere"], "protocol")
    assert [r.heading for _k, r in found] == ["Publish the MARAC <mark>protocol</mark> elsewhere"]


def test_a_member_of_two_partnerships_finds_in_each_what_they_may_open_there(ctx, make):
    """Each partnership where the person is no coordinator is searched in an arm of its own, with the rule written
    for what they are there: a lead of one agency in one partnership and a viewer in another."""
    p, q = make.partnership(), make.partnership()
    police = make.agency(p)
    person = make.member(p, "agency_lead", agency=police)
    make.save(Membership(user_id=person.id, partnership_id=q.id, role=Role.VIEWER))
    secret_p, secret_q = make.recommendation(make.review(p)), make.recommendation(make.review(q))
    expected = {
        make.action(p, title="Zephyr plan of the partnership").id,
        make.action(p, title="Zephyr work the police deliver", source="dhr", recommendation_id=secret_p.id,
                    lead_agency=police).id,
        make.action(q, title="Zephyr plan of the other partnership").id,
    }
    make.action(p, title="Zephyr work of a confidential review", source="dhr", recommendation_id=secret_p.id)
    make.action(q, title="Zephyr work of the other's confidential review", source="dhr",
                recommendation_id=secret_q.id, lead_agency=make.agency(q))
    make.action(make.partnership(), title="Zephyr plan of a third partnership")
    found, results = _found(person, "zephyr")
    assert {result.id for kind, result in found if kind == "action"} == expected and results.counts["action"] == 3


# ---------------------------------------------------------------------------------------------- confidentiality

@pytest.mark.parametrize("who", list(MATRIX))
def test_a_confidential_review_is_found_only_by_those_who_may_open_it(app, world, who):
    sees_review, sees_action, sees_published = MATRIX[who]
    person = world["people"][who]
    with app.app_context():
        for query in ("ligature", "Juniper", "DHR 2025-01"):
            found, results = _found(person, query)
            expected = {"recommendation": int(sees_review) if query == "ligature" else 0,
                        "review": int(sees_review) if query != "ligature" else 0,
                        "action": int(sees_action) if query == "ligature" else 0}
            assert {k: results.counts[k] for k in expected} == expected, query
            assert sorted(key for key, _r in found) == sorted(k for k, n in expected.items() for _ in range(n))
        from tracker.reviews.models import Review

        db.session.get(Review, world["review"].id).status = "published"
        db.session.commit()
        db.session.remove()
        assert bool(_found(person, "ligature")[1].counts["recommendation"]) is sees_published
        assert bool(_found(person, "Juniper")[1].counts["review"]) is sees_published
        db.session.remove()


def test_the_page_shows_an_outsider_nothing_of_a_confidential_review(app, world, as_user):
    outsider = as_user(world["people"]["strategic member"])
    page = text(outsider.get("/search?q=ligature"))
    assert "No results for ‘ligature’" in page
    assert "ligature" not in page.replace("No results for ‘ligature’", "").replace("ligature – Search", "")
    panel = text(as_user(world["people"]["panel chair"]).get("/search?q=ligature"))
    assert "2 results for ‘ligature’" in panel
    assert "Police should remove ligature points in custody." in panel


# ---------------------------------------------------------------------------------------------- the index in step

def test_editing_or_deleting_a_record_changes_what_is_found(world, ctx, make):
    from tracker.actions.models import Action
    from tracker.partnerships.models import Agency
    from tracker.reviews.models import Recommendation

    coordinator = world["people"]["coordinator"]
    action = db.session.get(Action, world["action"].id)
    action.title = "Survey every cell for hanging points"
    db.session.commit()
    assert _kinds(coordinator, "ligature") == ["recommendation"]
    assert _kinds(coordinator, "hanging") == ["action"]
    # a bulk update, as imports and retention write, is seen too
    db.session.execute(sa.update(Recommendation).values(text="Police should check cells hourly."))
    db.session.commit()
    assert _kinds(coordinator, "ligature") == []
    assert _kinds(coordinator, "hourly") == ["recommendation", "recommendation"]
    db.session.delete(db.session.get(Recommendation, world["recommendation"].id))
    db.session.commit()
    assert _kinds(coordinator, "hourly") == ["recommendation"]
    agency = make.agency(world["p"], name="Refuge Outreach")
    assert _kinds(coordinator, "refuge") == ["agency"]
    db.session.delete(db.session.get(Agency, agency.id))
    db.session.commit()
    assert _kinds(coordinator, "refuge") == []


# ---------------------------------------------------------------------------------------------- what is shown

def test_a_title_with_markup_is_shown_as_text_with_its_match_marked(app, world, make, as_user):
    make.action(world["p"], title='<script>alert("protocol")</script> & <b>bold</b>')
    page = as_user(world["people"]["coordinator"]).get("/search?q=protocol&kind=action")
    html = page.get_data(as_text=True)
    assert "<script>alert" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&#34;<mark>protocol</mark>&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


def test_marking_escapes_first(ctx):
    from tracker.search.index import END, START

    assert services.marked(f"<i>{START}risk{END}</i> {START}a&b") == "&lt;i&gt;<mark>risk</mark>&lt;/i&gt; a&amp;b"


def test_a_long_text_is_cropped_around_its_first_match(ctx):
    from tracker.search.index import END, START

    words = [f"w{n}" for n in range(100)]
    words[60] = f"{START}risk{END}"
    shown = services.marked(services.cropped(" ".join(words)))
    assert shown.startswith("… w48 ") and "<mark>risk</mark>" in shown and shown.endswith(" w72 …")


def test_results_come_a_page_at_a_time_with_links_that_keep_the_search(app, world, make, as_user):
    for n in range(45):
        make.action(world["p"], title=f"Audit referral pathway {n}")
    coordinator = as_user(world["people"]["coordinator"])
    first = coordinator.get("/search?q=pathway")
    assert "45 results for ‘pathway’" in text(first)
    assert text(first).count("Audit referral pathway") == 20
    assert 'href="/search?page=2&amp;q=pathway"' in first.get_data(as_text=True)
    last = coordinator.get("/search?q=pathway&page=3")
    assert text(last).count("Audit referral pathway") == 5 and "Showing 41 to 45 of 45" in text(last)
    past = coordinator.get("/search?q=pathway&page=9")
    assert "Audit referral pathway" not in text(past) and "go to the first page" in text(past)


def test_each_result_links_to_its_record(app, world, as_user):
    coordinator = as_user(world["people"]["coordinator"])
    html = coordinator.get("/search?q=protocol").get_data(as_text=True)
    links = [part.split('"', 1)[0] for part in html.split('<a class="govuk-link" href="')[1:]]
    records = [link for link in links if not link.startswith("/search")]
    assert len(records) == 4
    for link in records:
        assert coordinator.get(link).status_code == 200, link


def test_a_kind_filter_lists_each_kind_with_its_count(app, world, as_user):
    page = text(as_user(world["people"]["coordinator"]).get("/search?q=protocol&kind=recommendation"))
    assert "All results (4)" in page and "Actions (2)" in page and "Recommendations (1)" in page
    assert "Benchmark key issues (1)" in page and "Reviews (" not in page
    assert "Recommendation 1 of DHR 2019-04" in page and "Publish the MARAC" not in page
    coordinator = as_user(world["people"]["coordinator"])
    assert "No agencies match ‘protocol’" in text(coordinator.get("/search?q=protocol&kind=agency"))
    assert "All results (4)" in text(coordinator.get("/search?q=protocol&kind=nonsense"))  # unknown: every kind


# ---------------------------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("query, message", [
    ("", "Enter a word or phrase to search for"),
    ("   ", "Enter a word or phrase to search for"),
    ("x" * 201, "Search for 200 characters or fewer"),
    ('*** -- "" AND', "Enter a word or number to search for"),
])
def test_a_search_that_cannot_run_says_why_beside_the_box(app, world, as_user, query, message):
    from urllib.parse import quote

    page = as_user(world["people"]["coordinator"]).get(f"/search?q={quote(query)}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'<p id="q-error" class="govuk-error-message">\n  <span class="govuk-visually-hidden">Error:</span> ' \
           f"{message}" in html or ("govuk-error-message" in html and message in text(page))
    assert "There is a problem" in text(page) and text(page).startswith("Error: ")
    if query.strip():
        assert f'value="{query}"' in html.replace("&#34;", '"')  # what was typed is kept


@pytest.mark.parametrize("args", ["q=%00protocol", "q=protocol&page=99999999999999", "q=protocol&page=-3",
                                  "q=protocol&kind=%00", "q=protocol&q=marac", "q=" + "%22" * 300, "q=%F0%9F%99%82"])
def test_odd_addresses_give_a_page_not_an_error(app, world, as_user, args):
    page = as_user(world["people"]["coordinator"]).get(f"/search?{args}")
    assert page.status_code == 200


def test_the_search_page_opens_without_a_search(app, world, as_user):
    page = as_user(world["people"]["viewer"]).get("/search")
    assert page.status_code == 200 and "There is a problem" not in text(page)
    assert 'name="q"' in page.get_data(as_text=True)


@pytest.mark.parametrize("query", ['"MARAC protocol', "MARAC AND protocol", "protocol*", "O'Brien's",
                                   "information-sharing", "-protocol", "NEAR(marac protocol)", "marac:protocol",
                                   "^protocol", "protocol OR", "DHR/2019/04", "2019-04", "MARAC » protocol", "ÄÖÜ",
                                   "🙂 protocol", "a", "the protocol", "x" * 200, "(", "'", "\\", "%_", "*"])
def test_punctuation_and_operators_never_break_a_search(world, ctx, query):
    try:
        found, results = _found(world["people"]["coordinator"], query)
    except services.QueryError as error:  # only punctuation: the page says to type a word
        assert not any(c.isalnum() for c in query) and "Enter a word or number" in str(error)
        return
    assert results.total == len(found)


def test_operators_and_punctuation_are_read_as_words(world, ctx):
    coordinator = world["people"]["coordinator"]
    assert _kinds(coordinator, "MARAC AND protocol") == _kinds(coordinator, "marac protocol")
    assert _kinds(coordinator, "protocol*") == _kinds(coordinator, "protocol")
    assert _kinds(coordinator, "information-sharing") == ["recommendation"]
    assert _kinds(coordinator, "the protocol") == _kinds(coordinator, "protocol")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # it reads `world` only
@given(typed=st.text(max_size=services.MAX_LENGTH))
@example(typed='" NEAR( * ) ""')
@example(typed="\x00 protocol")
def test_any_text_either_searches_or_says_why(app, world, typed):
    with app.app_context():
        try:
            query = services.parse_query(typed)
        except services.QueryError as error:
            assert str(error)
            return
        results = services.search(_user(world["people"]["coordinator"]), query)
        assert results.total >= len(results.page.items)
        db.session.remove()


# ---------------------------------------------------------------------------------------------- bounded work

def test_a_page_runs_the_same_statements_however_much_it_finds(app, world, make, as_user):
    coordinator = as_user(world["people"]["coordinator"])
    coordinator.get("/search?q=protocol")
    with count_queries(app) as few:
        page = coordinator.get("/search?q=teenage")
    assert "1 result for ‘teenage’" in text(page)
    for n in range(25):
        make.action(world["p"], title=f"Teenage relationship abuse protocol {n}")
        make.agency(world["p"], name=f"Teenage service {n}")
    with count_queries(app) as many:
        page = coordinator.get("/search?q=teenage")
    assert "51 results for ‘teenage’" in text(page)
    assert many.count == few.count <= 6
