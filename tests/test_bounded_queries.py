"""Every page's queries are bounded by the partnership or the person: another partnership growing changes neither
what a page shows nor how many queries it runs, and the database reaches this partnership's actions through an
index on the partnership, the owner, the lead agency or the finding, never by reading the country's."""
import io
import json
import re
from datetime import date, timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from tracker.actions.models import Action
from tracker.actions.state import london_today
from tracker.enums import ActionSource
from tracker.extensions import db
from tracker.reports.views import XLSX
from tracker.reviews.models import Review

#: for each table a page reads, the index columns through which reading it is bounded by the partnership or
#: the person (or by one row of a table so bounded)
BOUNDED_BY = {"action": ("partnership_id", "owner_id", "lead_agency_id", "finding_id", "recommendation_id", "id"),
              "agency": ("id", "partnership_id"), "user": ("id",), "finding": ("id", "benchmark_id"),
              "benchmark": ("id", "partnership_id"), "recommendation": ("id", "review_id")}


def _benchmark(partnership, findings, benchmark_id=None):
    """A benchmark with this many findings; with `benchmark_id`, that many more findings on it. Their ids."""
    from tracker.benchmarks.models import Benchmark, ComponentScore, Finding, Framework
    from tracker.benchmarks.services import load_frameworks

    load_frameworks()
    if benchmark_id is None:
        framework = db.session.scalar(sa.select(Framework).order_by(Framework.id))
        benchmark = Benchmark(partnership_id=partnership.id, framework=framework, started_on=date(2025, 5, 1))
        benchmark.scores = [ComponentScore(component_id=c.id, score=2) for c in framework.components]
        db.session.add(benchmark)
    else:
        benchmark = db.session.get(Benchmark, benchmark_id)
    components, first = benchmark.framework.components, len(benchmark.findings)
    added = [Finding(component_id=components[k % 3].id, position=k, text=f"Issue {k}")
             for k in range(first, first + findings)]
    benchmark.findings.extend(added)
    db.session.commit()
    return benchmark.id, [f.id for f in added]


def _theme(partnership, name="Information sharing"):
    from tracker.reviews.models import Theme

    theme = db.session.scalar(sa.select(Theme).where(Theme.partnership_id == partnership.id, Theme.name == name))
    if theme is None:
        theme = Theme(partnership_id=partnership.id, name=name)
        db.session.add(theme)
        db.session.commit()
    return theme.id


def _plan(make, partnership, lead, agency, today, review=None, benchmark_id=None):
    """A partnership's work: open, overdue, due-soon and completed (awaiting sign-off) actions, from a review
    (local, regional and national recommendations, addressed to the agency and themed), a benchmark and its
    strategy. Given a review or a benchmark, the recommendations and findings are added to them. Returns (review,
    benchmark id, actions)."""
    from tracker.reviews.models import recommendation_theme

    review = review or make.review(partnership, status="published")
    recommendations = [make.recommendation(review, scope=("local", "regional", "national")[k], agencies=[agency],
                                           **({"external_body": "Home Office"} if k else {})) for k in range(3)]
    theme_id = _theme(partnership)
    db.session.execute(recommendation_theme.insert(), [dict(recommendation_id=r.id, theme_id=theme_id)
                                                       for r in recommendations])
    benchmark_id, findings = _benchmark(partnership, 3, benchmark_id)
    actions = []
    for n in range(9):  # each source with each status, and deadlines past, near and far among them
        fields = {}
        if n % 3 == 0:
            fields = dict(source=ActionSource.DHR, recommendation_id=recommendations[n // 3].id)
        elif n % 3 == 1:
            fields = dict(source=ActionSource.BENCHMARK, finding_id=findings[n // 3])
        actions.append(make.action(partnership, lead_agency=agency, owner=lead, deadline=today + timedelta(
            days=(-20, 10, 90)[(n + n // 3) % 3]), status=("in_progress", "not_started", "completed")[n // 3],
            **fields))
    make.update(actions[0], lead, note="Waiting for the audit")
    return review, benchmark_id, actions


ROLES = ("coordinator", "lead", "chair")


@pytest.fixture
def here(make, app, monkeypatch):
    """One typical partnership: a coordinator, an agency lead, the strategic group's chair, their plan, and a
    calendar address each. Lists show four rows a page, so that the action list has a second page."""
    from tracker.accounts.models import User
    from tracker.reminders.feed import new_feed

    monkeypatch.setitem(app.config, "ITEMS_PER_PAGE", 4)
    today = london_today()
    partnership = make.partnership("Here")
    agency = make.agency(partnership, "Here Police")
    people = dict(coordinator=make.member(partnership, "coordinator"),
                  lead=make.member(partnership, "agency_lead", agency=agency),
                  chair=make.member(partnership, "strategic_member", is_chair=True))
    with app.app_context():
        review, benchmark_id, actions = _plan(make, partnership, people["lead"], agency, today)
        tokens = {who: new_feed(db.session.get(User, person.id)) for who, person in people.items()}
        here = dict(partnership=partnership, agency=agency, review_id=review.id, benchmark_id=benchmark_id,
                    action_id=actions[0].id, tokens=tokens, **people)
        db.session.remove()
    return here


def pages(here, who):
    """Every main page and download, as this person may open them (the reminders are the coordinator's)."""
    partnership = f"/partnerships/{here['partnership'].id}"
    reports = [f"{partnership}/reports/{report}{kind}" for report in ("overdue", "progress", "learning")
               for kind in ("", ".csv", ".xlsx")]
    return ["/", "/my-actions", "/my-actions?page=2", f"{partnership}/actions", f"{partnership}/actions?page=2",
            f"/actions/{here['action_id']}", f"{partnership}/reviews", f"/reviews/{here['review_id']}",
            f"/reviews/{here['review_id']}/action-plan.csv", *reports, f"/benchmarks/{here['benchmark_id']}",
            *([f"{partnership}/reminders"] if who == "coordinator" else []), f"{partnership}/sign-off",
            f"{partnership}/reports/pack.pdf", f"{partnership}/actions.csv", f"{partnership}/register.csv",
            f"{partnership}/register.xlsx", f"/calendar/{here['tokens'][who]}.ics"]


def _grow_elsewhere(app, make, times):
    """Another partnership with several times the work: its actions, recommendations and findings."""
    today = london_today()
    elsewhere = make.partnership()
    agency = make.agency(elsewhere)
    lead = make.member(elsewhere, "agency_lead", agency=agency)
    with app.app_context():
        for _ in range(times):
            _plan(make, elsewhere, lead, agency, today)
        db.session.remove()


def _grow_here(app, make, here, times):
    """This partnership with several times the work: more reviews and benchmarks, more recommendations, findings
    and actions on the review and benchmark shown, more updates on the action shown, more agencies and people."""
    today = london_today()
    partnership = here["partnership"]
    with app.app_context():
        for n in range(times):
            agency = make.agency(partnership, f"Here agency {n}")
            lead = make.member(partnership, "agency_lead", agency=agency)
            _plan(make, partnership, lead, agency, today)
            _plan(make, partnership, here["lead"], here["agency"], today,
                  review=db.session.get(Review, here["review_id"]), benchmark_id=here["benchmark_id"])
            make.update(make.action(partnership, lead_agency=agency, owner=lead), lead, note="Started")
            for _ in range(2):
                make.update(db.session.get(Action, here["action_id"]), here["lead"], note="Audit booked")
        db.session.remove()


def _shown(response):
    """What the person receives, less what differs on every request (the form token, the feed's time stamp); of
    a spreadsheet its cells and of a PDF its text, not the files' own dates."""
    if response.mimetype == "application/pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    if response.mimetype == XLSX:
        book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]
    body = response.get_data(as_text=True)
    return re.sub(r"DTSTAMP:\S+", "", re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", body))


def _visit(app, person, path):
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        response = person.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    assert response.status_code == 200, path
    return _shown(response), statements


@pytest.mark.parametrize("who", ROLES)
def test_another_partnership_growing_changes_neither_the_pages_nor_their_queries(app, make, as_user, here, who):
    person = as_user(here[who])
    before = {path: _visit(app, person, path) for path in pages(here, who)}

    _grow_elsewhere(app, make, times=8)

    for path, (page, statements) in before.items():
        page_after, statements_after = _visit(app, person, path)
        assert page_after == page, path
        assert len(statements_after) == len(statements), path
    # the pages compared are not empty: the lead's feed lists their actions, the overdue report the late one
    shown = "".join(str(page) for page, _statements in before.values())
    assert "Deadline: Deliver output" in shown if who == "lead" else "Waiting for the audit" in shown


@pytest.mark.parametrize("who", ROLES)
def test_this_partnership_growing_changes_no_pages_query_count(app, make, as_user, here, who):
    person = as_user(here[who])
    before = {path: _visit(app, person, path) for path in pages(here, who)}

    _grow_here(app, make, here, times=3)

    grown = {}
    for path, (page, statements) in before.items():
        page_after, statements_after = _visit(app, person, path)
        grown[path] = page_after != page
        assert len(statements_after) == len(statements), path
    # the pages did grow: the second page of actions and the review's plan show more than before
    partnership = f"/partnerships/{here['partnership'].id}"
    assert grown[f"{partnership}/actions?page=2"] and grown[f"/reviews/{here['review_id']}"]


def test_pages_not_listed_are_refused(as_user, here):
    """The reminders page is the coordinator's: the list of each person's pages leaves out only what they may not
    open."""
    for who in ("lead", "chair"):
        assert as_user(here[who]).get(f"/partnerships/{here['partnership'].id}/reminders").status_code == 403


def _reads(connection, statement, parameters):
    """How the database would reach the rows of each table in BOUNDED_BY for one statement: (bounded, detail)."""
    if connection.dialect.name == "sqlite":
        reads = []
        for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all():
            match = re.match(r"(SCAN|SEARCH) (\w+)(?: AS \w+)?\b(.*)", row[-1])
            if match and match.group(2) in BOUNDED_BY:
                columns = BOUNDED_BY[match.group(2)] + ("rowid",)
                reads.append((match.group(1) == "SEARCH" and any(re.search(rf"\b{c}=", match.group(3))
                                                                  for c in columns), row[-1]))
        return reads
    # PostgreSQL: with sequential scans priced out, a statement with no bounded index path still shows one
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
    plan = plan if isinstance(plan, list) else json.loads(plan)
    reads = []

    def walk(node, table=None):
        # a Bitmap Index Scan has no table of its own: it is the Bitmap Heap Scan's above it
        table = node.get("Relation Name") or (table if node["Node Type"] == "Bitmap Index Scan" else None)
        if table in BOUNDED_BY and node["Node Type"].endswith("Scan") and node["Node Type"] != "Bitmap Heap Scan":
            condition = node.get("Index Cond") or ""
            reads.append(("Seq" not in node["Node Type"] and any(re.search(rf"\b{c} =", condition)
                                                                  for c in BOUNDED_BY[table]),
                          f"{node['Node Type']} {table} {node.get('Index Name') or ''} {condition}"))
        for child in node.get("Plans", []):
            walk(child, table if node["Node Type"] in ("Bitmap Heap Scan", "BitmapAnd", "BitmapOr") else None)

    walk(plan[0]["Plan"])
    return reads


@pytest.mark.parametrize("who", ROLES)
def test_every_query_reads_through_the_partnership_or_the_person(app, make, as_user, here, who):
    _grow_elsewhere(app, make, times=3)
    person = as_user(here[who])
    checked = 0
    for path in pages(here, who):
        _page, statements = _visit(app, person, path)
        with app.app_context(), db.engine.connect() as connection:
            for statement, parameters in statements:
                if not re.search(r"\b(FROM|JOIN) action\b", statement) or not statement.lstrip().startswith("SELECT"):
                    continue
                reads = _reads(connection, statement, parameters)
                connection.rollback()
                unbounded = [detail for bounded, detail in reads if not bounded]
                assert not unbounded, f"{path}: {unbounded}\n{statement}"
                checked += 1
    assert checked >= (2 if who == "lead" else 10)


def test_review_plans_count_only_the_partnerships_recommendations(app, make, as_user, here):
    """The per-recommendation counts are taken of the partnership's reviews' recommendations only."""
    person = as_user(here["coordinator"])
    _page, statements = _visit(app, person, f"/partnerships/{here['partnership'].id}/reports/progress")
    # the actions answering each recommendation (made for it, or also answering it), grouped by recommendation
    [plans] = [s for s, _p in statements if re.search(r"GROUP BY anon_\d+\.recommendation_id", s)]
    grouped = re.search(r"GROUP BY anon_\d+\.recommendation_id", plans).start()
    assert "WHERE action.partnership_id = " in plans[plans.index("FROM action"):grouped], plans
    assert "WHERE review.partnership_id = " in plans[grouped:], plans


@pytest.mark.parametrize("who, path, counting", [
    ("chair", "/", r"SELECT count\(\*\) AS count_1, count\(\*\) FILTER"),
    ("chair", "/partnerships/{p}/actions", r"SELECT count\(\*\) AS count_1 \s*FROM \(SELECT action\.id"),
    ("lead", "/partnerships/{p}/actions", r"SELECT count\(\*\) AS count_1 \s*FROM \(SELECT action\.id"),
])
def test_a_readers_counts_of_the_actions_they_may_open_come_from_the_index_alone(app, make, as_user, here, who,
                                                                                  path, counting):
    """Whether a strategic member or an agency lead may open an action is decided by its recommendation, lead
    agency and owner: the status index carries them, so that the home page's glance and the action list's total
    never read the actions' rows (at 100,000 actions, 300 ms on SQLite and 160 ms on PostgreSQL for the chair's
    home page before, 160 and 108 ms after)."""
    _grow_here(app, make, here, times=3)
    _page, statements = _visit(app, as_user(here[who]), path.format(p=here["partnership"].id))
    counts = [(s, p) for s, p in statements if re.match(counting, s)]
    assert counts, [s for s, _p in statements]
    with app.app_context(), db.engine.connect() as connection:
        for statement, parameters in counts:
            plan = _query_plan(connection, statement, parameters)
            if connection.dialect.name == "sqlite":
                assert "SEARCH action USING COVERING INDEX ix_action_partnership_id_status_deadline_visibility" \
                    in plan, plan
            else:
                assert "Index Only Scan using ix_action_partnership_id_status_deadline_visibility on action" \
                    in plan, plan


def _query_plan(connection, statement, parameters, set_aside=()):
    """The database's plan for the statement, as text; on PostgreSQL with sequential scans priced out and the
    indexes `set_aside` dropped for the question (in a transaction, undone)."""
    if connection.dialect.name == "sqlite":
        return " ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
    for index in set_aside:
        connection.exec_driver_sql(f"DROP INDEX {index}")
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = " ".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    connection.rollback()
    return plan


def test_the_daily_run_tells_the_planner_how_actions_are_spread(app, make, ctx):
    """Without statistics SQLite reaches a coordinator's own few actions by walking their partnership's by
    deadline; after the morning run it goes through the owner's index (PostgreSQL's autovacuum keeps its own)."""
    from tracker.reminders.feed import _actions
    from tracker.scheduler import daily_run

    partnership = make.partnership()
    agency = make.agency(partnership)
    coordinator = make.member(partnership, "coordinator")
    leads = [make.member(partnership, "agency_lead", agency=agency) for _ in range(4)]
    today = london_today()
    for n in range(120):
        make.action(partnership, lead_agency=agency, owner=leads[n % 4], deadline=today + timedelta(days=n))
    make.action(partnership, lead_agency=agency, owner=coordinator, deadline=today + timedelta(days=3))

    def plan():
        from tracker.accounts.models import User

        captured = []

        def capture(conn, cursor, text, parameters, context, executemany):
            captured.append((text, parameters))

        sa.event.listen(db.engine, "before_cursor_execute", capture)
        try:
            assert len(_actions(db.session.get(User, coordinator.id))) == 1
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", capture)
        [(text, parameters)] = [c for c in captured if "FROM action" in c[0]]
        with db.engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                return " ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + text,
                                                                              parameters))
            return " ".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + text, parameters))

    daily_run(today)
    assert "ix_action_owner_id" in plan()


#: the indexes that would also give a partnership's actions by deadline, had the open actions' not matched
_BY_DEADLINE = ("ix_action_partnership_id_deadline", "ix_action_partnership_id_status_deadline",
                "ix_action_partnership_id_status_deadline_visibility", "ix_action_deadline")


@pytest.mark.parametrize("path, listing", [
    ("/partnerships/{p}/reports/overdue", r"SELECT action\.id, action\.title"),
    ("/", r"SELECT action\.id, action\.title"),
])
def test_the_overdue_lists_walk_only_the_partnerships_open_actions(app, make, as_user, here, path, listing):
    """The most overdue actions are read from the index of the partnership's open actions by deadline: the
    closed and completed ones whose deadlines have gone by are not passed on the way (in the largest partnership,
    40,000 before its 25 most overdue). On PostgreSQL the other indexes by deadline are set aside for the question
    (in a transaction, undone), so that the answer is whether the open actions' index can serve, not which the
    planner prefers for a few rows."""
    _grow_here(app, make, here, times=2)
    _page, statements = _visit(app, as_user(here["coordinator"]), path.format(p=here["partnership"].id))
    lists = [(s, p) for s, p in statements if re.match(listing, s) and "ORDER BY action.deadline" in s]
    assert lists, [s for s, _p in statements]
    with app.app_context(), db.engine.connect() as connection:
        for statement, parameters in lists:
            plan = _query_plan(connection, statement, parameters, set_aside=_BY_DEADLINE)
            assert "ix_action_partnership_id_deadline_open" in plan, plan
