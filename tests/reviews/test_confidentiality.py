"""Who sees a review, its recommendations and its actions, before and after publication: the same for a Domestic
Homicide Review in England and a Single Unified Safeguarding Review in Wales."""
import pytest
import sqlalchemy as sa

from tests.conftest import text
from tests.reviews.wales import susr, welsh_partnership
from tracker.audit.models import AuditEntry
from tracker.enums import AuditEvent
from tracker.extensions import db

#: person -> (sees the unpublished review, sees its action in the delivering agency, sees the published review)
MATRIX = {
    "administrator": (True, True, True),
    "coordinator": (True, True, True),
    "panel chair": (True, True, True),
    "panel member": (True, True, True),
    "lead of the delivering agency": (False, True, True),
    "lead of another agency": (False, False, True),
    "strategic member": (False, False, True),
    "viewer": (False, False, True),
    "panel member of another review": (False, False, True),
    "coordinator elsewhere": (False, False, False),
}


def people_around_a_review(make, p, q, police, housing):
    """Everyone whose view of a confidential review of partnership p differs: its panel (the chair, and an agency
    lead of housing on it), the leads of the delivering agency (police) and of another, the partnership's other
    roles, a panel member of another review and a coordinator of partnership q."""
    return {
        "administrator": make.user(is_administrator=True),
        "coordinator": make.member(p, "coordinator"),
        "panel chair": make.member(p, "panel_member"),
        "panel member": make.member(p, "agency_lead", agency=housing),
        "lead of the delivering agency": make.member(p, "agency_lead", agency=police),
        "lead of another agency": make.member(p, "agency_lead", agency=housing),
        "strategic member": make.member(p, "strategic_member"),
        "viewer": make.member(p, "viewer"),
        "panel member of another review": make.member(p, "panel_member"),
        "coordinator elsewhere": make.member(q, "coordinator"),
    }


@pytest.fixture(params=["dhr", "susr"])
def world(request, app, make):
    """A confidential review with a recommendation and its action, and a second review: DHRs of a partnership in
    England, or SUSRs of one in Wales."""
    is_susr = request.param == "susr"
    p, q = welsh_partnership(make) if is_susr else make.partnership(), make.partnership()
    police, housing = make.agency(p, name="Police"), make.agency(p, name="Housing")
    people = people_around_a_review(make, p, q, police, housing)
    review = make.review(p, reference="DHR 2025-01", pseudonyms="Jane",
                         panel=[(people["panel chair"], True), (people["panel member"], False)],
                         **(susr() if is_susr else {}))
    make.review(p, reference="DHR 2025-02", panel=[(people["panel member of another review"], True)],
                **(susr() if is_susr else {}))
    recommendation = make.recommendation(review, number="3", text="Police should record coercive control.",
                                         agencies=[police])
    action = make.action(p, title="Record coercive control flags", lead_agency=police,
                         recommendation_id=recommendation.id, source="dhr")
    return dict(p=p, people=people, review=review, action=action, recommendation=recommendation)


def _publish(app, review):
    from datetime import date

    from tracker.reviews.models import Review

    with app.app_context():
        record = db.session.get(Review, review.id)
        record.status, record.published_on = "published", date(2026, 10, 1)
        db.session.commit()


def _sees_in_list(browser, world):
    return "Record coercive control flags" in text(browser.get(f"/partnerships/{world['p'].id}/actions"))


@pytest.mark.parametrize("who", list(MATRIX))
def test_visibility_before_and_after_publication(app, world, as_user, who):
    sees_review, sees_action, sees_published = MATRIX[who]
    browser = as_user(world["people"][who])
    review_url, action_url = f"/reviews/{world['review'].id}", f"/actions/{world['action'].id}"

    assert (browser.get(review_url).status_code == 200) is sees_review
    assert (browser.get(f"{review_url}/action-plan.csv").status_code == 200) is sees_review
    assert ("DHR 2025-01" in text(browser.get(f"/partnerships/{world['p'].id}/reviews"))) is sees_review
    action_page = browser.get(action_url)
    assert (action_page.status_code == 200) is sees_action
    if sees_action:
        # the action shows its recommendation; the way to the rest of the review only to those who may see it
        assert "Police should record coercive control." in text(action_page)
        assert ("See the review's action plan" in text(action_page)) is sees_review
    if who != "coordinator elsewhere":
        assert _sees_in_list(browser, world) is sees_action  # the list and the page agree

    _publish(app, world["review"])
    assert (browser.get(review_url).status_code == 200) is sees_published
    assert (browser.get(action_url).status_code == 200) is sees_published
    if who != "coordinator elsewhere":
        assert _sees_in_list(browser, world) is True


def test_viewing_an_unpublished_review_is_recorded(app, world, as_user):
    viewer = world["people"]["panel member"]
    as_user(viewer).get(f"/reviews/{world['review'].id}")
    with app.app_context():
        entries = db.session.execute(sa.select(AuditEntry.user_id, AuditEntry.event).where(
            AuditEntry.entity_type == "Review", AuditEntry.event == AuditEvent.VIEW)).all()
    assert [tuple(e) for e in entries] == [(viewer.id, AuditEvent.VIEW)]


def test_viewing_a_published_review_is_not_logged_as_sensitive(app, world, as_user):
    _publish(app, world["review"])
    as_user(world["people"]["viewer"]).get(f"/reviews/{world['review'].id}")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.event == AuditEvent.VIEW)) == 0


def test_dhr_actions_are_signed_off_by_the_panel_chair_or_coordinator_not_the_strategic_group(app, world, make,
                                                                                              as_user):
    from tracker.actions.models import Action

    with app.app_context():
        db.session.get(Action, world["action"].id).status = "completed"
        db.session.commit()
    _publish(app, world["review"])
    url = f"/actions/{world['action'].id}/sign-off"
    assert as_user(world["people"]["strategic member"]).get(url).status_code == 403
    assert as_user(world["people"]["panel member"]).get(url).status_code == 403
    assert as_user(world["people"]["panel chair"]).get(url).status_code == 200
    assert as_user(world["people"]["coordinator"]).get(url).status_code == 200


def test_a_panel_seat_ends_with_the_persons_last_role_here(app, world, as_user):
    from tracker.partnerships.models import Membership
    from tracker.partnerships.services import remove_membership
    from tracker.reviews.models import PanelMember

    chair = world["people"]["panel chair"]
    browser = as_user(chair)
    assert browser.get(f"/reviews/{world['review'].id}").status_code == 200
    with app.app_context():
        for membership in db.session.scalars(sa.select(Membership).where(Membership.user_id == chair.id)).all():
            remove_membership(membership)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PanelMember)
                                 .where(PanelMember.user_id == chair.id)) == 0
    assert browser.get(f"/reviews/{world['review'].id}").status_code == 403
    assert browser.get(f"/reviews/{world['review'].id}/action-plan.csv").status_code == 403


def test_a_long_review_list_pages_and_keeps_confidential_reviews_out(app, make, as_user):
    """A partnership with many reviews lists them a page at a time, newest first, each page holding only reviews
    the reader may open: a page is never short because confidential ones were filtered out after reading it."""
    from datetime import date, timedelta

    p = make.partnership()
    viewer = as_user(make.member(p, "viewer"))
    start = date(2024, 1, 1)
    for n in range(30):
        make.review(p, reference=f"DHR {n:02d}", status="published", decision_on=start + timedelta(days=n))
        make.review(p, reference=f"Confidential {n:02d}", status="in_progress",
                    decision_on=start + timedelta(days=n))
    first = text(viewer.get(f"/partnerships/{p.id}/reviews"))
    second = text(viewer.get(f"/partnerships/{p.id}/reviews?page=2"))
    assert "DHR 29" in first and "DHR 05" in first and "DHR 04" not in first
    assert "DHR 04" in second and "DHR 00" in second and "DHR 05" not in second
    assert "Showing 1 to 25 of 30" in first and "Confidential" not in first + second
