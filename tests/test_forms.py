"""What every form does with text: one kind of line break, and no invisible control characters saved."""
import sqlalchemy as sa

from tests.conftest import text
from tracker.extensions import db
from tracker.reviews.models import Recommendation


def _post(make, as_user, text_value):
    p = make.partnership()
    agency = make.agency(p, name="MK Housing")
    chair = make.member(p, "panel_member")
    review = make.review(p, panel=[(chair, True)])
    return as_user(chair).post(f"/reviews/{review.id}/recommendations/new", {
        "number": "1", "text": text_value, "scope": "local", "agency_ids": [str(agency.id)], "component": ""})


def test_a_control_character_is_refused_beside_its_field_and_nothing_is_saved(app, make, as_user):
    response = _post(make, as_user, "Share\x01 risk information")
    assert response.status_code == 200
    assert "Remove the invisible control character from this text" in text(response)
    assert 'id="text-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation)) == 0


def test_line_breaks_as_browsers_send_them_are_saved_as_one_kind(app, make, as_user):
    response = _post(make, as_user, "First line\r\nSecond line\rThird")
    assert response.status_code == 302, text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(Recommendation.text)) == "First line\nSecond line\nThird"
