"""The meeting pack goes once to each strategic group member with its PDF; the calendar feed and its secret."""
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from tests.conftest import Browser, text
from tracker.actions.state import london_today
from tracker.email import deliver_outbox
from tracker.extensions import db
from tracker.reports.meetings import send_due_packs
from tracker.reports.models import Meeting

TODAY = london_today()


@pytest.fixture
def group(app, make):
    p = make.partnership(name="Milton Keynes")
    police = make.agency(p, name="Thames Valley Police")
    tom = make.member(p, "agency_lead", agency=police, name="Tom Reid", email="tom@example.org")
    members = [make.member(p, "strategic_member", name=f"Member {n}", email=f"member{n}@example.org")
               for n in range(3)]
    make.member(p, "viewer", email="viewer@example.org")
    late = make.action(p, title="Publish MARAC protocol", lead_agency=police, owner=tom,
                       deadline=TODAY - timedelta(days=5))
    done = make.action(p, title="Refresh the strategy", lead_agency=police, owner=tom,
                       deadline=TODAY + timedelta(days=20), status="completed")
    return dict(p=p, police=police, tom=tom, members=members, late=late, done=done)


def test_the_pack_goes_once_to_each_strategic_member_with_its_pdf(mail_app, smtp_server, group, make):
    make.save(Meeting(partnership_id=group["p"].id, meets_on=TODAY + timedelta(days=6), pack_days_before=7))
    make.save(Meeting(partnership_id=group["p"].id, meets_on=TODAY + timedelta(days=40), pack_days_before=7))
    with mail_app.app_context():
        assert send_due_packs(TODAY) == 3
        deliver_outbox()
        assert send_due_packs(TODAY) == 0  # a second run sends nothing
        deliver_outbox()
    assert sorted(m["To"] for m in smtp_server.messages) == [m.email for m in group["members"]]
    message = smtp_server.messages[0]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    reader = PdfReader(io.BytesIO(attachment.get_content()))
    content = " ".join(page.extract_text() for page in reader.pages)
    assert "Publish MARAC protocol" in content and "Refresh the strategy" in content
    assert "awaiting sign-off" in content and "Pack for the strategic group meeting" in content


def test_a_pack_not_yet_due_is_not_sent(mail_app, smtp_server, group, make):
    make.save(Meeting(partnership_id=group["p"].id, meets_on=TODAY + timedelta(days=8), pack_days_before=7))
    with mail_app.app_context():
        assert send_due_packs(TODAY) == 0
    assert smtp_server.messages == []


def test_the_second_pack_reports_what_changed_since_the_first(app, group, make):
    from tracker.accounts.models import User
    from tracker.actions.models import Action
    from tracker.partnerships.models import Partnership
    from tracker.reports import services

    first = make.save(Meeting(partnership_id=group["p"].id, meets_on=TODAY, pack_days_before=0))
    with app.app_context():
        send_due_packs(TODAY)  # the first pack, and its snapshot
        action = db.session.get(Action, group["done"].id)
        action.status = "blocked"  # green (completed) then red
        db.session.commit()
        reader = db.session.get(User, group["members"][0].id)
        changes = services.changes_since(services.scope_for(reader, db.session.get(Partnership, group["p"].id)),
                                         TODAY + timedelta(days=23), db.session.get(Meeting, first.id))
    assert [(c["title"], c["before"].value, c["after"].value) for c in changes.rag_changes.rows] == [
        ("Refresh the strategy", "green", "red")]
    assert {(before.value, after.value): n for (before, after), n in changes.rag_moves.items()} == {
        ("green", "red"): 1}
    assert changes.since == TODAY


def test_the_pack_opens_with_the_figures_at_a_glance(app, group, as_user):
    member = as_user(group["members"][0])
    pack = member.get(f"/partnerships/{group['p'].id}/reports/pack.pdf")
    content = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pack.data)).pages).split())
    glance = content.split("At a glance")[1].split("Changes since the last meeting")[0]
    assert "Actions 2 (red 1, amber 0, green 1, closed 0)" in glance
    assert "Overdue 1 (the longest 5 days late)" in glance
    assert "Completed, for the strategic group to decide on 1" in glance
    assert "RAG changed since the last meeting First pack: no comparison yet" in glance


def test_each_list_of_changes_is_counted_in_full_and_read_in_part(app, group, make):
    from tracker.accounts.models import User
    from tracker.partnerships.models import Partnership
    from tracker.reports import services

    make.action(group["p"], title="Audit MARAC referrals", lead_agency=group["police"], owner=group["tom"],
                deadline=TODAY - timedelta(days=9))
    with app.app_context():
        scope = services.scope_for(db.session.get(User, group["members"][0].id),
                                   db.session.get(Partnership, group["p"].id))
        changes = services.changes_since(scope, TODAY, None, listed=1)
    assert [r["title"] for r in changes.newly_overdue.rows] == ["Audit MARAC referrals"]  # the most overdue
    assert (changes.newly_overdue.total, changes.newly_overdue.more) == (2, 1)
    assert [r["title"] for r in changes.awaiting_sign_off.rows] == ["Refresh the strategy"]
    assert changes.awaiting_sign_off.more == 0


def test_the_coordinator_sets_monthly_meetings(app, make, group):
    coordinator = make.member(group["p"], "coordinator")
    browser = Browser(app.test_client())
    browser.sign_in(coordinator.email)
    url = f"/partnerships/{group['p'].id}/meetings"
    response = browser.post(url, {"rule-nth": "1", "rule-weekday": "1", "rule-months": "6",
                                  "rule-pack_days_before": "7", "rule-submit": "1"})
    assert response.status_code == 302
    with app.app_context():
        days = db.session.scalars(sa.select(Meeting.meets_on).order_by(Meeting.meets_on)).all()
    assert len(days) in (5, 6) and all(d.weekday() == 1 and d.day <= 7 for d in days)
    refused = browser.post(url, {"one-meets_on": "1/1/2020", "one-pack_days_before": "7", "one-submit": "1"})
    assert "The meeting date must be today or later" in text(refused)


def test_calendar_feed_lists_deadlines_at_a_secret_revocable_address(app, make, group):
    browser = Browser(app.test_client())
    browser.sign_in(group["tom"].email)
    browser.post("/account/calendar", {}, form_url="/account/preferences")
    page = browser.get("/account/preferences").get_data(as_text=True)
    address = page.split("<code>")[1].split("</code>")[0]
    path = address.split("://", 1)[1].split("/", 1)[1]
    anonymous = app.test_client()
    feed = anonymous.get("/" + path)
    assert feed.mimetype == "text/calendar"
    body = feed.get_data(as_text=True)
    assert "BEGIN:VCALENDAR" in body and f"DTSTART;VALUE=DATE:{group['late'].deadline:%Y%m%d}" in body
    assert "SUMMARY:Deadline: Publish MARAC protocol" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert "Refresh the strategy" not in body  # completed: no longer a deadline to meet
    assert "<code>" not in browser.get("/account/preferences").get_data(as_text=True)  # shown once
    browser.post("/account/calendar", {"revoke": "1"}, form_url="/account/preferences")
    assert anonymous.get("/" + path).status_code == 404


def test_an_emailed_pack_carries_no_words_of_an_unpublished_review(mail_app, smtp_server, group, make):
    member = group["members"][0]
    review = make.review(group["p"], panel=[(member, True)])  # even its own panel chair gets no words by email
    recommendation = make.recommendation(review, agencies=[group["police"]])
    make.action(group["p"], title="Share records about Adult Z", lead_agency=group["police"], owner=group["tom"],
                deadline=TODAY - timedelta(days=2), recommendation_id=recommendation.id, source="dhr")
    make.save(Meeting(partnership_id=group["p"].id, meets_on=TODAY + timedelta(days=3), pack_days_before=7))
    with mail_app.app_context():
        send_due_packs(TODAY)
        deliver_outbox()
    [message] = smtp_server.to(member.email)
    [attachment] = list(message.iter_attachments())
    content = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(attachment.get_content())).pages)
    assert "Adult Z" not in content
    assert "1 overdue action from a review not yet published is not shown." in content
