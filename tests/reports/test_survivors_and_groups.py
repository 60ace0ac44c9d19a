"""The progress report counts actions by the groups they serve and those recording how survivors informed them,
on the page and in its CSV, XLSX and PDF, of the actions the reader may open."""
import io
from datetime import timedelta

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import text
from tracker.actions.state import london_today


def test_the_progress_report_counts_groups_served_and_survivor_involvement(app, make, as_user):
    p = make.partnership(name="Milton Keynes")
    police = make.agency(p, name="Thames Valley Police")
    coordinator = make.member(p, "coordinator")
    soon = london_today() + timedelta(days=90)
    make.action(p, lead_agency=police, deadline=soon, groups_served="disability,age",
                survivor_involvement="Designed with the survivors' forum")
    make.action(p, lead_agency=police, deadline=soon, groups_served="disability")
    make.action(p, lead_agency=police, deadline=soon)
    # an action of a review the reader cannot open is not counted
    secret = make.review(p, reference="DHR 2026/09")
    recommendation = make.recommendation(secret, agencies=[police])
    lead = make.member(p, "viewer")
    make.action(p, lead_agency=police, deadline=soon, groups_served="disability", recommendation_id=recommendation.id,
                survivor_involvement="Family of Adult Q")
    base = f"/partnerships/{p.id}/reports/progress"
    page = text(as_user(coordinator).get(base))
    groups = page[page.index("Groups served Group Actions"):]
    assert "Disability 3" in groups and "Age (including older people) 1" in groups and "Race 0" in groups
    assert "Actions recording how survivors informed them 2" in page
    viewer = as_user(lead)
    assert "Disability 2" in text(viewer.get(base))
    assert "Actions recording how survivors informed them 1" in text(viewer.get(base))
    csv = viewer.get(base + ".csv").get_data(as_text=True)
    assert "Groups served" in csv and "Disability,2" in csv
    sheet_rows = [[c.value for c in row] for sheet in load_workbook(io.BytesIO(viewer.get(base + ".xlsx").data))
                  for row in sheet.iter_rows()]
    assert ["Disability", 2] in [row[:2] for row in sheet_rows]
    pdf = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(viewer.get(base + ".pdf").data)).pages)
    assert "Groups served" in pdf and "Actions recording how survivors informed them" in pdf


def test_each_action_counts_once_in_the_trend_whatever_groups_it_serves(ctx, make):
    """The trend and the groups served come from one grouped pass: actions serving different sets of groups are
    grouped apart, and must add up again month by month."""
    from tracker.extensions import db
    from tracker.partnerships.models import Partnership
    from tracker.reports.services import progress_report, scope_for

    p = make.partnership()
    coordinator = make.member(p, "coordinator")
    today = london_today()
    for groups, informed in (("disability,age", "Survivors' forum"), ("disability", ""), ("", ""), ("age", "Family")):
        make.action(p, deadline=today + timedelta(days=30), groups_served=groups, survivor_involvement=informed)
        make.action(p, deadline=today - timedelta(days=3), groups_served=groups)
    make.action(p, deadline=today - timedelta(days=3), groups_served="age", status="closed", closed_on=today)
    report = progress_report(scope_for(db.session.merge(coordinator), db.session.get(Partnership, p.id)), today)
    assert report.total == 9
    assert report.trend[-1]["open"] == 8 and report.trend[-1]["overdue"] == 4 and report.trend[-1]["closed"] == 1
    served = {group.value: actions for group, actions in report.groups}
    assert (served["disability"], served["age"], served["race"]) == (4, 5, 0)
    assert report.survivor_involved == 2


def test_the_counts_and_the_trend_come_from_one_pass_and_agree(app, make, as_user):
    """Status, RAG, lead agency, delivery, the trend and the groups served are counted in one grouped pass over the
    partnership's actions (a second pass cost the largest partnership's report 120 ms on SQLite), and what the reader
    may not open is withheld from every one of them alike."""
    from tests.querycount import count_queries
    from tracker.accounts.models import User
    from tracker.extensions import db
    from tracker.partnerships.models import Partnership
    from tracker.reports.services import progress_report, scope_for

    p = make.partnership()
    police = make.agency(p, name="Police")
    viewer = make.member(p, "viewer")
    today = london_today()
    for days, status, groups in ((30, "in_progress", "age"), (-3, "in_progress", ""), (-10, "completed", "age"),
                                 (-40, "closed", "disability")):
        make.action(p, lead_agency=police, deadline=today + timedelta(days=days), status=status, groups_served=groups,
                    **{"completed": {"completed_on": today - timedelta(days=12)},
                       "closed": {"closed_on": today}}.get(status, {}))
    secret = make.recommendation(make.review(p, reference="DHR 2026/10"), agencies=[police])
    for _ in range(2):  # of a review the viewer may not open
        make.action(p, lead_agency=police, deadline=today - timedelta(days=5), groups_served="age",
                    recommendation_id=secret.id)
    with count_queries(app) as counted:
        assert as_user(viewer).get(f"/partnerships/{p.id}/reports/progress").status_code == 200
    passes = [s for s in counted.statements if "survivor_involvement" in s]
    assert len(passes) == 1 and "lead_agency_id" in passes[0] and "GROUP BY" in passes[0]
    with app.app_context():
        report = progress_report(scope_for(db.session.get(User, viewer.id), db.session.get(Partnership, p.id)), today)
        assert (report.total, report.withheld) == (4, 2)
        assert sum(report.by_rag.values()) == sum(a["actions"] for a in report.agencies) == 4
        assert report.agencies[0]["overdue"] == 1  # the open one past its deadline; the secret two are withheld
        assert (report.trend[-1]["open"], report.trend[-1]["overdue"], report.trend[-1]["closed"]) == (3, 1, 1)
        assert dict((g.value, n) for g, n in report.groups)["age"] == 2
        db.session.remove()
