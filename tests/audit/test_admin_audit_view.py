"""Administrators read the whole audit log, including the entries no partnership's log shows: changes to people's
accounts, which belong to no partnership."""
import sqlalchemy as sa

from tests.conftest import text
from tracker.audit.models import AuditEntry
from tracker.enums import AuditEvent
from tracker.extensions import db


def _rename_a_person(make, as_user):
    """A coordinator corrects the name of someone whose roles are all in their partnership: a change to an account,
    which no partnership's log shows."""
    partnership = make.partnership(name="Milton Keynes")
    coordinator = make.member(partnership, "coordinator", name="Priya Shah")
    tom = make.member(partnership, "viewer", name="Tom Reed", email="tom@example.org")
    browser = as_user(coordinator)
    browser.post(f"/partnerships/{partnership.id}/people/{tom.id}", {"name": "Tom Reid", "email": "tom@example.org"})
    browser.post(f"/partnerships/{partnership.id}/agencies/new", {"name": "MK Act", "sector": "specialist_da_service"})
    return partnership, browser


def test_the_instance_log_shows_a_change_that_belongs_to_no_partnership(app, make, as_user):
    partnership, coordinator = _rename_a_person(make, as_user)
    assert "Full name changed" not in text(coordinator.get(f"/partnerships/{partnership.id}/audit"))
    admin = as_user(make.user(is_administrator=True))
    page = text(admin.get("/admin/audit"))
    assert "None Account: Tom Reid Full name changed from Tom Reed to Tom Reid by Priya Shah" in page
    assert "Milton Keynes Agency: MK Act Created by Priya Shah" in page


def test_the_instance_log_filters_by_record_and_by_no_partnership(app, make, as_user):
    _rename_a_person(make, as_user)
    admin = as_user(make.user(is_administrator=True))
    without = text(admin.get("/admin/audit?partnership=none"))
    assert "Account: Tom Reid Full name changed" in without and "Agency: MK Act" not in without
    agencies = text(admin.get("/admin/audit?record=Agency"))
    assert "Agency: MK Act Created by Priya Shah" in agencies and "Account:" not in agencies
    assert "1 entry matches these filters" in agencies
    nothing = text(admin.get("/admin/audit?record=Agency&partnership=none"))
    assert "No entries match these filters" in nothing


def test_a_filter_value_that_is_not_offered_is_ignored(app, make, as_user):
    _rename_a_person(make, as_user)
    admin = as_user(make.user(is_administrator=True))
    response = admin.get("/admin/audit?record=Secrets&partnership=99999999999999")
    assert response.status_code == 200
    assert "Account: Tom Reid Full name changed" in text(response) and "Agency: MK Act Created" in text(response)


def test_the_instance_log_pages_through_many_entries(app, make, as_user):
    admin_user = make.user(is_administrator=True)
    with app.app_context():
        db.session.execute(sa.insert(AuditEntry), [
            dict(event=AuditEvent.UPDATE, entity_type="User", entity_id=admin_user.id, entity_label=f"Entry {n}",
                 changes={}, note="") for n in range(30)])
        db.session.commit()
        total = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    admin = as_user(admin_user)
    first = text(admin.get("/admin/audit?partnership=none"))
    assert f"Showing 1 to 25 of {total}" in first
    second = text(admin.get("/admin/audit?partnership=none&page=2"))
    assert f"Showing 26 to {total} of {total}" in second


def test_coordinators_and_other_members_cannot_read_the_instance_log(app, make, as_user):
    partnership = make.partnership()
    for role in ("coordinator", "viewer"):
        response = as_user(make.member(partnership, role)).get("/admin/audit")
        assert response.status_code == 403
        assert "You do not have access to this page" in text(response)
