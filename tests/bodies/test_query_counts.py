"""The national register's, the bodies' and the open data's pages send as many statements for many
recommendations as for few: none of them queries per row."""
from datetime import timedelta

from tests.querycount import count_queries
from tracker.actions.state import london_today
from tracker.bodies.models import BodyRecommendation, ExternalBody
from tracker.enums import ResponseAssessment, ResponseStance
from tracker.extensions import db

TODAY = london_today()


def _recommendations(make, count, start):
    """`count` published recommendations to the Home Office, each from a partnership of its own that takes part
    in open data, sent, answered and assessed, with a planned action each."""
    from tracker.bodies.models import ResponseStep

    for n in range(start, start + count):
        p = make.partnership(name=f"Partnership {n}", open_data=True)
        review = make.review(p, reference=f"DHR {n}", status="published", published_on=TODAY - timedelta(days=9))
        make.recommendation(review, number="1", scope="national", external_body="Home Office; NHS England",
                            text=f"Recommendation number {n} about something quite different {n * 7}",
                            sent_on=TODAY - timedelta(days=100), response_due_on=TODAY - timedelta(days=44),
                            response_received_on=TODAY - timedelta(days=50), stance=ResponseStance.ACCEPTED,
                            response_text="Yes", assessment=ResponseAssessment.OPEN_ACCEPTABLE)
    with make.APP.app_context():
        for item_id in db.session.scalars(db.select(BodyRecommendation.id)):
            db.session.add(ResponseStep(item_id=item_id, text=f"Step {item_id}", due_on=TODAY))
        db.session.commit()


def test_register_body_and_open_data_pages_do_not_query_per_row(app, make, as_user):
    _recommendations(make, 2, 0)
    observer = as_user(make.user(national_role="observer"))
    contact = as_user(make.body_contact("Home Office"))
    with app.app_context():
        body = db.session.scalar(db.select(ExternalBody.id).where(ExternalBody.name == "Home Office"))
    pages = [(observer, "/register"), (observer, "/register/recommendations"),
             (observer, f"/register/recommendations?body={body}"), (observer, "/register/duplicates"),
             (contact, f"/bodies/{body}/recommendations"), (observer, "/open-data"),
             (observer, f"/open-data/bodies/{body}")]
    few = {}
    for browser, url in pages:
        with count_queries(app) as counted:
            assert browser.get(url).status_code == 200, url
        few[url] = counted.count
    _recommendations(make, 20, 100)
    for browser, url in pages:
        with count_queries(app) as counted:
            browser.get(url)
        assert counted.count == few[url], url
