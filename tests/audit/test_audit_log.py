"""One mechanism writes the audit log for every create, update and delete, with before and after values."""
import sqlalchemy as sa

from tests.conftest import text
from tracker.audit.models import AuditEntry
from tracker.enums import AuditEvent
from tracker.extensions import db


def _entries(app, entity_type):
    with app.app_context():
        return db.session.execute(
            sa.select(AuditEntry.event, AuditEntry.user_id, AuditEntry.changes, AuditEntry.partnership_id)
            .where(AuditEntry.entity_type == entity_type).order_by(AuditEntry.id)).all()


def test_create_update_delete_of_an_agency_are_recorded_with_who_and_what(app, make, as_user):
    partnership = make.partnership()
    coordinator = make.member(partnership, "coordinator")
    browser = as_user(coordinator)
    base = f"/partnerships/{partnership.id}/agencies"
    browser.post(f"{base}/new", {"name": "Housing Options", "sector": "housing"})
    with app.app_context():
        from tracker.partnerships.models import Agency

        agency_id = db.session.scalar(sa.select(Agency.id).where(Agency.name == "Housing Options"))
    browser.post(f"{base}/{agency_id}/edit", {"name": "Housing Solutions", "sector": "local_authority"})
    browser.post(f"{base}/{agency_id}/delete", {})

    created, updated, deleted = _entries(app, "Agency")
    assert created.event is AuditEvent.CREATE and created.user_id == coordinator.id
    assert created.changes["name"] == [None, "Housing Options"]
    assert created.partnership_id == partnership.id
    assert updated.event is AuditEvent.UPDATE
    assert updated.changes == {"name": ["Housing Options", "Housing Solutions"],
                               "sector": ["housing", "local_authority"]}
    assert deleted.event is AuditEvent.DELETE and deleted.changes["name"] == ["Housing Solutions", None]


def test_an_unchanged_save_writes_nothing(app, make, as_user):
    partnership = make.partnership()
    agency = make.agency(partnership, name="Police", sector="police")
    browser = as_user(make.member(partnership, "coordinator"))
    before = len(_entries(app, "Agency"))
    browser.post(f"/partnerships/{partnership.id}/agencies/{agency.id}/edit", {"name": "Police", "sector": "police"})
    assert len(_entries(app, "Agency")) == before


def test_password_changes_are_recorded_without_the_hash(app, make, as_user):
    person = make.user()
    as_user(person).post("/account/password", {"current_password": "correct horse battery staple",
                                               "password": "another fine passphrase",
                                               "confirm": "another fine passphrase"})
    [*_, change] = _entries(app, "User")
    assert change.user_id == person.id
    assert change.changes["password_hash"] == ["(changed, not shown)", "(changed, not shown)"]
    assert "argon2" not in str(change.changes)


def test_coordinator_reads_the_partnership_log(app, make, as_user):
    partnership = make.partnership()
    coordinator = make.member(partnership, "coordinator", name="Priya Shah")
    browser = as_user(coordinator)
    browser.post(f"/partnerships/{partnership.id}/agencies/new", {"name": "MK Act", "sector": "specialist_da_service"})
    page = text(browser.get(f"/partnerships/{partnership.id}/audit"))
    assert "Priya Shah" in page
    assert "Agency: MK Act Created by Priya Shah Sector: Specialist domestic abuse service" in page


def test_changing_who_a_recommendation_is_addressed_to_is_recorded(app, make, as_user):
    partnership = make.partnership()
    police, housing = make.agency(partnership, name="Police"), make.agency(partnership, name="Housing")
    coordinator = as_user(make.member(partnership, "coordinator"))
    review = make.review(partnership)
    recommendation = make.recommendation(review, number="2", agencies=[police])
    coordinator.post(f"/recommendations/{recommendation.id}/edit", {
        "number": "2", "text": "Agencies should share information about risk.", "scope": "local",
        "agency_ids": [str(police.id), str(housing.id)], "external_body": "", "component": ""})
    [*_, change] = _entries(app, "Recommendation")
    assert change.changes["agencies"] == ["Police", "Housing, Police"]
