"""Coordinators manage agencies, people and roles; bad input is refused beside the field and saves nothing."""
import pytest
import sqlalchemy as sa

from tests.conftest import text
from tracker.accounts.models import User
from tracker.enums import Role
from tracker.extensions import db
from tracker.partnerships.models import Agency, Membership


@pytest.fixture
def setting(app, make, as_user):
    partnership = make.partnership(name="Milton Keynes")
    other = make.partnership(name="Luton")
    police = make.agency(partnership, name="Thames Valley Police")
    foreign = make.agency(other, name="Bedfordshire Police")
    coordinator = make.member(partnership, "coordinator", name="Priya Shah")
    return dict(partnership=partnership, other=other, police=police, foreign=foreign,
                coordinator=as_user(coordinator))


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_coordinator_sees_the_partnership_and_its_agencies(setting):
    page = text(setting["coordinator"].get(f"/partnerships/{setting['partnership'].id}"))
    assert "Milton Keynes" in page and "Thames Valley Police" in page and "Police" in page
    assert "Bedfordshire Police" not in page


def test_add_an_agency(app, setting):
    url = f"/partnerships/{setting['partnership'].id}/agencies/new"
    response = setting["coordinator"].post(url, {"name": "  MK   Act ", "sector": "specialist_da_service"})
    assert response.status_code == 302
    assert _count(app, Agency, Agency.name == "MK Act") == 1


@pytest.mark.parametrize("fields, field_id, message", [
    ({"name": "", "sector": "police"}, "name", "Enter the agency's name"),
    ({"name": "   ", "sector": "police"}, "name", "Enter the agency's name"),
    ({"name": "thames valley POLICE", "sector": "police"}, "name", "already has an agency with this name"),
    ({"name": "New agency", "sector": ""}, "sector", "Choose the agency's sector"),
    ({"name": "New agency", "sector": "martians"}, "sector", "Not a valid choice"),
])
def test_bad_agency_input_is_refused_beside_the_field(app, setting, fields, field_id, message):
    url = f"/partnerships/{setting['partnership'].id}/agencies/new"
    before = _count(app, Agency)
    response = setting["coordinator"].post(url, fields)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field_id}-error"' in body and message in text(response)
    assert f'value="{fields["name"]}"' in body  # what was typed is shown again
    assert _count(app, Agency) == before


def test_invite_a_new_person_creates_an_account_and_a_role(app, setting, smtp_server):
    url = f"/partnerships/{setting['partnership'].id}/people/invite"
    response = setting["coordinator"].post(url, {
        "name": "Tom Reid", "email": "Tom.Reid@Example.org", "role": "agency_lead",
        "agency_id": str(setting["police"].id)})
    assert response.status_code == 302
    with app.app_context():
        person = db.session.scalar(sa.select(User).where(User.email == "tom.reid@example.org"))
        assert person.password_hash is None
        [membership] = person.memberships
        assert membership.role is Role.AGENCY_LEAD and membership.agency_id == setting["police"].id


def test_inviting_someone_who_has_an_account_waits_for_them_to_confirm(app, setting, make):
    existing = make.member(setting["other"], "viewer", email="shared@example.org", name="Sam Specialist")
    url = f"/partnerships/{setting['partnership'].id}/people/invite"
    response = setting["coordinator"].post(url, {"name": "Sam Specialist", "email": "SHARED@example.org",
                                                 "role": "strategic_member"})
    assert response.status_code == 302
    assert _count(app, User, User.email == "shared@example.org") == 1
    assert _count(app, Membership, Membership.user_id == existing.id) == 1  # tests/partnerships/test_account_links.py


@pytest.mark.parametrize("fields, field_id, message", [
    ({"name": "", "email": "a@example.org", "role": "viewer"}, "name", "Enter the person's full name"),
    ({"name": "A Person", "email": "", "role": "viewer"}, "email", "Enter an email address"),
    ({"name": "A Person", "email": "not-an-address", "role": "viewer"}, "email", "Enter an email address like"),
    ({"name": "A Person", "email": "a@example.org", "role": ""}, "role", "Choose a role"),
    ({"name": "A Person", "email": "a@example.org", "role": "agency_lead"}, "agency_id",
     "Choose the agency this agency lead works for"),
    ({"name": "A Person", "email": "a@example.org", "role": "agency_lead", "agency_id": "FOREIGN"}, "agency_id",
     "Choose an agency of this partnership"),
    ({"name": "A Person", "email": "a@example.org", "role": "viewer", "is_chair": "y"}, "is_chair",
     "Only a strategic group member can chair"),
    ({"name": "Priya Shah", "email": "COORDINATOR", "role": "coordinator"}, "role",
     "already holds this role here"),
])
def test_bad_invitations_are_refused_beside_the_field(app, setting, fields, field_id, message):
    fields = dict(fields)
    if fields.get("agency_id") == "FOREIGN":
        fields["agency_id"] = str(setting["foreign"].id)
    if fields["email"] == "COORDINATOR":
        with app.app_context():
            fields["email"] = db.session.scalar(
                sa.select(User.email).join(Membership).where(Membership.role == Role.COORDINATOR))
    before = (_count(app, User), _count(app, Membership))
    response = setting["coordinator"].post(f"/partnerships/{setting['partnership'].id}/people/invite", fields)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field_id}-error"' in body
    assert message in text(response)
    assert fields["name"] in body
    assert (_count(app, User), _count(app, Membership)) == before


def test_changing_an_email_to_one_already_used_is_refused(app, setting, make):
    person = make.member(setting["partnership"], "viewer", email="first@example.org", name="First Person",
                         password=None)
    make.user(email="taken@example.org")
    url = f"/partnerships/{setting['partnership'].id}/people/{person.id}"
    response = setting["coordinator"].post(url, {"name": "First Person", "email": "Taken@example.org"})
    body = response.get_data(as_text=True)
    assert 'id="email-error"' in body and "Another account already uses this email address" in text(response)
    assert 'value="Taken@example.org"' in body
    assert _count(app, User, User.email == "first@example.org") == 1


def test_a_membership_cannot_point_at_another_partnerships_agency_even_in_the_database(app, setting, make):
    person = make.user()
    with app.app_context():
        db.session.add(Membership(user_id=person.id, partnership_id=setting["partnership"].id,
                                  role=Role.AGENCY_LEAD, agency_id=setting["foreign"].id))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()


def test_an_agency_with_people_cannot_be_deleted_and_an_empty_one_needs_confirmation(app, setting, make):
    make.member(setting["partnership"], "agency_lead", agency=setting["police"])
    coordinator, p = setting["coordinator"], setting["partnership"]
    page = coordinator.get(f"/partnerships/{p.id}/agencies/{setting['police'].id}/delete")
    assert "cannot be deleted" in text(page)
    coordinator.post(f"/partnerships/{p.id}/agencies/{setting['police'].id}/delete", {})
    assert _count(app, Agency, Agency.id == setting["police"].id) == 1
    empty = make.agency(p, name="Empty agency")
    confirm = coordinator.get(f"/partnerships/{p.id}/agencies/{empty.id}/delete")
    assert "Delete Empty agency?" in text(confirm)
    assert _count(app, Agency, Agency.id == empty.id) == 1  # a GET deletes nothing
    coordinator.post(f"/partnerships/{p.id}/agencies/{empty.id}/delete", {})
    assert _count(app, Agency, Agency.id == empty.id) == 0


def test_objects_of_another_partnership_are_not_found_through_this_one(setting):
    p = setting["partnership"]
    response = setting["coordinator"].get(f"/partnerships/{p.id}/agencies/{setting['foreign'].id}/edit")
    assert response.status_code == 404


def test_people_list_pages_and_costs_a_fixed_number_of_queries(app, setting, make):
    from tests.querycount import count_queries

    url = f"/partnerships/{setting['partnership'].id}/people"
    make.member(setting["partnership"], "agency_lead", agency=setting["police"])
    with count_queries(app) as few:
        setting["coordinator"].get(url)
    for _ in range(30):
        make.member(setting["partnership"], "agency_lead", agency=setting["police"])
    with count_queries(app) as many:
        page = setting["coordinator"].get(url)
    assert many.count == few.count
    assert "Showing 1 to 25 of 32" in text(page)


def test_a_coordinator_cannot_take_over_an_account_in_use(app, setting, make):
    """Adding an administrator's address as a viewer, then changing it, then resending an invitation would hand
    the attacker a password link: the administrator is only asked to confirm, so the account never becomes the
    partnership's, and whatever is sent again goes to the administrator's own address."""
    admin = make.user(email="admin@example.org", is_administrator=True)
    coordinator, p = setting["coordinator"], setting["partnership"]
    coordinator.post(f"/partnerships/{p.id}/people/invite", {"name": "Admin", "email": "admin@example.org",
                                                             "role": "viewer"})
    page = coordinator.post(f"/partnerships/{p.id}/people/{admin.id}", {"name": "Admin",
                                                                        "email": "attacker@example.org"},
                            form_url=f"/partnerships/{p.id}/people")
    assert page.status_code == 404
    coordinator.post(f"/partnerships/{p.id}/people/{admin.id}/invitation", {}, form_url=f"/partnerships/{p.id}/people")
    with app.app_context():
        from tracker.accounts.models import AccountToken
        from tracker.email import OutboxMessage

        assert db.session.get(User, admin.id).email == "admin@example.org"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken)) == 0
        assert set(db.session.scalars(sa.select(OutboxMessage.to_address))) == {"admin@example.org"}


def test_a_coordinator_cannot_change_the_address_of_an_account_with_a_password(app, setting, make):
    """Even one whose roles are all in the partnership: the address is where its password links go."""
    person = make.member(setting["partnership"], "viewer", email="lead@example.org", name="Lead")
    p = setting["partnership"]
    page = setting["coordinator"].post(f"/partnerships/{p.id}/people/{person.id}",
                                       {"name": "Lead", "email": "attacker@example.org"})
    assert "only an administrator can change its email address" in text(page)
    assert _count(app, User, User.email == "lead@example.org") == 1


def test_an_agency_that_actions_refer_to_cannot_be_deleted(app, setting, make):
    make.action(setting["partnership"], lead_agency=setting["police"])
    url = f"/partnerships/{setting['partnership'].id}/agencies/{setting['police'].id}/delete"
    assert "cannot be deleted" in text(setting["coordinator"].get(url))
    setting["coordinator"].post(url, {})
    assert _count(app, Agency, Agency.id == setting["police"].id) == 1
