"""The emails of accounts in their reader's language: a reset link in the language its owner chose, the alert about
failing mail in each administrator's, and an invitation in the language of the page it was sent from until its
reader has chosen one. The words come from the catalogue; the alert's time, from CLDR, is Welsh whatever the
catalogue holds ("17 Mawrth 2027"), so it shows which language the alert was written in."""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from tests.conftest import Browser
from tracker.accounts.models import User
from tracker.email import OutboxMessage, deliver_outbox
from tracker.enums import OutboxStatus
from tracker.extensions import db

NOW = datetime(2027, 3, 17, 9, 5, tzinfo=UTC)


def _choose(app, person, language):
    with app.app_context():
        db.session.get(User, person.id).language = language
        db.session.commit()


def _subjects(app):
    with app.app_context():
        return dict(db.session.execute(sa.select(OutboxMessage.to_address, OutboxMessage.subject)).all())


def _in_welsh(app, text, **variables):
    with app.test_request_context(), force_locale("cy"):
        return gettext(text, **variables)


def test_a_reset_link_is_in_the_language_its_owner_chose(app, make):
    gwen, ed = make.user(email="gwen@example.org"), make.user(email="ed@example.org")
    _choose(app, gwen, "cy")
    browser = Browser(app.test_client())
    for person in (gwen, ed):
        browser.post("/forgot-password", {"email": person.email})
    subjects = _subjects(app)
    assert subjects[gwen.email] == _in_welsh(app, "Reset your password for the action tracker")
    assert subjects[ed.email] == "Reset your password for the action tracker"


def test_each_administrator_hears_of_failing_mail_in_their_language(app, make):
    gwen = make.user(email="gwen@example.org", is_administrator=True)
    ed = make.user(email="ed@example.org", is_administrator=True)
    _choose(app, gwen, "cy")
    with app.app_context():
        db.session.add(OutboxMessage(dedupe_key="failed", kind="reminders.digest", to_address="x@example.org",
                                     subject="s", body_text="t", body_html="h", message_id="<failed@example.org>",
                                     status=OutboxStatus.FAILED, attempts=1, next_attempt_at=NOW,
                                     created_at=NOW - timedelta(hours=2)))
        db.session.commit()
        deliver_outbox(now=NOW)
        alerts = {m.to_address: m for m in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "outbox.alert"))}
    assert "17 Mawrth 2027, 09:05" in alerts[gwen.email].body_text
    assert "17 Mawrth 2027, 09:05" in alerts[gwen.email].body_html
    assert alerts[gwen.email].subject == _in_welsh(app, "Action tracker: emails are not getting through")
    assert "At 17 March 2027, 09:05:" in alerts[ed.email].body_text
    assert alerts[ed.email].subject == "Action tracker: emails are not getting through"


def test_an_invitation_is_in_the_inviting_pages_language_until_its_reader_chooses(app, make):
    p = make.partnership(name="Caerdydd")
    carys = make.member(p, "coordinator", email="carys@example.org")
    chose_english = make.user(email="ed@example.org")
    _choose(app, chose_english, "en")
    browser = Browser(app.test_client())
    browser.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "cy"  # Carys reads the tracker in Welsh
    browser.sign_in(carys.email)
    for name, email in (("Gwen Newydd", "gwen@example.org"), ("Ed", chose_english.email)):
        response = browser.post(f"/partnerships/{p.id}/people/invite", {"name": name, "email": email,
                                                                          "role": "viewer"})
        assert response.status_code == 302
    subjects = _subjects(app)
    assert subjects["gwen@example.org"] == _in_welsh(app, "An invitation from %(partnership)s to the action tracker",
                                                     partnership="Caerdydd")
    assert subjects[chose_english.email] == "An invitation from Caerdydd to the action tracker"
