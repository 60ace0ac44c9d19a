"""Retention: a coordinator archives a review for a recorded reason and its personal details are anonymised
everywhere (the review, what belongs to it, the emails and notices about it, the audit log), while its
recommendations, actions and their history stay; and the log forgets who viewed what after a set time."""
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from tests.conftest import Browser, text
from tracker.actions.models import Action
from tracker.actions.services import move_deadline, post_update
from tracker.actions.state import london_today
from tracker.audit.models import AuditEntry
from tracker.audit.services import ANONYMISED, acting_as, purge_view_entries
from tracker.enums import AuditEvent
from tracker.extensions import db
from tracker.partnerships.models import Partnership
from tracker.plans.models import PendingImport
from tracker.plans.services import start_import
from tracker.reminders.feed import calendar_for
from tracker.reviews.models import Recommendation, Review
from tracker.reviews.services import (
    REVIEW_FIELDS,
    add_pause,
    delete_recommendation,
    log_view,
    publish_review,
    save_recommendation,
    save_review,
)
from tracker.scheduler import daily_run

#: a working day, so that the morning run sends its reminders
RUN_DAY = date(2026, 11, 4)
REASON = "The retention period agreed with Zephyrine's family has ended"


def _review(app, review_id):
    with app.app_context():
        review = db.session.get(Review, review_id)
        db.session.expunge(review)
        return review


@pytest.fixture
def world(app, make):
    """A published review whose victim's names were typed wherever people type: the review (first as 'Adult Z',
    then 'Zephyrine, Child Z'), its embargo and pause, a recommendation (and one deleted since), an action, its
    progress note, evidence file and deadline move; with the notices, emails and pending upload that carry them."""
    p = make.partnership()
    police = make.agency(p, name="Police")
    coordinator = make.member(p, "coordinator", name="Cora Coordinator")
    lead = make.member(p, "agency_lead", agency=police, name="Lee Lead")
    chair = make.member(p, "panel_member", name="Pat Chair")
    with app.app_context(), acting_as(coordinator.id):
        partnership = db.session.get(Partnership, p.id)
        actor = db.session.merge(coordinator)
        review = save_review(partnership, None, {
            "reference": "DHR 2024-07", "pseudonyms": "Adult Z", "death_month": 3, "death_year": 2024,
            "status": "approved", "decision_on": date(2024, 5, 1), "approved_on": date(2025, 6, 1),
            "independent_chair": "Ivy Chair", "embargo_note": "Until the inquest into Zephyrine's death",
            "publication_url": ""}, actor)
        save_review(partnership, review, {**{f: getattr(review, f) for f in REVIEW_FIELDS},
                                          "pseudonyms": "Zephyrine, Child Z"}, actor)
        log_view(review, actor)
        add_pause(review, date(2024, 8, 1), "Awaiting the criminal trial about Zephyrine")
        recommendation = save_recommendation(review, None, {
            "number": "1", "text": "Agencies should learn from Zephyrine's contact with services.",
            "scope": "local", "agency_ids": [police.id]})
        deleted = save_recommendation(review, None, {
            "number": "2", "text": "Schools should support Child Z.", "scope": "local", "agency_ids": [police.id]})
        delete_recommendation(deleted)
        publish_review(review, actor, london_today(), "")
        review_id, recommendation_id = review.id, recommendation.id
    action = make.action(p, title="Tell GPs what Zephyrine's case taught", lead_agency=police, owner=lead,
                         deadline=RUN_DAY + timedelta(days=7), recommendation_id=recommendation_id, source="dhr")
    with app.app_context(), acting_as(lead.id):
        record, person = db.session.get(Action, action.id), db.session.merge(lead)
        post_update(record, person, note="Met GPs about Zephyrine", status="in_progress",
                    evidence_upload=("zephyrine-minutes.txt", b"Minutes of the meeting"),
                    expected_version=record.version)
        daily_run(RUN_DAY)  # the reminder digest names the action
        move_deadline(record, db.session.merge(coordinator), RUN_DAY + timedelta(days=60),
                      "Adult Z's inquest moved", expected_version=record.version)
        post_update(record, person, note="Delivered to every practice", status="completed",
                    completion_note="Zephyrine's learning is in the GP newsletter", expected_version=record.version)
        daily_run(RUN_DAY)  # the coordinator's morning email of the claimed closure
        data = b"Recommendation number,Recommendation\n3,Remember Zephyrine\n"
        start_import(db.session.merge(coordinator), db.session.get(Partnership, p.id),
                     db.session.get(Review, review_id), "zephyrine-plan.csv", data, len(data))
    return dict(p=p, coordinator=coordinator, lead=lead, chair=chair, review=review_id, action=action.id,
                recommendation=recommendation_id)


def _archive(app, person, review_id, reason=REASON):
    browser = Browser(app.test_client())
    browser.sign_in(person.email)
    return browser, browser.post(f"/reviews/{review_id}/archive", {"reason": reason})


def _mentions(app, *words):
    """(table, column) of every text column, in every table, that holds any of the words, whatever the case."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, sa.String | sa.JSON) or isinstance(column.type, sa.Enum):
                    continue
                value = sa.func.lower(sa.cast(column, sa.Text))
                if db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
                        sa.or_(*(value.like(f"%{word.lower()}%") for word in words)))):
                    found.append((table.name, column.name))
    return found


def test_the_confirm_page_says_what_goes_and_what_stays_and_asks_why(app, world):
    browser = Browser(app.test_client())
    browser.sign_in(world["coordinator"].email)
    page = text(browser.get(f"/reviews/{world['review']}/archive"))
    assert "What will be removed" in page and "What will be kept" in page
    assert "the pseudonyms (Zephyrine, Child Z): the review will be called ‘Archived review DHR 2024-07’" in page
    assert "the month and year of death (March 2024)" in page
    assert "its recommendations and actions, with their history" in page
    refused = browser.post(f"/reviews/{world['review']}/archive", {"reason": "  "})
    assert refused.status_code == 200
    assert 'id="reason-error"' in refused.get_data(as_text=True)
    assert "Say why the review is being archived" in text(refused)
    assert _review(app, world["review"]).archived_at is None


def test_archiving_anonymises_the_review_and_keeps_its_plan(app, world):
    browser, response = _archive(app, world["coordinator"], world["review"])
    assert response.status_code == 302
    page = text(browser.get(response.headers["Location"]))
    assert "DHR 2024-07 is archived and its personal details have been anonymised." in page
    assert "DHR 2024-07 Archived" in page
    assert f"by Cora Coordinator: The retention period agreed with {ANONYMISED}'s family has ended" in page
    assert "Victim (pseudonym) Archived review DHR 2024-07" in page
    assert "Month of death Not recorded" in page and "Ivy Chair" in page
    assert f"Agencies should learn from {ANONYMISED}'s contact with services." in page
    assert f"Tell GPs what {ANONYMISED}'s case taught" in page
    review = _review(app, world["review"])
    assert (review.pseudonyms, review.death_month, review.death_year, review.embargo_note) == (
        "Archived review DHR 2024-07", None, None, "")
    assert review.decision_on == date(2024, 5, 1) and review.is_published
    listing = text(browser.get(f"/partnerships/{world['p'].id}/actions"))
    assert f"Tell GPs what {ANONYMISED}'s case taught" in listing


def test_the_pseudonym_survives_in_no_table_after_archiving(app, world):
    assert len(_mentions(app, "Zephyrine")) >= 10  # the world put it everywhere people type
    _archive(app, world["coordinator"], world["review"])
    assert _mentions(app, "Zephyrine", "Child Z", "Adult Z") == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingImport)) == 0


def test_the_log_keeps_the_history_forgets_the_names_and_records_who_archived_and_why(app, world):
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    _archive(app, world["coordinator"], world["review"])
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
        assert len(entries) == before + 1  # nothing forgotten but the names: one entry more, the archive
        archive = entries[-1]
        assert (archive.event, archive.entity_type, archive.user_id) == (
            AuditEvent.ARCHIVE, "Review", world["coordinator"].id)
        assert archive.note == f"The retention period agreed with {ANONYMISED}'s family has ended"
        assert archive.changes["pseudonyms"] == [ANONYMISED, "Archived review DHR 2024-07"]
        assert archive.changes["death_year"] == [ANONYMISED, None]
        renamed = next(e for e in entries if e.event is AuditEvent.UPDATE and "pseudonyms" in e.changes)
        assert renamed.changes["pseudonyms"] == [ANONYMISED, ANONYMISED]
        created = next(e for e in entries if e.entity_type == "Review" and e.event is AuditEvent.CREATE)
        assert created.changes["death_month"] == [None, ANONYMISED]
        assert created.changes["reference"] == [None, "DHR 2024-07"]
        gone = next(e for e in entries if e.entity_type == "Recommendation" and e.event is AuditEvent.DELETE)
        assert gone.changes["text"][0] == f"Schools should support {ANONYMISED}."
    browser = Browser(app.test_client())
    browser.sign_in(world["coordinator"].email)
    log = text(browser.get(f"/partnerships/{world['p'].id}/audit"))
    assert "Review: DHR 2024-07 Archived and anonymised by" in log


def test_a_review_of_another_victim_with_the_same_pseudonym_is_untouched(app, make, world):
    other = make.review(world["p"], reference="DHR 2019-01", pseudonyms="Zephyrine")
    make.recommendation(other, text="Housing should ask Zephyrine's neighbours.")
    _archive(app, world["coordinator"], world["review"])
    assert _review(app, other.id).pseudonyms == "Zephyrine"
    with app.app_context():
        assert db.session.scalar(sa.select(Recommendation.text).where(Recommendation.review_id == other.id)) == \
            "Housing should ask Zephyrine's neighbours."


@pytest.mark.parametrize("who", ["panel chair", "agency lead", "coordinator elsewhere"])
def test_only_a_coordinator_of_the_partnership_archives(app, make, world, who):
    if who == "panel chair":
        person = world["chair"]
        with app.app_context():
            from tracker.reviews.models import PanelMember

            db.session.add(PanelMember(review_id=world["review"], user_id=person.id, is_chair=True))
            db.session.commit()
    else:
        person = world["lead"] if who == "agency lead" else make.member(make.partnership(), "coordinator")
    browser, response = _archive(app, person, world["review"])
    assert response.status_code == 403
    assert browser.get(f"/reviews/{world['review']}/archive").status_code == 403
    assert _review(app, world["review"]).archived_at is None


def test_an_archived_review_is_read_only_and_says_so(app, world):
    browser, _ = _archive(app, world["coordinator"], world["review"])
    review_id, recommendation_id = world["review"], world["recommendation"]
    page = browser.get(f"/reviews/{review_id}").get_data(as_text=True)
    for link in ("/edit", "/panel", "/archive", "/recommendations/new", "/import"):
        assert f"/reviews/{review_id}{link}" not in page
    for url in (f"/reviews/{review_id}/edit", f"/reviews/{review_id}/pause", f"/reviews/{review_id}/panel",
                f"/reviews/{review_id}/recommendations/new", f"/recommendations/{recommendation_id}/edit",
                f"/reviews/{review_id}/send-to-bodies", f"/reviews/{review_id}/archive"):
        refused = browser.post(url, {"reference": "DHR 2099-01", "pseudonyms": "Someone", "text": "x"}, form_url="/")
        assert refused.status_code == 302 and refused.headers["Location"] == f"/reviews/{review_id}", url
        assert "This review is archived: it is kept as it was and can no longer be changed." in text(
            browser.get(refused.headers["Location"]))
    # other features ask the one rule, which refuses changes to an archived review
    assert browser.get(f"/reviews/{review_id}/import").status_code == 403
    assert browser.get(f"/recommendations/{recommendation_id}/actions/new").status_code == 403
    review = _review(app, review_id)
    assert (review.reference, review.pseudonyms) == ("DHR 2024-07", "Archived review DHR 2024-07")


def test_an_archived_review_is_tagged_in_the_list_and_leaves_the_calendar(app, make, world):
    other = make.review(world["p"], reference="DHR 2026-01", decision_on=date(2026, 1, 5))
    archived = make.review(world["p"], reference="DHR 2026-02", decision_on=date(2026, 1, 5))
    _archive(app, world["coordinator"], archived.id)
    with app.app_context():
        feed = calendar_for(db.session.merge(world["coordinator"]))
    assert f"review-{other.id}-target" in feed and f"review-{archived.id}-target" not in feed
    browser = Browser(app.test_client())
    browser.sign_in(world["coordinator"].email)
    listing = text(browser.get(f"/partnerships/{world['p'].id}/reviews"))
    assert "DHR 2026-02 Domestic Homicide Review Archived review DHR 2026-02" in listing
    assert listing.count("Archived review") == 1 and "Confidential Archived" in listing


# Views are forgotten after AUDIT_VIEW_RETENTION_DAYS

def _entry(event, at, entity_id=1):
    return AuditEntry(at=at, event=event, entity_type="Review", entity_id=entity_id, changes={})


def test_the_daily_run_forgets_views_older_than_the_setting_and_keeps_every_change(app, make_app):
    now = datetime(2027, 6, 1, 6, 0, tzinfo=UTC)
    days = app.config["AUDIT_VIEW_RETENTION_DAYS"]
    assert days == 365
    with app.app_context():
        old, edge = now - timedelta(days=days, seconds=1), now - timedelta(days=days) + timedelta(seconds=1)
        db.session.add_all([_entry(AuditEvent.VIEW, old, 1), _entry(AuditEvent.VIEW, edge, 2),
                            _entry(AuditEvent.VIEW, now - timedelta(days=3), 3),
                            *(_entry(event, now - timedelta(days=5000), 4) for event in AuditEvent
                              if event is not AuditEvent.VIEW)])
        db.session.commit()
        with time_machine.travel(now, tick=False):
            run = daily_run(date(2027, 6, 1))
        assert run.views_purged == 1
        kept = db.session.execute(sa.select(AuditEntry.event, AuditEntry.entity_id)).all()
        assert sorted((e.value, i) for e, i in kept) == sorted(
            [("view", 2), ("view", 3)] + [(e.value, 4) for e in AuditEvent if e is not AuditEvent.VIEW])
    shorter = make_app(AUDIT_VIEW_RETENTION_DAYS=2)
    with shorter.app_context(), time_machine.travel(now, tick=False):
        assert purge_view_entries() == 2
        assert purge_view_entries() == 0
        events = db.session.scalars(sa.select(AuditEntry.event)).all()
        assert AuditEvent.VIEW not in events and len(events) == len(AuditEvent) - 1
