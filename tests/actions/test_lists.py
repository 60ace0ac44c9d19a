"""The partnership action list and "My actions": filters return exactly the right rows, on either database,
and a page costs the same number of queries however many rows it shows."""
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import text
from tests.querycount import count_queries
from tracker.actions import services
from tracker.actions.services import ActionFilters
from tracker.actions.state import london_today
from tracker.enums import ActionSource, ActionStatus, Rag

TODAY = london_today()
FRESH = datetime.now(UTC)


@pytest.fixture
def world(app, make):
    p = make.partnership()
    other = make.partnership()
    police, housing = make.agency(p, name="Police"), make.agency(p, name="Housing", sector="housing")
    tom = make.member(p, "agency_lead", agency=police, name="Tom")
    ann = make.member(p, "agency_lead", agency=housing, name="Ann")

    def act(title, agency=police, owner=tom, days=60, **fields):
        fields.setdefault("last_progress_at", FRESH)
        return make.action(p, title=title, lead_agency=agency, owner=owner,
                           deadline=None if days is None else TODAY + timedelta(days=days), **fields)

    rows = {
        "overdue": act("overdue", days=-3),
        "blocked": act("blocked", status="blocked"),
        "soon": act("soon", days=5, agency=housing, owner=ann),
        "green": act("green", days=90, agency=housing, owner=ann, component="training"),
        "done": act("done", days=-10, status="completed", source=ActionSource.BENCHMARK),
        "closed": act("closed", days=-40, status="closed"),
        "risky": act("risky", days=200, lead_assessment="red", component="training"),
    }
    make.action(other, title="elsewhere", deadline=TODAY - timedelta(days=9))
    return dict(p=p, police=police, housing=housing, tom=tom, ann=ann, rows=rows)


def _coordinator(ctx_world):
    from tests import factories

    return factories.member(ctx_world["p"], "coordinator")


def titles(ctx_world, **filters):
    from tracker.extensions import db
    from tracker.partnerships.models import Partnership

    partnership = db.session.get(Partnership, ctx_world["p"].id)
    page = services.action_page(_coordinator(ctx_world), partnership, ActionFilters(**filters), TODAY, 1, 100)
    return {action.title for action, _ in page.items}


@pytest.mark.parametrize("filters, expected", [
    ({}, {"overdue", "blocked", "soon", "green", "done", "closed", "risky"}),
    ({"rag": Rag.RED}, {"overdue", "blocked"}),
    ({"rag": Rag.AMBER}, {"soon", "risky"}),
    ({"rag": Rag.GREEN}, {"green", "done"}),
    ({"rag": Rag.CLOSED}, {"closed"}),
    ({"overdue": True}, {"overdue"}),
    ({"status": ActionStatus.BLOCKED}, {"blocked"}),
    ({"source": ActionSource.BENCHMARK}, {"done"}),
    ({"component": "training"}, {"green", "risky"}),
    ({"component": "training", "rag": Rag.AMBER}, {"risky"}),
])
def test_filters_return_exactly_the_right_rows(ctx, world, filters, expected):
    assert titles(world, **filters) == expected


def test_agency_and_owner_filters(ctx, world):
    assert titles(world, agency_id=world["housing"].id) == {"soon", "green"}
    assert titles(world, owner_id=world["ann"].id) == {"soon", "green"}


def test_sorted_by_deadline_soonest_first_with_no_deadline_last(ctx, world, make):
    make.action(world["p"], title="undated")
    from tracker.extensions import db
    from tracker.partnerships.models import Partnership

    page = services.action_page(_coordinator(world), db.session.get(Partnership, world["p"].id), ActionFilters(),
                                TODAY, 1, 100)
    order = [action.title for action, _ in page.items]
    assert order[0] == "closed" and order[-1] == "undated"


def test_the_list_page_shows_days_overdue_and_filters_by_query_string(world, as_user, make):
    viewer = as_user(make.member(world["p"], "viewer"))
    page = text(viewer.get(f"/partnerships/{world['p'].id}/actions?overdue=y"))
    assert "1 action match these filters" in page
    assert "3 days overdue" in page and "elsewhere" not in page


def test_list_page_costs_a_fixed_number_of_queries(app, world, as_user, make):
    viewer = as_user(make.member(world["p"], "viewer"))
    url = f"/partnerships/{world['p'].id}/actions"
    with count_queries(app) as few:
        viewer.get(url)
    for n in range(20):
        agency = make.agency(world["p"], name=f"Agency {n}")
        owner = make.member(world["p"], "agency_lead", agency=agency)
        make.action(world["p"], title=f"More {n}", lead_agency=agency, owner=owner, deadline=TODAY)
    with count_queries(app) as many:
        page = viewer.get(url)
    assert "27 actions" in text(page)
    assert many.count == few.count


def _linked_actions(response):
    return set(re.findall(r'<a href="/actions/\d+">([^<]+)</a>', response.get_data(as_text=True)))


def test_my_actions_lists_what_i_own_and_my_agencys_open_actions(world, as_user, make):
    unowned = make.action(world["p"], title="police, no owner yet", lead_agency=world["police"])
    tom = as_user(world["tom"])
    # Ann's actions (another agency) and closed ones are not Tom's to do
    assert _linked_actions(tom.get("/my-actions")) == {"overdue", "blocked", "done", "risky", unowned.title}


def test_my_actions_are_my_work_whatever_the_review_and_not_where_i_have_left(app, world, as_user, make):
    """An action of a review Tom may not open is still his to do where his agency delivers it or he owns it (the
    list and the home page's counts read the person's own work without asking of each action whether its review is
    open to them); an action he owns in a partnership he has left is nobody's."""
    from tracker.extensions import db
    from tracker.partnerships.models import Membership

    review = make.review(world["p"], status="in_progress")
    hidden = make.action(world["p"], title="from a review in progress", lead_agency=world["housing"],
                         owner=world["tom"], recommendation_id=make.recommendation(review).id)
    delivered = make.action(world["p"], title="police, review in progress", lead_agency=world["police"],
                            recommendation_id=make.recommendation(review).id)
    left = make.partnership()
    make.member(left, "agency_lead", agency=make.agency(left))
    make.action(left, title="left behind", owner=world["tom"], deadline=TODAY)
    tom = as_user(world["tom"])
    listed = _linked_actions(tom.get("/my-actions"))
    assert {hidden.title, delivered.title} <= listed and "left behind" not in listed
    with app.app_context():
        membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == world["tom"].id))
        assert membership.partnership_id == world["p"].id  # Tom's one role: he holds none where he left
        counted = sum(services.my_action_counts(db.session.get(type(world["tom"]), world["tom"].id),
                                                TODAY).values())
    assert counted == len(listed)


def test_my_actions_costs_a_fixed_number_of_queries(app, world, as_user, make):
    tom = as_user(world["tom"])
    with count_queries(app) as few:
        tom.get("/my-actions")
    for n in range(15):
        make.action(world["p"], title=f"Tom's {n}", lead_agency=world["police"], owner=world["tom"],
                    deadline=TODAY)
    with count_queries(app) as many:
        tom.get("/my-actions")
    assert many.count == few.count


def test_the_action_list_title_says_error_only_when_something_is_wrong(app, make, as_user):
    """A filter value the list does not know is ignored, not shown as an error: the page title stays plain."""
    partnership = make.partnership()
    coordinator = as_user(make.member(partnership, "coordinator"))
    for query in ("", "?status=bogus&agency=abc&sort=sideways"):
        body = coordinator.get(f"/partnerships/{partnership.id}/actions{query}").get_data(as_text=True)
        assert "<title>Actions – " in body, query


def _pagination_link(response, side):
    """The href of the "Next" (side "next") or "Previous" ("prev") link, or None."""
    found = re.search(rf'govuk-pagination__{side}">\s*<a[^>]*href="([^"]+)"', response.get_data(as_text=True))
    return found and found.group(1).replace("&amp;", "&")


def _titles_in_order(response):
    return re.findall(r'<a href="/actions/\d+">([^<]+)</a>', response.get_data(as_text=True))


def _walk(client, response, side, mark):
    """The titles of each page from this one, following one link to the end; and the last page."""
    pages = []
    while True:
        pages.append(_titles_in_order(response))
        link = _pagination_link(response, side)
        if link is None:
            return pages, response
        assert f"{mark}=" in link
        response = client.get(link)


@pytest.mark.parametrize("sort", ["deadline", "-deadline", "title"])
def test_next_and_previous_walk_the_list_as_its_numbered_pages_do(app, as_user, make, sort, monkeypatch):
    """A page reached by "Next" or "Previous" starts from the row it follows or precedes (quick however deep the
    list): walking the list either way shows every action once, in the order the numbered pages show them,
    through ties of deadline and title and past the actions with no deadline."""
    monkeypatch.setitem(app.config, "ITEMS_PER_PAGE", 4)
    p = make.partnership()
    agency = make.agency(p, name="Police")
    days = [3, None, 3, -2, 3, 40, None, 3, 10, -2, None, 7, 3, 40]
    for n, day in enumerate(days):
        make.action(p, title=f"Action {n % 5:02d}-{n:02d}" if sort != "title" else f"Same {n % 3}",
                    lead_agency=agency, deadline=None if day is None else TODAY + timedelta(days=day))
    coordinator = as_user(make.member(p, "coordinator"))
    url = f"/partnerships/{p.id}/actions?sort={sort}"
    numbered = [_titles_in_order(coordinator.get(f"{url}&page={n}")) for n in range(1, 5)]
    assert sum(map(len, numbered)) == len(days)

    walked, last = _walk(coordinator, coordinator.get(url), "next", "after")
    assert walked == numbered
    assert "Showing 13 to 14 of 14" in text(last)
    back, _first = _walk(coordinator, last, "prev", "before")
    assert back[::-1] == numbered


def test_a_page_from_a_row_outside_the_list_is_the_page_of_its_number(app, world, as_user, make, monkeypatch):
    """The row a link names is looked up in the list as this reader filters it: another partnership's action, or
    one the filters leave out, neither places the page nor shows; nor does a row with nothing beyond it."""
    monkeypatch.setitem(app.config, "ITEMS_PER_PAGE", 2)
    elsewhere = make.action(make.partnership(), title="elsewhere too", deadline=TODAY)
    viewer = as_user(make.member(world["p"], "viewer"))
    url = f"/partnerships/{world['p'].id}/actions?overdue=y&page=1"
    by_number = _titles_in_order(viewer.get(url))
    for mark in (elsewhere.id, world["rows"]["green"].id, world["rows"]["overdue"].id, "junk", "-3"):
        for side in ("after", "before"):
            assert _titles_in_order(viewer.get(f"{url}&{side}={mark}")) == by_number


def test_a_deep_page_reached_by_next_costs_what_the_first_does(app, world, as_user, make, monkeypatch):
    monkeypatch.setitem(app.config, "ITEMS_PER_PAGE", 2)
    viewer = as_user(make.member(world["p"], "viewer"))
    url = f"/partnerships/{world['p'].id}/actions"
    with count_queries(app) as first:
        response = viewer.get(url)
    forward = _pagination_link(viewer.get(_pagination_link(response, "next")), "next")
    with count_queries(app) as deep:
        response = viewer.get(forward)
    assert "Showing 5 to 6 of 7" in text(response)
    assert deep.count == first.count + 1  # the row the page follows
