"""Recording reviews: details, timeliness with pauses, panels, recommendations and the external register."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import text
from tracker.extensions import db
from tracker.reviews import services
from tracker.reviews.models import PanelMember, Recommendation, Review, ReviewPause


@pytest.fixture
def setting(app, make, as_user):
    p = make.partnership()
    police = make.agency(p, name="Police")
    coordinator = make.member(p, "coordinator")
    panel_member = make.member(p, "panel_member", name="Ruth Chair")
    return dict(p=p, police=police, coordinator=as_user(coordinator), panel=as_user(panel_member),
                panel_user=panel_member)


def _review_form(**overrides):
    fields = dict(review_type="dhr", reference="DHR 2026-01", pseudonyms="Adult B", death_month="3",
                  death_year="2025", independent_chair="J. Smith", status="commissioned", decision_on="1/4/2025",
                  agreed_target_on="", commissioned_on="1/5/2025", submitted_on="", qa_feedback_on="",
                  approved_on="", published_on="", publication_url="")
    fields.update(overrides)
    return fields


def test_a_panel_member_who_starts_a_review_chairs_its_panel(app, setting):
    response = setting["panel"].post(f"/partnerships/{setting['p'].id}/reviews/new", _review_form())
    assert response.status_code == 302
    with app.app_context():
        review = db.session.scalar(sa.select(Review))
        [member] = review.panel
        assert (member.user_id, member.is_chair) == (setting["panel_user"].id, True)
    assert "Adult B" in text(setting["panel"].get(response.headers["Location"]))


@pytest.mark.parametrize("changes, field, message", [
    ({"reference": ""}, "reference", "Enter the review's reference"),
    ({"pseudonyms": ""}, "pseudonyms", "Enter the pseudonym used for the victim"),
    ({"death_year": "1850"}, "death_year", "Enter a year from 1990"),
    ({"status": "published"}, "status", "Not a valid choice"),
    ({"decision_on": "1/6/2025", "commissioned_on": "1/5/2025"}, "commissioned_on", "cannot be before"),
    ({"decision_on": "soon"}, "decision_on", "Enter a real date"),
])
def test_bad_review_details_are_refused_beside_the_field(app, setting, changes, field, message):
    response = setting["coordinator"].post(f"/partnerships/{setting['p'].id}/reviews/new",
                                           _review_form(**changes))
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert message in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0


def test_references_are_unique_within_a_partnership(app, setting, make):
    make.review(setting["p"], reference="DHR 2026-01")
    response = setting["coordinator"].post(f"/partnerships/{setting['p'].id}/reviews/new",
                                           _review_form(reference="dhr 2026-01"))
    assert "already has a review with this reference" in text(response)


def test_timeliness_counts_six_months_from_the_decision_plus_pauses(ctx, make):
    p = make.partnership()
    review = make.review(p, decision_on=date(2025, 1, 31))
    timing = services.timeliness(review, today=date(2025, 8, 10))
    assert timing.target_on == timing.due_on == date(2025, 7, 31)
    db.session.add(ReviewPause(review_id=review.id, started_on=date(2025, 3, 1), ended_on=date(2025, 3, 21),
                               reason="Awaiting the criminal trial"))
    db.session.commit()
    db.session.refresh(review)
    timing = services.timeliness(review, today=date(2025, 8, 10))
    assert (timing.paused_days, timing.due_on) == (20, date(2025, 8, 20))


def test_an_agreed_target_replaces_six_months_and_submission_stops_the_clock(ctx, make):
    p = make.partnership()
    review = make.review(p, decision_on=date(2025, 1, 1), agreed_target_on=date(2025, 12, 31),
                         submitted_on=date(2026, 1, 10))
    timing = services.timeliness(review, today=date(2026, 11, 1))
    assert (timing.target_on, timing.agreed_on, timing.due_on) == (date(2025, 7, 1), date(2025, 12, 31),
                                                                    date(2025, 12, 31))
    assert timing.is_extension and timing.finished_on == date(2026, 1, 10)


def test_an_open_pause_keeps_counting_until_it_ends(ctx, make):
    p = make.partnership()
    review = make.review(p, decision_on=date(2025, 1, 1))
    services.add_pause(review, date(2025, 6, 1), "Trial")
    with pytest.raises(Exception, match="already paused"):
        services.add_pause(review, date(2025, 6, 2), "Again")
    timing = services.timeliness(review, today=date(2025, 8, 1))
    assert timing.is_paused and timing.paused_days == 61 and timing.paused_since == date(2025, 6, 1)
    services.end_pause(review, date(2025, 7, 1))
    assert services.timeliness(review, today=date(2025, 8, 1)).paused_days == 30


def test_the_review_page_shows_its_target_without_calling_it_late(setting, make):
    review = make.review(setting["p"], decision_on=date(2020, 1, 1))
    page = text(setting["coordinator"].get(f"/reviews/{review.id}"))
    assert "Target: 1 July 2020" in page and "six months from the decision" in page and "late" not in page


def _recommendation_form(**overrides):
    fields = dict(number="4.1", text="Police should flag repeat callers.", scope="local", new_bodies="",
                  component="")
    fields.update(overrides)
    return fields


def test_add_a_recommendation_with_agencies_and_themes(app, setting, make):
    review = make.review(setting["p"], panel=[(setting["panel_user"], True)])
    with app.app_context():
        from tracker.partnerships.models import Partnership

        themes = services.themes_of(db.session.get(Partnership, setting["p"].id))
        training = next(t.id for t in themes if t.name == "Training")
    response = setting["panel"].post(f"/reviews/{review.id}/recommendations/new", {
        **_recommendation_form(), "agency_ids": [str(setting["police"].id)], "theme_ids": [str(training)]})
    assert response.status_code == 302
    with app.app_context():
        recommendation = db.session.scalar(sa.select(Recommendation))
        assert [a.name for a in recommendation.agencies] == ["Police"]
        assert [t.name for t in recommendation.themes] == ["Training"]
    assert "1 recommendation without any action" in text(setting["panel"].get(f"/reviews/{review.id}"))


@pytest.mark.parametrize("changes, field, message", [
    ({"number": ""}, "number", "Enter the recommendation's number"),
    ({"text": ""}, "text", "Enter the recommendation as written"),
    ({"scope": ""}, "scope", "Choose local, regional or national"),
    ({}, "agency_ids", "Choose the agencies a local recommendation is addressed to"),
    ({"scope": "national"}, "new_bodies", "Name the body the recommendation is addressed to"),
    ({"agency_ids": ["FOREIGN"]}, "agency_ids", "Choose agencies of this partnership"),
])
def test_bad_recommendations_are_refused(app, setting, make, changes, field, message):
    review = make.review(setting["p"])
    if changes.get("agency_ids") == ["FOREIGN"]:
        changes = {"agency_ids": [str(make.agency(make.partnership()).id)]}
    response = setting["coordinator"].post(f"/reviews/{review.id}/recommendations/new",
                                           {**_recommendation_form(), **changes})
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert message in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation)) == 0


def test_national_recommendations_are_followed_up_in_the_register(app, setting, make):
    from tracker.bodies.models import BodyRecommendation

    review = make.review(setting["p"], reference="DHR 2026-07")
    national = make.recommendation(review, number="N1", scope="national", external_body="Home Office",
                                   text="Update the statutory guidance.")
    make.recommendation(review, number="1", agencies=[setting["police"]])
    register = f"/partnerships/{setting['p'].id}/external-recommendations"
    page = text(setting["coordinator"].get(register))
    assert "Update the statutory guidance." in page and "Not yet sent" in page and "Home Office" in page
    assert "Agencies should share information" not in page  # local ones are not listed
    with app.app_context():
        item_id = db.session.scalar(sa.select(BodyRecommendation.id).where(
            BodyRecommendation.recommendation_id == national.id))
    sent = date.today() - timedelta(days=70)
    setting["coordinator"].post(f"/external/{item_id}/send", {"sent_on": f"{sent:%d/%m/%Y}",
                                                              "shared_text": "Update the statutory guidance."})
    with app.app_context():
        assert db.session.get(BodyRecommendation, item_id).response_due_on == sent + timedelta(days=56)
    assert "No response, 14 days past due" in text(setting["coordinator"].get(register))
    refused = setting["coordinator"].post(f"/external/{item_id}/response", {
        "response_received_on": f"{date.today():%d/%m/%Y}", "response_text": "", "stance": "accepted",
        "version": "2"})
    assert "Give the reasons" in text(refused)


def test_panel_chair_adds_and_removes_panel_members_with_confirmation(app, setting, make):
    colleague = make.member(setting["p"], "viewer", name="Sam Colleague")
    review = make.review(setting["p"], panel=[(setting["panel_user"], True)])
    setting["panel"].post(f"/reviews/{review.id}/panel", {"user_id": str(colleague.id)})
    with app.app_context():
        member = db.session.scalar(sa.select(PanelMember).where(PanelMember.user_id == colleague.id))
    confirm = setting["panel"].get(f"/reviews/{review.id}/panel/{member.id}/remove")
    assert "Remove Sam Colleague from the panel?" in text(confirm)
    setting["panel"].post(f"/reviews/{review.id}/panel/{member.id}/remove", {})
    with app.app_context():
        assert db.session.get(PanelMember, member.id) is None


def test_someone_outside_the_partnership_cannot_join_a_panel(app, setting, make):
    outsider = make.member(make.partnership(), "viewer")
    review = make.review(setting["p"])
    response = setting["coordinator"].post(f"/reviews/{review.id}/panel", {"user_id": str(outsider.id)})
    assert "Choose a person from this partnership" in text(response)


def test_publishing_is_the_coordinators_or_chairs_decision_shown_first_and_audited(app, make, as_user):
    from datetime import date

    from tracker.audit.models import AuditEntry

    p = make.partnership()
    chair, member = make.member(p, "panel_member"), make.member(p, "panel_member")
    make.member(p, "viewer")
    make.member(p, "agency_lead", agency=make.agency(p))
    review = make.review(p, panel=[(chair, True), (member, False)])
    assert as_user(member).get(f"/reviews/{review.id}/publish").status_code == 403
    refused = as_user(member).post(f"/reviews/{review.id}/edit", _review_form(status="published",
                                                                              published_on="1/11/2026"))
    assert 'id="status-error"' in refused.get_data(as_text=True)
    planned = as_user(chair).post(f"/reviews/{review.id}/edit", _review_form(
        planned_publication_on="1/2/2027", embargo_note="Until the inquest ends"))
    assert planned.status_code == 302
    page = as_user(chair).get(f"/reviews/{review.id}/publish")
    words = text(page)
    assert "1 agency lead" in words and "1 viewer" in words and "Until the inquest ends" in words
    assert "Planned publication date: 1 February 2027" in words
    future = as_user(chair).post(f"/reviews/{review.id}/publish", {"published_on": "1/1/2099"})
    assert "cannot be in the future" in text(future)
    done = as_user(chair).post(f"/reviews/{review.id}/publish", {"published_on": "20/11/2026"})
    assert done.status_code == 302
    with app.app_context():
        published = db.session.get(Review, review.id)
        assert published.is_published and published.published_on == date(2026, 11, 20)
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.entity_type == "Review",
                                                               AuditEntry.event == "update")
                                  .order_by(AuditEntry.id.desc()))
        assert entry.user_id == chair.id and entry.changes["status"][1] == "published"
        assert entry.note.startswith("Published by")


def test_the_review_page_lists_the_steps_to_lessons_acted_on(app, setting, make):
    """The task list says what is done and what waits: a new review with a panel has recommendations to record and
    cannot yet agree actions; once every recommendation has an action, that step is done and delivery can start."""
    review = make.review(setting["p"], panel=[(setting["panel_user"], True)])
    page = setting["coordinator"].get(f"/reviews/{review.id}")
    words = text(page)
    assert "Appoint the panel Done" in words
    assert "Record the recommendations To do" in words
    assert "Agree an action for every recommendation Record the recommendations first Cannot start yet" in words

    recommendation = make.recommendation(review, number="1", agencies=[setting["police"]])
    make.action(setting["p"], recommendation_id=recommendation.id, source="dhr")
    words = text(setting["coordinator"].get(f"/reviews/{review.id}"))
    assert "Record the recommendations Done" in words
    assert "Agree an action for every recommendation Done" in words
    assert "Deliver and close every action To do" in words
    assert "Publish the review To do" in words
