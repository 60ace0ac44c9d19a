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


def test_one_recommendation_s_pages_send_as_many_statements_for_a_long_answer_as_for_a_short_one(app, make,
                                                                                                   as_user):
    """Its planned actions, its progress and who recorded each are read a collection at a time, never one by one."""
    from tracker.accounts.models import User
    from tracker.bodies.models import ResponseProgress, ResponseStep

    _recommendations(make, 1, 0)
    observer = as_user(make.user(national_role="observer"))
    contact = as_user(make.body_contact("Home Office"))
    recorders = [make.body_contact("Home Office") for _ in range(3)]
    with app.app_context():
        item = db.session.scalar(db.select(BodyRecommendation.id).join(ExternalBody)
                                 .where(ExternalBody.name == "Home Office"))
    pages = [(observer, f"/register/recommendations/{item}"), (contact, f"/answers/{item}"),
             (observer, f"/open-data/recommendations/{item}")]

    def counts():
        found = {}
        for browser, url in pages:
            with count_queries(app) as counted:
                assert browser.get(url).status_code == 200, url
            found[url] = counted.count
        return found

    few = counts()
    with app.app_context():
        for n, person in enumerate(recorders * 3):
            db.session.add(ResponseStep(item_id=item, text=f"Step {n}", due_on=TODAY + timedelta(days=n)))
            db.session.add(ResponseProgress(item_id=item, recorded_on=TODAY, note=f"Progress {n}",
                                            recorded_by_id=person.id))
        db.session.commit()
        names = [db.session.get(User, person.id).name for person in recorders]
    assert counts() == few
    answer = contact.get(f"/answers/{item}").get_data(as_text=True)
    assert "Progress 8" in answer and all(name in answer for name in names)


def test_lists_counted_with_their_figures_page_by_the_right_totals(app, make, as_user):
    """The register's list takes its total from its count by year, a body's list from its tabs' counts: each total
    must be the rows the filters let through."""
    _recommendations(make, 28, 0)
    observer = as_user(make.user(national_role="observer"))
    contact = as_user(make.body_contact("Home Office"))
    with app.app_context():
        body = db.session.scalar(db.select(ExternalBody.id).where(ExternalBody.name == "Home Office"))
        awaited = db.session.scalars(db.select(BodyRecommendation).where(BodyRecommendation.body_id == body)
                                     .order_by(BodyRecommendation.id).limit(2)).all()
        for item in awaited:
            item.response_received_on, item.stance, item.assessment = None, None, None
        db.session.commit()
        awaited = [item.id for item in awaited]
    year = (TODAY - timedelta(days=100)).year
    listed = {f"/register/recommendations?body={body}": "Showing 1 to 25 of 28",
              f"/register/recommendations?body={body}&page=2": "Showing 26 to 28 of 28",
              f"/register/recommendations?body={body}&year={year}&state=overdue": None,
              "/register/recommendations": "Showing 1 to 25 of 56",
              f"/register/recommendations?year={year}&page=3": "Showing 51 to 56 of 56"}
    for url, shown in listed.items():
        page = observer.get(url).get_data(as_text=True)
        if shown:
            assert shown in page, url
        else:  # two overdue: one page, no pager
            assert page.count("Answer overdue</strong>") == 2 and "Showing" not in page, url
    assert "No recommendation matches." in observer.get(
        f"/register/recommendations?body={body}&year={year + 1}").get_data(as_text=True)
    inbox = f"/bodies/{body}/recommendations"
    assert "Showing 1 to 25 of 28" in contact.get(inbox).get_data(as_text=True)
    assert "Showing 1 to 25 of 26" in contact.get(f"{inbox}?state=answered").get_data(as_text=True)
    awaiting = contact.get(f"{inbox}?state=awaiting").get_data(as_text=True)
    assert "Showing" not in awaiting and all(f"/answers/{item}" in awaiting for item in awaited)


def test_the_bodies_a_person_answers_for_come_with_the_person(app, make, as_user):
    """Every request asks whether the person's role needs a second factor, and a body's pages whether they answer
    for it: read with the person, not in a statement of their own on every page."""
    _recommendations(make, 1, 0)
    p = make.partnership(name="Eastshire")
    lead = as_user(make.member(p, "agency_lead", agency=make.agency(p, name="Eastshire Police")))
    contact = as_user(make.body_contact("Home Office"))
    with app.app_context():
        body = db.session.scalar(db.select(ExternalBody.id).where(ExternalBody.name == "Home Office"))
    for browser, url in ((lead, "/"), (lead, f"/partnerships/{p.id}/actions"), (contact, "/"),
                         (contact, f"/bodies/{body}/recommendations")):
        with count_queries(app) as counted:
            assert browser.get(url).status_code == 200, url
        alone = [s for s in counted.statements if "FROM body_contact" in s and "JOIN body_contact" not in s]
        assert alone == [], url
