"""Every page's queries are bounded by the partnership or the person: another partnership growing changes neither
what a page shows nor how many queries it runs, and the database reaches this partnership's actions through an
index on the partnership, the owner, the lead agency or the finding, never by reading the country's."""
import json
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tracker.actions.state import london_today
from tracker.enums import ActionSource
from tracker.extensions import db

#: for each table a page reads, the index columns through which reading it is bounded by the partnership or
#: the person (or by one row of a table so bounded)
BOUNDED_BY = {"action": ("partnership_id", "owner_id", "lead_agency_id", "finding_id", "recommendation_id", "id"),
              "agency": ("id", "partnership_id"), "user": ("id",), "finding": ("id", "benchmark_id"),
              "benchmark": ("id", "partnership_id"), "recommendation": ("id", "review_id")}


def _benchmark(partnership, findings):
    from tracker.benchmarks.models import Benchmark, ComponentScore, Finding, Framework
    from tracker.benchmarks.services import load_frameworks

    load_frameworks()
    framework = db.session.scalar(sa.select(Framework).order_by(Framework.id))
    benchmark = Benchmark(partnership_id=partnership.id, framework_id=framework.id, started_on=date(2025, 5, 1))
    benchmark.scores = [ComponentScore(component_id=c.id, score=2) for c in framework.components]
    benchmark.findings = [Finding(component_id=framework.components[k % 3].id, position=k, text=f"Issue {k}")
                          for k in range(findings)]
    db.session.add(benchmark)
    db.session.commit()
    return [f.id for f in benchmark.findings]


def _plan(make, partnership, lead, agency, today):
    """A partnership's work: open, overdue, due-soon and completed actions, from a review, a benchmark and its
    strategy."""
    review = make.review(partnership, status="published")
    recommendations = [make.recommendation(review) for _ in range(3)]
    findings = _benchmark(partnership, 3)
    actions = []
    for n in range(6):
        fields = {}
        if n % 3 == 0:
            fields = dict(source=ActionSource.DHR, recommendation_id=recommendations[n % 3].id)
        elif n % 3 == 1:
            fields = dict(source=ActionSource.BENCHMARK, finding_id=findings[n % 3])
        actions.append(make.action(partnership, lead_agency=agency, owner=lead, deadline=today + timedelta(
            days=(-20, 10, 90)[n % 3]), status=("in_progress", "not_started", "completed")[n // 2 % 3], **fields))
    make.update(actions[0], lead, note="Waiting for the audit")
    return actions


@pytest.fixture
def here(make, app):
    """One typical partnership: a coordinator, an agency lead, their plan, and a calendar address each."""
    from tracker.accounts.models import User
    from tracker.reminders.feed import new_feed

    today = london_today()
    partnership = make.partnership("Here")
    agency = make.agency(partnership, "Here Police")
    coordinator = make.member(partnership, "coordinator")
    lead = make.member(partnership, "agency_lead", agency=agency)
    _plan_in_app(app, make, partnership, lead, agency, today)
    with app.app_context():
        tokens = {who: new_feed(db.session.get(User, person.id))
                  for who, person in (("coordinator", coordinator), ("lead", lead))}
        db.session.remove()
    return dict(partnership=partnership, coordinator=coordinator, lead=lead, tokens=tokens)


def _plan_in_app(app, make, partnership, lead, agency, today):
    with app.app_context():
        _plan(make, partnership, lead, agency, today)
        db.session.remove()


def _grow_elsewhere(app, make, times):
    """Another partnership with several times the work: its actions, recommendations and findings."""
    today = london_today()
    elsewhere = make.partnership()
    agency = make.agency(elsewhere)
    lead = make.member(elsewhere, "agency_lead", agency=agency)
    for _ in range(times):
        _plan_in_app(app, make, elsewhere, lead, agency, today)


PAGES = {
    "coordinator": lambda here: ["/", f"/partnerships/{here['partnership'].id}/reports/overdue",
                                 f"/partnerships/{here['partnership'].id}/reports/progress",
                                 f"/calendar/{here['tokens']['coordinator']}.ics"],
    "lead": lambda here: ["/", f"/calendar/{here['tokens']['lead']}.ics"],
}


def _shown(response):
    """What the person receives, less what differs on every request (the form token, the feed's time stamp)."""
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


@pytest.mark.parametrize("who", PAGES)
def test_another_partnership_growing_changes_neither_the_pages_nor_their_queries(app, make, as_user, here, who):
    person = as_user(here[who])
    before = {path: _visit(app, person, path) for path in PAGES[who](here)}

    _grow_elsewhere(app, make, times=8)

    for path, (page, statements) in before.items():
        page_after, statements_after = _visit(app, person, path)
        assert page_after == page, path
        assert len(statements_after) == len(statements), path
    # the pages compared are not empty: the lead's feed lists their actions, the overdue report the late one
    shown = "".join(page for page, _statements in before.values())
    assert ("Deadline: Deliver output" if who == "lead" else "Waiting for the audit") in shown


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


@pytest.mark.parametrize("who", PAGES)
def test_every_query_reads_through_the_partnership_or_the_person(app, make, as_user, here, who):
    _grow_elsewhere(app, make, times=3)
    person = as_user(here[who])
    checked = 0
    for path in PAGES[who](here):
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
    [plans] = [s for s, _p in statements if "GROUP BY recommendation.id" in s]
    inner = plans[plans.index("FROM recommendation LEFT OUTER JOIN action"):plans.index("GROUP BY recommendation.id")]
    assert re.search(r"recommendation\.review_id IN \(SELECT review\.id\s+FROM review\s+WHERE review\.partnership_id"
                     , inner), inner
