"""Every route, every kind of person: anonymous people are sent to sign in, the wrong role or the wrong
partnership gets 403. A new route fails this test until it is given an access rule here."""
import pytest

from tests.conftest import Browser
from tracker import ROOT

PUBLIC, SIGNED_IN, ADMIN, MEMBER, COORDINATOR = "public", "signed in", "admin", "member", "coordinator"
#: may update the action in P (its lead agency's lead, the coordinator); signs off (strategic group); reopens
UPDATER, STRATEGIC, REOPENER = "updater", "strategic", "reopener"
#: for the unpublished review in P: who starts reviews, who sees it, who builds its plan, who manages its panel
REVIEW_CREATOR, REVIEW_VIEWER, REVIEW_EDITOR, PANEL_MANAGER = "creator", "review viewer", "review editor", "panel"
#: reads the partnership's reports (agency leads limited to their agency, which test_reports checks)
REPORTS = "reports"
#: reads the regional and national register: a review panel, the strategic group or a coordinator (each sees the
#: rows of the reviews they can open, which tests/reports/test_confidential_everywhere.py checks)
REGISTER = "register"
#: the person who uploaded a plan, and nobody else (others are told it does not exist)
UPLOADER = "uploader"
#: the person a role was offered to by email, and nobody else (others are told the link does not exist)
INVITEE = "invitee"

#: bodies beyond the partnerships: reads and answers what was sent to body B (its contact, and not administrators,
#: who read it only); reads the national register (administrators, national observers and reviewers); assesses a
#: body's answer (P's coordinator, administrators, national reviewers)
RESPONDENT, BODY_READER, NATIONAL, ASSESSOR = "respondent", "body reader", "national", "assessor"
#: makes API keys (body contacts, national roles, administrators); the holder of key K, and nobody else (others
#: are told it does not exist)
API_USER, API_KEY_HOLDER = "api user", "api key holder"

#: endpoint -> who may use it (in partnership P, whose objects fill the URL)
ACCESS = {
    "static": PUBLIC,
    "accounts.sign_in": PUBLIC,
    "accounts.forgot_password": PUBLIC,
    "accounts.set_password": PUBLIC,
    "home.accessibility": PUBLIC,
    "language.switch": PUBLIC,
    "home.index": SIGNED_IN,
    "accounts.change_password": SIGNED_IN,
    "accounts.sign_out": SIGNED_IN,
    "accounts.list_people": ADMIN,
    "accounts.change_access": ADMIN,
    "accounts.sign_in_code": PUBLIC,
    "accounts.two_factor": SIGNED_IN,
    "accounts.set_up_two_factor": SIGNED_IN,
    "accounts.new_recovery_codes": SIGNED_IN,
    "accounts.turn_off_two_factor": SIGNED_IN,
    "accounts.reset_two_factor": ADMIN,
    "accounts.national_role": ADMIN,
    "partnerships.list_partnerships": ADMIN,
    "partnerships.edit_partnership": ADMIN,
    "partnerships.show_partnership": MEMBER,
    "partnerships.edit_agency": COORDINATOR,
    "partnerships.delete_agency": COORDINATOR,
    "partnerships.list_people": COORDINATOR,
    "partnerships.invite_person": COORDINATOR,
    "partnerships.show_person": COORDINATOR,
    "partnerships.resend_invitation": COORDINATOR,
    "partnerships.withdraw_invitation": COORDINATOR,
    "partnerships.answer_link": INVITEE,
    "partnerships.add_role": COORDINATOR,
    "partnerships.remove_role": COORDINATOR,
    "audit.partnership_log": COORDINATOR,
    "audit.instance_log": ADMIN,
    "actions.my_actions": SIGNED_IN,
    "actions.list_actions": MEMBER,
    "actions.bulk_change": MEMBER,
    "actions.bulk_apply": MEMBER,
    "search.results": SIGNED_IN,
    "actions.show_action": MEMBER,
    "actions.download_evidence": MEMBER,
    "actions.new_action": COORDINATOR,
    "actions.edit_action": COORDINATOR,
    "actions.reassign": COORDINATOR,
    "actions.confirm_assurance": COORDINATOR,
    "actions.post_update": UPDATER,
    "actions.sign_off_queue": MEMBER,
    "actions.deadline_rule": COORDINATOR,
    "actions.decide_move": COORDINATOR,
    "actions.move_deadline": UPDATER,
    "actions.sign_off": STRATEGIC,
    "actions.reopen": REOPENER,
    "actions.new_review_action": REVIEW_EDITOR,
    "actions.actions_per_agency": REVIEW_EDITOR,
    "actions.milestones": UPDATER,
    "actions.mark_milestone": UPDATER,
    "actions.remove_milestone": COORDINATOR,
    "reviews.list_reviews": MEMBER,
    "reviews.new_review": REVIEW_CREATOR,
    "reviews.show_review": REVIEW_VIEWER,
    "reviews.edit_review": REVIEW_EDITOR,
    "reviews.pause_review": REVIEW_EDITOR,
    "reviews.new_recommendation": REVIEW_EDITOR,
    "reviews.edit_recommendation": REVIEW_EDITOR,
    "reviews.delete_recommendation": REVIEW_EDITOR,
    "reviews.manage_panel": PANEL_MANAGER,
    "reviews.publish_review": PANEL_MANAGER,
    "reviews.remove_panel_member": PANEL_MANAGER,
    "reviews.edit_panel_member": PANEL_MANAGER,
    "reviews.family": REVIEW_VIEWER,
    "reviews.new_family_contact": REVIEW_EDITOR,
    "reviews.edit_family_contact": REVIEW_EDITOR,
    "reviews.remove_family_contact": REVIEW_EDITOR,
    "reviews.edit_terms": REVIEW_EDITOR,
    "reviews.download_terms": REVIEW_VIEWER,
    "reviews.record_not_reviewed": REVIEW_EDITOR,
    "reviews.agency_requests": REVIEW_VIEWER,
    "reviews.change_request": PANEL_MANAGER,
    "reviews.request_received": PANEL_MANAGER,
    "reviews.chase_request": PANEL_MANAGER,
    "reviews.withdraw_request": PANEL_MANAGER,
    "reviews.quality_assurance": REVIEW_VIEWER,
    "reviews.quality_feedback": PANEL_MANAGER,
    "reviews.archive_review": COORDINATOR,
    "reviews.external_register": REGISTER,
    "reviews.manage_themes": COORDINATOR,
    "reviews.remove_theme": COORDINATOR,
    "plans.upload_plan": REVIEW_EDITOR,
    "plans.upload_register": COORDINATOR,
    "plans.map_columns": UPLOADER,
    "plans.preview_import": UPLOADER,
    "plans.cancel_import": UPLOADER,
    "plans.export_plan": REVIEW_VIEWER,
    "plans.export_register": MEMBER,
    "plans.csv_template": SIGNED_IN,
    "plans.xlsx_template": MEMBER,
    "benchmarks.list_benchmarks": MEMBER,
    "benchmarks.show_benchmark": MEMBER,
    "benchmarks.new_benchmark": COORDINATOR,
    "benchmarks.import_benchmark": COORDINATOR,
    "benchmarks.import_spreadsheet": COORDINATOR,
    "benchmarks.spreadsheet_template": SIGNED_IN,
    "benchmarks.export_benchmark": MEMBER,
    "benchmarks.edit_benchmark": COORDINATOR,
    "benchmarks.edit_component": COORDINATOR,
    "benchmarks.mark_no_action": COORDINATOR,
    "benchmarks.clear_no_action": COORDINATOR,
    "benchmarks.rebenchmark_interval": COORDINATOR,
    "actions.new_benchmark_action": COORDINATOR,
    "reminders.overview": COORDINATOR,
    "reminders.edit_policy": COORDINATOR,
    "reminders.retry": COORDINATOR,
    "reminders.preferences": SIGNED_IN,
    "reminders.new_calendar": SIGNED_IN,
    "reminders.calendar_feed": PUBLIC,
    "actions.export_actions": MEMBER,
    "reports.overdue": REPORTS,
    "reports.progress": REPORTS,
    "reports.learning": REPORTS,
    "reports.pack": REPORTS,
    "reports.meetings": COORDINATOR,
    "reports.remove": COORDINATOR,
    "bodies.list_bodies": ADMIN,
    "bodies.edit_body": ADMIN,
    "bodies.body_contacts": ADMIN,
    "bodies.remove_contact": ADMIN,
    "bodies.show_loop": REVIEW_VIEWER,
    "bodies.send": COORDINATOR,
    "bodies.send_several": COORDINATOR,
    "bodies.record_response": COORDINATOR,
    "bodies.assess": ASSESSOR,
    "bodies.inbox": BODY_READER,
    "bodies.answer": BODY_READER,
    "bodies.add_step": RESPONDENT,
    "bodies.step_done": RESPONDENT,
    "bodies.add_progress": RESPONDENT,
    "register.overview": NATIONAL,
    "register.recommendations": NATIONAL,
    "register.show": NATIONAL,
    "register.duplicates": NATIONAL,
    "opendata.index": PUBLIC,
    "opendata.body": PUBLIC,
    "opendata.recommendation": PUBLIC,
    "opendata.schema": PUBLIC,
    "opendata.download_csv": PUBLIC,
    "opendata.download_json": PUBLIC,
    "opendata.take_part": COORDINATOR,
    "api.list_recommendations": PUBLIC,
    "api.get_recommendation": PUBLIC,
    "api.list_bodies": PUBLIC,
    "api.openapi": PUBLIC,
    "api.keys": API_USER,
    "api.revoke_key": API_KEY_HOLDER,
}

#: who each test person is, and which access levels they pass in partnership P
_REVIEW_ALL = {REVIEW_CREATOR, REVIEW_VIEWER, REVIEW_EDITOR, PANEL_MANAGER}
PEOPLE = {
    "administrator": {SIGNED_IN, ADMIN, MEMBER, COORDINATOR, UPDATER, REOPENER, REPORTS, REGISTER, *_REVIEW_ALL,
                      BODY_READER, NATIONAL, ASSESSOR, API_USER},
    "coordinator": {SIGNED_IN, MEMBER, COORDINATOR, UPDATER, REOPENER, REPORTS, REGISTER, *_REVIEW_ALL, ASSESSOR},
    "panel chair": {SIGNED_IN, MEMBER, UPLOADER, REGISTER, *_REVIEW_ALL},
    "panel member": {SIGNED_IN, MEMBER, REVIEW_CREATOR, REVIEW_VIEWER, REVIEW_EDITOR, REGISTER},
    "agency lead": {SIGNED_IN, MEMBER, UPDATER, REPORTS},
    "lead of another agency": {SIGNED_IN, MEMBER, REPORTS},
    "strategic member": {SIGNED_IN, MEMBER, STRATEGIC, REOPENER, REPORTS, REGISTER},
    "viewer": {SIGNED_IN, MEMBER, REPORTS},
    "coordinator elsewhere": {SIGNED_IN, INVITEE},
    "respondent": {SIGNED_IN, RESPONDENT, BODY_READER, API_USER, API_KEY_HOLDER},
    "respondent of another body": {SIGNED_IN, API_USER},
    "national observer": {SIGNED_IN, BODY_READER, NATIONAL, API_USER},
    "national reviewer": {SIGNED_IN, BODY_READER, NATIONAL, ASSESSOR, API_USER},
}


@pytest.fixture
def world(app, make):
    p = make.partnership(name="Partnership P")
    q = make.partnership(name="Partnership Q")
    agency = make.agency(p)
    people = {
        "administrator": make.user(is_administrator=True),
        "coordinator": make.member(p, "coordinator"),
        "agency lead": make.member(p, "agency_lead", agency=agency),
        "lead of another agency": make.member(p, "agency_lead", agency=make.agency(p)),
        "strategic member": make.member(p, "strategic_member"),
        "viewer": make.member(p, "viewer"),
        "coordinator elsewhere": make.member(q, "coordinator"),
        "panel chair": make.member(p, "panel_member"),
        "panel member": make.member(p, "panel_member"),
        "respondent": make.user(two_factor=True),
        "respondent of another body": make.user(two_factor=True),
        "national observer": make.user(national_role="observer"),
        "national reviewer": make.user(national_role="reviewer"),
    }
    from tracker.extensions import db

    with app.app_context():
        from tracker.partnerships.models import Membership

        membership_id = db.session.scalar(
            db.select(Membership.id).where(Membership.user_id == people["viewer"].id))
    action = make.action(p, lead_agency=agency, owner=people["agency lead"])
    from tracker.actions.models import DeadlineChange

    change = make.save(DeadlineChange(action_id=action.id, changed_by_id=people["agency lead"].id, to_date=__import__(
        "datetime").date(2031, 1, 1), reason="Waiting for funding", status="requested"))
    update = make.update(action, people["agency lead"], evidence=("minutes.txt", b"Minutes of the meeting"))
    from tracker.actions.models import Milestone

    milestone = make.save(Milestone(action_id=action.id, title="Draft the protocol"))
    from tracker.reports.models import Meeting

    meeting = make.save(Meeting(partnership_id=p.id, meets_on=__import__("datetime").date(2030, 1, 1)))
    review = make.review(p, panel=[(people["panel chair"], True), (people["panel member"], False)])
    recommendation = make.recommendation(review, agencies=[agency])
    sent = make.recommendation(review, scope="national", external_body="Body B",
                               sent_on=__import__("datetime").date(2030, 1, 1), shared_text="Shared with B")
    make.recommendation(review, scope="national", external_body="Body C")
    with app.app_context():
        from tracker.bodies.models import BodyContact, BodyRecommendation, ExternalBody, ResponseStep

        bodies = {b.name: b.id for b in db.session.scalars(db.select(ExternalBody))}
        contact = BodyContact(body_id=bodies["Body B"], user_id=people["respondent"].id)
        db.session.add_all([contact, BodyContact(body_id=bodies["Body C"],
                                                 user_id=people["respondent of another body"].id)])
        item_id = db.session.scalar(db.select(BodyRecommendation.id).where(
            BodyRecommendation.recommendation_id == sent.id))
        step = ResponseStep(item_id=item_id, text="Issue guidance")
        from tracker.register.models import ApiToken

        key = ApiToken(user_id=people["respondent"].id, name="Case system", token_hash="0" * 64)
        db.session.add_all([step, key])
        db.session.commit()
        body_values = {"body_id": bodies["Body B"], "item_id": item_id, "contact_id": contact.id,
                       "step_id": step.id, "key_id": key.id}
    with app.app_context():
        from tracker.reviews.models import PanelMember
        from tracker.reviews.services import themes_of

        member_id = db.session.scalar(db.select(PanelMember.id).where(PanelMember.user_id ==
                                                                      people["panel member"].id))
        from tracker.actions.evidence import make_evidence
        from tracker.reviews.models import FamilyContact, TermsOfReference

        contact = FamilyContact(review_id=review.id, relationship_to_victim="Sister", contact="The sister",
                                contact_method="letter")
        db.session.add_all([contact, TermsOfReference(review_id=review.id, text="Terms",
                                                      file=make_evidence("terms.txt", b"Terms"))])
        db.session.commit()
        contact_id = contact.id
        theme_id = themes_of(db.session.get(type(p), p.id))[0].id
        from tracker.enums import RequestKind
        from tracker.reviews.models import AgencyRequest, QualitySubmission

        agency_request = AgencyRequest(review_id=review.id, agency_id=agency.id, kind=RequestKind.IMR,
                                       sent_on=__import__("datetime").date(2030, 1, 1),
                                       due_on=__import__("datetime").date(2030, 2, 1))
        submission = QualitySubmission(review_id=review.id, submitted_on=__import__("datetime").date(2030, 3, 1))
        db.session.add_all([agency_request, submission])
        db.session.commit()
        request_ids = {"request_id": agency_request.id, "submission_id": submission.id}
    with app.app_context():
        from tracker.benchmarks.services import import_json, load_frameworks

        load_frameworks()
        benchmark = import_json(db.session.get(type(p), p.id), (ROOT / "tracker" / "benchmarks" / "data" /
                                                                "milton-keynes-2012-benchmark.json").read_bytes())
        finding = benchmark.findings[0]
        bench_values = {"benchmark_id": benchmark.id, "finding_id": finding.id,
                        "component_id": benchmark.scores[0].component_id, "framework_key": "isoe-2013"}
    with app.app_context():
        from tests.plans import files
        from tracker.plans.services import start_import
        from tracker.reviews.models import Review

        data = files.xlsx(files.HOME_OFFICE_ROWS)
        token = start_import(people["panel chair"], db.session.get(type(p), p.id),
                             db.session.get(Review, review.id), "plan.xlsx", data, len(data)).token
    import hashlib
    from datetime import timedelta

    from tracker.db import utcnow
    from tracker.enums import Role
    from tracker.partnerships.models import AccountLink

    link_token = "a-role-in-p-offered-to-the-coordinator-elsewhere"
    make.save(AccountLink(partnership_id=p.id, user_id=people["coordinator elsewhere"].id, name="Elsewhere",
                          role=Role.VIEWER, token_hash=hashlib.sha256(link_token.encode()).hexdigest(),
                          sent_at=utcnow(), expires_at=utcnow() + timedelta(days=7)))
    values = {**bench_values, **request_ids, **body_values, "partnership_id": p.id, "agency_id": agency.id,
              "user_id": people["viewer"].id, "link_token": link_token,
              "membership_id": membership_id, "token": token, "filename": "tracker.css",
              "action_id": action.id, "update_id": update.id, "review_id": review.id,
              "recommendation_id": recommendation.id, "member_id": member_id, "theme_id": theme_id,
              "contact_id": contact_id, "milestone_id": milestone.id,
              "kind": "csv", "message_id": 1, "meeting_id": meeting.id, "change_id": change.id}
    return people, values


def _urls(app, values):
    from flask import url_for

    with app.test_request_context():
        return [
            (rule.endpoint, url_for(rule.endpoint, **{name: values[name] for name in rule.arguments}),
             sorted(rule.methods - {"HEAD", "OPTIONS"}))
            for rule in app.url_map.iter_rules()
        ]


def test_every_route_has_an_access_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(ACCESS), "give each new route a rule in ACCESS"


def test_anonymous_people_are_sent_to_sign_in(app, world):
    _, values = world
    browser = Browser(app.test_client())
    for endpoint, url, methods in _urls(app, values):
        if ACCESS[endpoint] == PUBLIC:
            continue
        for method in methods:
            # a POST carries a valid CSRF token, so only the sign-in rule can stop it
            response = browser.get(url) if method == "GET" else browser.post(url, {}, form_url="/sign-in")
            assert response.status_code == 302, (endpoint, method)
            assert response.headers["Location"].startswith("/sign-in"), (endpoint, method)


@pytest.mark.parametrize("who", list(PEOPLE))
def test_each_role_reaches_only_its_own_routes(app, world, who):
    people, values = world
    for endpoint, url, methods in _urls(app, values):
        needed = ACCESS[endpoint]
        if needed == PUBLIC:
            continue
        allowed = needed in PEOPLE[who]
        # every view checks access before anything else, so an allowed person is shown the page (a POST could
        # delete what the next route needs); a refused one is refused whichever way they ask
        for method in (["GET"] if allowed and "GET" in methods else methods):
            browser = Browser(app.test_client())  # fresh each time: a POST may sign out or change things
            browser.sign_in(people[who].email)
            if method == "GET":
                response = browser.get(url)
            else:
                response = browser.post(url, {}, form_url="/")
            if allowed:
                assert response.status_code not in (403, 404), (who, endpoint, method)
            else:
                refused = 404 if needed in (UPLOADER, INVITEE, API_KEY_HOLDER) else 403
                assert response.status_code == refused, (who, endpoint, method, response.status_code)
