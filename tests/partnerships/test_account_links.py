"""Accounts stay inside their partnership: an invitation answers the same whether or not the address has an
account, an existing account is linked only when its owner confirms, and a coordinator edits only the people
who are wholly theirs."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import Browser, text
from tracker.accounts.models import User
from tracker.db import utcnow
from tracker.enums import Role
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.partnerships import services
from tracker.partnerships.models import AccountLink, Membership, Partnership

LINK = re.compile(r"https://tracker\.example\.gov\.uk(/account-links/[\w-]+)")


@pytest.fixture
def setting(make, mail_app):
    """Milton Keynes, whose coordinator invites people; Kim already works with Luton."""
    partnership = make.partnership(name="Milton Keynes")
    luton = make.partnership(name="Luton")
    coordinator = make.member(partnership, "coordinator", name="Priya Shah", email="priya@mk.example")
    kim = make.member(luton, "agency_lead", agency=make.agency(luton, name="Bedfordshire Police"),
                      name="Kim Known", email="kim@example.org")
    browser = Browser(mail_app.test_client())
    browser.sign_in(coordinator.email)
    return dict(partnership=partnership, luton=luton, coordinator=coordinator, kim=kim, browser=browser)


def _signed_in(mail_app, person):
    browser = Browser(mail_app.test_client())
    browser.sign_in(person.email)
    return browser


def _invite(setting, name, email, role="viewer"):
    return setting["browser"].post(f"/partnerships/{setting['partnership'].id}/people/invite",
                                   {"name": name, "email": email, "role": role})


def _roles(app, person):
    with app.app_context():
        return sorted((m.partnership.name, m.role.value) for m in db.session.scalars(
            sa.select(Membership).where(Membership.user_id == person.id)))


def _link_path(smtp_server, address):
    [message] = smtp_server.to(address)
    return LINK.search(message.get_body(("plain",)).get_content()).group(1)


def _without(page, *words):
    for word in words:
        page = page.replace(word, "NAME-OR-ADDRESS")
    return re.sub(r"\d{1,2} \w+ \d{4}, \d\d:\d\d", "WHEN", page)  # the month in full, as pages write it


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(app, setting, smtp_server):
    people = f"/partnerships/{setting['partnership'].id}/people"
    answers = []
    for name, email in (("Nia New", "nia@example.org"), ("Kim Known", "kim@example.org")):
        response = _invite(setting, name, email)
        assert response.status_code == 302
        page = text(setting["browser"].get(response.headers["Location"]))
        answers.append((response.headers["Location"], _without(page, name, email)))
        assert f"We have sent an invitation to {email}. The role starts when they accept it." in page
        assert f"{name} {email} Viewer" in page.split("Invitations waiting", 1)[1]
        # withdrawn again, so that the second invitation meets the same page the first did
        [waiting] = [i for i in services_waiting(app, setting) if i.email == email]
        setting["browser"].post(f"{people}/{waiting.user_id}/invitation/withdraw", {}, form_url=people)
        setting["browser"].get(people)
    assert answers[0] == answers[1]
    assert len(smtp_server.to("nia@example.org")) == 1 and len(smtp_server.to("kim@example.org")) == 1
    # the send log shows the subject: the same for both
    assert {m["Subject"] for m in smtp_server.messages} == {"An invitation from Milton Keynes to the action tracker"}


def services_waiting(app, setting):
    with app.app_context():
        return services.invitations_waiting(db.session.get(Partnership, setting["partnership"].id))


def test_an_existing_account_gets_no_role_until_its_owner_confirms(app, setting, smtp_server):
    kim = setting["kim"]
    _invite(setting, "K. Known", "KIM@example.org", role="strategic_member")
    assert _roles(app, kim) == [("Luton", "agency_lead")]
    [message] = smtp_server.to("kim@example.org")
    body = message.get_body(("plain",)).get_content()
    assert "Priya Shah of Milton Keynes asks to add you on the action tracker as: Strategic group member" in body
    assert "Nothing changes unless you accept" in body
    assert message.get_body(("html",)) is not None
    # the coordinator sees the invitation as they typed it, not the account's own name, and cannot open the person
    page = text(setting["browser"].get(f"/partnerships/{setting['partnership'].id}/people"))
    assert "K. Known kim@example.org Strategic group member" in page and "Kim Known" not in page
    assert setting["browser"].get(f"/partnerships/{setting['partnership'].id}/people/{kim.id}").status_code == 404


def test_the_link_opens_only_for_its_owner_and_signed_out_people_sign_in_first(app, mail_app, setting,
                                                                               smtp_server, make):
    _invite(setting, "Kim Known", "kim@example.org")
    path = _link_path(smtp_server, "kim@example.org")
    signed_out = Browser(mail_app.test_client())
    response = signed_out.get(path)
    assert response.status_code == 302 and response.headers["Location"] == f"/sign-in?next={path}"
    signed_in = signed_out.post(response.headers["Location"], {"email": "kim@example.org",
                                                               "password": make.PASSWORD})
    assert signed_in.headers["Location"] == path
    assert "Join Milton Keynes?" in text(signed_out.get(path))

    for someone_else in (setting["coordinator"], make.user(is_administrator=True)):
        other = _signed_in(mail_app, someone_else)
        refused = other.get(path)
        assert refused.status_code == 404 and "This link does not work" in text(refused)
        assert other.post(path, {"answer": "accept"}, form_url="/").status_code == 404
    assert _roles(app, setting["kim"]) == [("Luton", "agency_lead")]


def test_accepting_adds_the_role_and_the_partnership_log_shows_who_did_it(app, mail_app, setting, smtp_server):
    _invite(setting, "Kim Known", "kim@example.org")
    kim = _signed_in(mail_app, setting["kim"])
    path = _link_path(smtp_server, "kim@example.org")
    response = kim.post(path, {"answer": "accept"})
    assert response.headers["Location"] == f"/partnerships/{setting['partnership'].id}"
    assert "You have joined Milton Keynes." in text(kim.get(response.headers["Location"]))
    assert _roles(app, setting["kim"]) == [("Luton", "agency_lead"), ("Milton Keynes", "viewer")]
    assert kim.get(path).status_code == 404  # used up
    log = text(setting["browser"].get(f"/partnerships/{setting['partnership'].id}/audit"))
    assert "Role: Kim Known: Viewer Created by Kim Known" in log
    assert "Role offered by email: Kim Known: Viewer Created by Priya Shah" in log
    people = text(setting["browser"].get(f"/partnerships/{setting['partnership'].id}/people"))
    assert "Invitations waiting" not in people and "Kim Known kim@example.org Viewer Active" in people


@pytest.mark.parametrize("how", ["decline", "expire"])
def test_declining_or_letting_the_link_expire_adds_nothing(app, mail_app, setting, smtp_server, how):
    _invite(setting, "Kim Known", "kim@example.org")
    kim = _signed_in(mail_app, setting["kim"])
    path = _link_path(smtp_server, "kim@example.org")
    if how == "decline":
        response = kim.post(path, {"answer": "decline"})
        assert "You have declined the invitation to Milton Keynes. Nothing has changed." in text(
            kim.get(response.headers["Location"]))
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountLink)) == 0
    else:
        with app.app_context():
            db.session.execute(sa.update(AccountLink).values(expires_at=utcnow() - timedelta(minutes=1)))
            db.session.commit()
        assert kim.get(path).status_code == 404
        assert kim.post(path, {"answer": "accept"}, form_url="/").status_code == 404
        page = text(setting["browser"].get(f"/partnerships/{setting['partnership'].id}/people"))
        assert "Kim Known kim@example.org Viewer" in page and "Expired" in page
    assert _roles(app, setting["kim"]) == [("Luton", "agency_lead")]


def test_an_answer_other_than_accept_or_decline_changes_nothing(app, mail_app, setting, smtp_server):
    _invite(setting, "Kim Known", "kim@example.org")
    kim = _signed_in(mail_app, setting["kim"])
    path = _link_path(smtp_server, "kim@example.org")
    assert kim.post(path, {"answer": "maybe"}).status_code == 200
    assert _roles(app, setting["kim"]) == [("Luton", "agency_lead")]
    assert kim.get(path).status_code == 200


def test_inviting_twice_to_the_same_role_is_refused_the_same_way_for_both(app, setting, smtp_server):
    for name, email in (("Nia New", "nia@example.org"), ("Kim Known", "kim@example.org")):
        _invite(setting, name, email)
        again = _invite(setting, name, email)
        assert again.status_code == 200
        assert 'id="role-error"' in again.get_data(as_text=True)
        assert "This person already holds this role here, or has been invited to it" in text(again)
        assert len(smtp_server.to(email)) == 1


def test_sending_again_replaces_the_link_and_withdrawing_takes_everything_back(app, mail_app, setting,
                                                                                smtp_server):
    from tracker.accounts.services import valid_token

    _invite(setting, "Nia New", "nia@example.org")
    _invite(setting, "Kim Known", "kim@example.org")
    people = f"/partnerships/{setting['partnership'].id}/people"
    waiting = {row.email: row.user_id for row in services_waiting(app, setting)}
    first = _link_path(smtp_server, "kim@example.org")
    setting["browser"].post(f"{people}/{waiting['kim@example.org']}/invitation", {}, form_url=people)
    assert "A new invitation has been sent to kim@example.org" in text(setting["browser"].get(people))
    kim = _signed_in(mail_app, setting["kim"])
    assert kim.get(first).status_code == 404
    second = LINK.search(smtp_server.to("kim@example.org")[-1].get_body(("plain",)).get_content()).group(1)
    assert kim.get(second).status_code == 200

    for email, user_id in waiting.items():
        setting["browser"].post(f"{people}/{user_id}/invitation/withdraw", {}, form_url=people)
    assert "Invitations waiting" not in text(setting["browser"].get(people))
    assert kim.get(second).status_code == 404
    with app.app_context():
        nia = db.session.scalar(sa.select(User).where(User.email == "nia@example.org"))
        assert nia.memberships == []
        set_password = re.search(r"/set-password/(\S+)", smtp_server.to("nia@example.org")[0]
                                 .get_body(("plain",)).get_content()).group(1)
        assert valid_token(set_password) is None  # the account has nothing left to set a password for


def test_a_withdrawn_invitation_to_a_new_address_can_be_made_again(app, setting, smtp_server):
    people = f"/partnerships/{setting['partnership'].id}/people"
    _invite(setting, "Nia Nwe", "nia@example.org")
    [waiting] = services_waiting(app, setting)
    setting["browser"].post(f"{people}/{waiting.user_id}/invitation/withdraw", {}, form_url=people)
    _invite(setting, "Nia New", "nia@example.org", role="strategic_member")
    [again] = services_waiting(app, setting)
    assert (again.name, again.roles) == ("Nia New", ["Strategic group member"])
    assert [m["Subject"] for m in smtp_server.to("nia@example.org")] == [
        "An invitation from Milton Keynes to the action tracker"] * 2


def test_an_administrator_invited_by_a_coordinator_is_asked_too(app, setting, smtp_server, make):
    admin = make.user(email="admin@example.org", is_administrator=True, name="Ada Admin")
    _invite(setting, "Ada Admin", "admin@example.org")
    assert _roles(app, admin) == []
    assert len(smtp_server.to("admin@example.org")) == 1


def test_a_person_already_in_the_partnership_has_the_role_added_at_once(app, setting, make):
    tom = make.member(setting["partnership"], "viewer", name="Tom Reid", email="tom@example.org")
    response = _invite(setting, "Tom Reid", "tom@example.org", role="strategic_member")
    assert "tom@example.org already has a role here: the new role has been added." in text(
        setting["browser"].get(response.headers["Location"]))
    assert _roles(app, tom) == [("Milton Keynes", "strategic_member"), ("Milton Keynes", "viewer")]


# Editing a person's details


def test_a_coordinator_cannot_rename_someone_who_also_works_with_another_partnership(app, setting, ctx):
    kim = db.session.get(User, setting["kim"].id)
    mk = db.session.get(Partnership, setting["partnership"].id)
    db.session.add(Membership(user_id=kim.id, partnership_id=mk.id, role=Role.VIEWER))
    db.session.commit()
    coordinator = db.session.get(User, setting["coordinator"].id)
    assert services.details_editable_by(kim, mk, coordinator) is False
    with pytest.raises(ValidationFailed, match="also works with other partnerships"):
        services.update_person(kim, mk, "Kim Renamed", "kim@example.org", coordinator)
    db.session.rollback()
    assert db.session.get(User, kim.id).name == "Kim Known"


def test_the_person_page_explains_and_refuses_a_rename_across_partnerships(app, setting, make):
    kim = setting["kim"]
    make.save(Membership(user_id=kim.id, partnership_id=setting["partnership"].id, role=Role.VIEWER))
    url = f"/partnerships/{setting['partnership'].id}/people/{kim.id}"
    page = text(setting["browser"].get(url))
    assert "Kim Known also works with other partnerships" in page and "Save details" not in page
    refused = setting["browser"].post(url, {"name": "Kim Renamed", "email": "kim@example.org"},
                                      form_url=f"/partnerships/{setting['partnership'].id}/people/invite")
    assert refused.status_code == 200
    assert "There is a problem Kim Known also works with other partnerships, or administers the tracker" in text(
        refused)
    with app.app_context():
        assert db.session.get(User, kim.id).name == "Kim Known"


def test_a_coordinator_renames_someone_whose_roles_are_all_in_their_partnership(app, setting, make):
    tom = make.member(setting["partnership"], "viewer", name="Tom Reed", email="tom@example.org")
    make.save(Membership(user_id=tom.id, partnership_id=setting["partnership"].id, role=Role.STRATEGIC_MEMBER))
    url = f"/partnerships/{setting['partnership'].id}/people/{tom.id}"
    response = setting["browser"].post(url, {"name": "Tom Reid", "email": "tom@example.org"})
    assert response.status_code == 302
    assert "Tom Reid's details have been saved." in text(setting["browser"].get(url))
    with app.app_context():
        assert db.session.get(User, tom.id).name == "Tom Reid"


def test_an_administrator_renames_someone_who_works_with_several_partnerships(app, mail_app, setting, make):
    kim = setting["kim"]
    make.save(Membership(user_id=kim.id, partnership_id=setting["partnership"].id, role=Role.VIEWER))
    admin = _signed_in(mail_app, make.user(is_administrator=True))
    url = f"/partnerships/{setting['partnership'].id}/people/{kim.id}"
    assert "Save details" in text(admin.get(url))
    response = admin.post(url, {"name": "Kim Known-Smith", "email": "kim.smith@example.org"})
    assert response.status_code == 302
    with app.app_context():
        person = db.session.get(User, kim.id)
        assert (person.name, person.email) == ("Kim Known-Smith", "kim.smith@example.org")


def test_a_sent_link_is_not_kept_in_the_outbox(app, setting, smtp_server):
    """The link is in the person's mailbox once sent; the outbox is not a second place to find it."""
    from tracker.email import OutboxMessage

    _invite(setting, "Kim Known", "kim@example.org")
    assert _link_path(smtp_server, "kim@example.org")  # it arrived with its link
    with app.app_context():
        [row] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == "kim@example.org"))
        assert row.sent_at is not None
        for body in (row.body_text, row.body_html):
            assert "/account-links/" not in body and "[link removed after sending]" in body
