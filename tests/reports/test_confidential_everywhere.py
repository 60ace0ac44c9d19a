"""One rule for confidential reviews in every aggregate, checked across features: each person of a partnership
asks for every report, export, pack and feed (the routes come from the app's URL map), and nothing of an
unpublished review reaches anyone who cannot open it, while the counts they are shown equal the rows they can
open. The emailed meeting pack carries none of it, whoever receives it."""
import csv
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import Browser
from tracker.actions.state import london_today
from tracker.email import deliver_outbox
from tracker.enums import ActionStatus
from tracker.extensions import db
from tracker.reports.meetings import send_due_packs
from tracker.reports.models import Meeting

TODAY = london_today()
DONE = (ActionStatus.COMPLETED, ActionStatus.CLOSED)

#: everything of the unpublished review that only those who can open it may read, by what it is
SECRET = {
    "reference": "DHR 2099-ZX",
    "pseudonym": "Zephyrine",
    "recommendation text": "Quillfeather should screen every caller for coercion",
    "national recommendation text": "Ministers should fund zephyr advocates",
    "body it addresses": "Ministry of Zephyr Affairs",
    "agency it alone addresses": "Quillfeather Refuge Trust",
    "theme only it raises": "Zephyr lessons",
    "action title": "Install Zephyr screening protocol",
    "completed action title": "Audit Zephyr casework",
    "update note": "Zephyr pilot slipped",
}
#: what the lead of the agency that delivers the review's actions may read: their own actions and agency, not the
#: review (the Python rule _sees_action lets them open the action, never the review)
DELIVERERS_OWN = {"agency it alone addresses", "action title", "completed action title", "update note",
                  "theme only it raises"}
#: no report, export or feed prints a victim's pseudonym, so nothing shows it even to those who may read it; a
#: progress update's note is in the reports only
NEVER_PRINTED, ONLY_IN_REPORTS = {"pseudonym"}, {"update note"}

#: what the generated list of routes covers, beyond every GET route of the reports blueprint
ALSO = {"actions.export_actions", "actions.list_actions", "plans.export_register", "plans.export_plan",
        "reminders.calendar_feed", "home.index", "reviews.external_register"}

#: person -> may open the unpublished review
READERS = {
    "coordinator": True,
    "panel chair of the review": True,
    "strategic member on the review's panel": True,
    "agency lead": False,
    "lead of the agency the review tasks": False,
    "strategic chair": False,
    "strategic member": False,
    "viewer": False,
    "panel member of another review": False,
}


@pytest.fixture
def world(app, make):
    from tracker.reviews.models import Theme

    p = make.partnership(name="Northshire Partnership")
    police = make.agency(p, name="Northshire Police")
    homes = make.agency(p, name="Northshire Homes")
    refuge = make.agency(p, name=SECRET["agency it alone addresses"])
    people = {
        "coordinator": make.member(p, "coordinator"),
        "panel chair of the review": make.member(p, "panel_member"),
        "strategic member on the review's panel": make.member(p, "strategic_member"),
        "agency lead": make.member(p, "agency_lead", agency=police),
        "lead of the agency the review tasks": make.member(p, "agency_lead", agency=refuge),
        "strategic chair": make.member(p, "strategic_member", is_chair=True),
        "strategic member": make.member(p, "strategic_member"),
        "viewer": make.member(p, "viewer"),
        "panel member of another review": make.member(p, "panel_member"),
    }
    lesson = make.save(Theme(partnership_id=p.id, name=SECRET["theme only it raises"]))
    published = make.review(p, reference="DHR 2023-04", status="published", published_on=TODAY - timedelta(days=200),
                            pseudonyms="Ruth")
    secret = make.review(p, reference=SECRET["reference"], pseudonyms=SECRET["pseudonym"],
                         panel=[(people["panel chair of the review"], True),
                                (people["strategic member on the review's panel"], False)])
    other = make.review(p, reference="DHR 2098-07", panel=[(people["panel member of another review"], True)])
    make.recommendation(other, number="1", text="Share risk at every transfer.", agencies=[homes])

    public_rec = make.recommendation(published, number="1", text="Police should check a partner's history.",
                                     agencies=[police])
    make.recommendation(published, number="N1", scope="national", external_body="Home Office Safeguarding Unit",
                        text="Publish guidance on history checks.", sent_on=TODAY - timedelta(days=90),
                        response_due_on=TODAY - timedelta(days=34))
    secret_rec = make.recommendation(secret, number="1", text=SECRET["recommendation text"], agencies=[refuge])
    make.recommendation(secret, number="N1", scope="national", external_body=SECRET["body it addresses"],
                        text=SECRET["national recommendation text"], sent_on=TODAY - timedelta(days=100),
                        response_due_on=TODAY - timedelta(days=44))
    with app.app_context():
        from tracker.reviews.models import Recommendation

        db.session.get(Recommendation, secret_rec.id).themes = [db.session.get(Theme, lesson.id)]
        db.session.commit()

    def act(title, agency, days, owner=None, status="in_progress", **fields):
        return make.action(p, title=title, lead_agency=agency, owner=owner, deadline=TODAY + timedelta(days=days),
                           status=status, **fields)

    lead, deliverer = people["agency lead"], people["lead of the agency the review tasks"]
    late_secret = act(SECRET["action title"], refuge, -12, owner=deliverer, recommendation_id=secret_rec.id,
                      source="dhr", theme=SECRET["theme only it raises"])
    make.update(late_secret, deliverer, note=SECRET["update note"])
    act(SECRET["completed action title"], refuge, 30, owner=deliverer, status="completed",
        recommendation_id=secret_rec.id, source="dhr", completed_on=TODAY)
    act("Check a partner's history at every call", police, -20, owner=lead, recommendation_id=public_rec.id,
        source="dhr")
    act("Confirm history checks are routine", police, 10, owner=lead, status="completed",
        recommendation_id=public_rec.id, source="dhr", completed_on=TODAY)
    act("Refresh the domestic abuse strategy", police, -5, owner=lead)
    act("Commission a perpetrator programme", homes, 40, status="completed", completed_on=TODAY)
    act("Map refuge capacity", homes, 60)
    meeting = make.save(Meeting(partnership_id=p.id, meets_on=TODAY + timedelta(days=3), pack_days_before=7))
    return dict(p=p, people=people, reviews=[published, secret, other], meeting=meeting)


def _routes(app, world, token):
    """(endpoint, url) for every GET route the test covers, built from the URL map: a new report is covered
    without a change here, and a route with an argument this test does not know fails it."""
    from flask import url_for

    values = {"partnership_id": [world["p"].id], "review_id": [r.id for r in world["reviews"]],
              "token": [token], "meeting_id": [world["meeting"].id]}
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or not (rule.endpoint.startswith("reports.") or rule.endpoint in ALSO):
                continue
            choices = [[(name, v) for v in (sorted(rule._converters[name].items) if name == "kind"
                                            else values[name])] for name in sorted(rule.arguments)]
            for combination in _product(choices):
                routes.append((rule.endpoint, dict(combination).get("kind"),
                               url_for(rule.endpoint, **dict(combination))))
    assert {e for e, _, _ in routes} >= ALSO | {"reports.overdue", "reports.progress", "reports.learning",
                                                 "reports.pack"}
    return routes


def _product(choices):
    if not choices:
        return [[]]
    return [[first, *rest] for first in choices[0] for rest in _product(choices[1:])]


def _pdf(data):
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _sheets(data):
    """Every visible sheet's cells as rows. The hidden "Lists" sheet of a plan export holds the drop-downs (the
    partnership's agencies and themes, which every member may know); that a review addresses one is the secret."""
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            for sheet in workbook.worksheets if sheet.sheet_state == "visible"}


def _body(response):
    """What a person could read in the response, as text."""
    mimetype = response.mimetype
    if mimetype == "application/pdf":
        return _pdf(response.data)
    if mimetype.endswith("spreadsheetml.sheet"):
        return "\n".join("\t".join(row) for rows in _sheets(response.data).values() for row in rows)
    if mimetype.endswith("wordprocessingml.document"):
        document = WordDocument(io.BytesIO(response.data))
        return "\n".join([p.text for p in document.paragraphs] + [cell.text for table in document.tables
                                                                  for row in table.rows for cell in row.cells])
    html = response.get_data(as_text=True)
    # a filter's list of the partnership's agencies is not about any review
    return unescape(re.sub(r"<select\b.*?</select>", " ", html, flags=re.S))


def _expected(app, world, who):
    """What this person can open, by the Python rule (can(user, "view", action)), independent of the SQL the
    reports use; reports of an agency lead cover their agencies' actions."""
    from tracker.accounts.models import User
    from tracker.actions.models import Action
    from tracker.enums import Role
    from tracker.permissions import can, roles_in

    with app.app_context():
        user = db.session.get(User, world["people"][who].id)
        actions = db.session.scalars(db.select(Action).where(Action.partnership_id == world["p"].id)).all()
        whole = roles_in(user, world["p"].id) & {Role.COORDINATOR, Role.STRATEGIC_MEMBER, Role.VIEWER}
        led = {m.agency_id for m in user.memberships if m.role is Role.AGENCY_LEAD}
        in_scope = [a for a in actions if whole or a.lead_agency_id in led]
        opens = {a.id for a in actions if can(user, "view", a)}
        late = {a.id for a in actions if a.deadline < TODAY and a.status not in DONE}
        return dict(listed=len(opens), total=len([a for a in in_scope if a.id in opens]),
                    overdue=len([a for a in in_scope if a.id in opens & late]),
                    withheld=len([a for a in in_scope if a.id not in opens]),
                    withheld_overdue=len([a for a in in_scope if a.id in late - opens]),
                    reads_reports=can(user, "view_reports", world["p"]))


def _number(pattern, body, default=None):
    found = re.search(pattern, body)
    assert found or default is not None, pattern
    return int(found.group(1)) if found else default


def _counts_shown(endpoint, kind, response, body):
    """(what, number) pairs for the counts of actions a response shows, each with the line saying how many are
    not shown (no line: none)."""
    withheld = r"(\d+) {}actions? from (?:a review|reviews) not yet published"
    is_pdf, shown = response.mimetype == "application/pdf", []
    if endpoint in ("reports.overdue", "reports.pack") and kind in (None, "pdf"):
        shown += [("overdue", _number(r"(\d+) overdue actions?; on average" if is_pdf
                                      else r"<strong>(\d+)</strong> overdue actions?</li>", body)),
                  ("withheld_overdue", _number(withheld.format("overdue "), body, 0))]
    if endpoint in ("reports.progress", "reports.pack") and kind in (None, "pdf"):
        shown += [("total", _number(r"(\d+) actions; \d+ completed" if is_pdf
                                    else r"<strong>(\d+)</strong> actions</li>", body)),
                  ("withheld", _number(withheld.format(""), body, 0))]
    if endpoint == "reports.overdue" and kind == "csv":
        rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
        shown.append(("overdue", sum(1 for row in rows if row[0] == "Overdue actions") - 1))
    if endpoint == "reports.overdue" and kind == "xlsx":
        shown.append(("overdue", len(_sheets(response.data)["Overdue actions"]) - 1))
    if endpoint == "reports.progress" and kind == "csv":
        shown.append(("total", _number(r"\nDelivery,Actions,(\d+)", body)))
    if endpoint == "reports.progress" and kind == "xlsx":
        shown.append(("total", int(dict(row[:2] for row in _sheets(response.data)["Delivery"])["Actions"])))
    if endpoint == "actions.list_actions":
        shown.append(("listed", _number(r'<p role="status">(\d+) actions?', body)))
    if endpoint == "actions.export_actions":
        shown.append(("listed", len(list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))) - 1))
    if endpoint == "home.index" and "delivery at a glance" in body:
        shown += [("overdue", _number(r"<strong>(\d+)</strong> overdue</li>", body)),
                  ("total", _number(r"<strong>(\d+)</strong> actions in all", body))]
    return shown


@pytest.mark.parametrize("who", list(READERS))
def test_nothing_of_an_unpublished_review_reaches_those_who_cannot_open_it(app, world, who):
    from tracker.accounts.models import User
    from tracker.reminders.feed import new_feed

    with app.app_context():
        token = new_feed(db.session.get(User, world["people"][who].id))
    expected = _expected(app, world, who)
    browser = Browser(app.test_client())
    browser.sign_in(world["people"][who].email)
    may_open = READERS[who]
    allowed = set(SECRET) if may_open else DELIVERERS_OWN if who == "lead of the agency the review tasks" else set()
    read, opened = [], set()
    for endpoint, kind, url in _routes(app, world, token):
        response = browser.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        if endpoint.startswith("reports.") and endpoint != "reports.meetings" and expected["reads_reports"]:
            assert response.status_code == 200, url
        body = _body(response)
        read.append(body)
        opened |= {name for name, words in SECRET.items() if words in body}
        leaked = {name for name, words in SECRET.items() if words in body} - allowed
        assert not leaked, (who, url, leaked)
        if response.status_code == 200:
            for what, number in _counts_shown(endpoint, kind, response, body):
                assert number == expected[what], (who, url, what, number, expected[what])
    everything = "\n".join(read)
    if may_open:
        shown = set(SECRET) - NEVER_PRINTED - (set() if expected["reads_reports"] else ONLY_IN_REPORTS)
        assert opened == shown, (who, shown - opened)
    assert "Home Office Safeguarding Unit" in everything  # the published review's overdue response, for everyone


def test_the_strategic_chairs_reports_and_action_list_agree(app, world):
    browser = Browser(app.test_client())
    browser.sign_in(world["people"]["strategic chair"].email)
    p = world["p"].id
    progress = _number(r"<strong>(\d+)</strong> actions</li>", browser.get(f"/partnerships/{p}/reports/progress")
                       .get_data(as_text=True))
    listed = _number(r'<p role="status">(\d+) actions?', browser.get(f"/partnerships/{p}/actions")
                     .get_data(as_text=True))
    assert progress == listed == 5


def test_the_pack_puts_to_the_meeting_only_what_the_strategic_group_signs_off(app, world):
    browser = Browser(app.test_client())
    browser.sign_in(world["people"]["strategic chair"].email)
    content = _pdf(browser.get(f"/partnerships/{world['p'].id}/reports/pack.pdf").data)
    decisions = content.split("strategic group to sign off")[1].split("Newly overdue")[0]
    assert "Commission a perpetrator programme" in decisions
    assert "Confirm history checks are routine" not in content  # its review's panel chair closes it
    assert SECRET["completed action title"] not in content


def test_the_pack_emailed_to_the_strategic_group_carries_nothing_of_it(mail_app, smtp_server, world):
    with mail_app.app_context():
        assert send_due_packs(TODAY) == 3
        deliver_outbox()
    group = {world["people"][who].email for who in ("strategic chair", "strategic member",
                                                    "strategic member on the review's panel")}
    assert {m["To"] for m in smtp_server.messages} == group
    for message in smtp_server.messages:
        [attachment] = list(message.iter_attachments())
        words = " ".join([message["Subject"], message.get_body(("plain",)).get_content(),
                          message.get_body(("html",)).get_content(), _pdf(attachment.get_content())])
        assert not [name for name, secret in SECRET.items() if secret in words], message["To"]
        assert "1 overdue action from a review not yet published is not shown." in words
        assert "Home Office Safeguarding Unit" in words
