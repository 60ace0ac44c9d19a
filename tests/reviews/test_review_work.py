"""The review's work beyond its dates: family and friends' involvement, the panel's agency, role and expertise,
the terms of reference, the cost, a decision not to review, and timeliness shown as facts rather than as "late"."""
import io
from datetime import date

import pytest
import sqlalchemy as sa

from tests.conftest import text
from tracker.actions.models import EvidenceFile
from tracker.audit.models import AuditEntry
from tracker.audit.services import ANONYMISED, acting_as
from tracker.enums import AuditEvent, ReviewStatus
from tracker.extensions import db
from tracker.reminders.feed import calendar_for
from tracker.reports.services import ReportScope, progress_report
from tracker.reviews import services
from tracker.reviews.models import FamilyContact, PanelMember, Review, ReviewPause
from tracker.reviews.retention import archive_review

PDF = b"%PDF-1.4 terms of reference"


@pytest.fixture
def world(app, make, as_user):
    """A confidential review of a partnership: its coordinator, its chair, and an agency lead of the partnership
    who is not on its panel; and someone of another partnership."""
    p = make.partnership()
    police = make.agency(p, name="Police")
    specialist = make.agency(p, name="Haven Specialist Service")
    coordinator = make.member(p, "coordinator", name="Cora Coordinator")
    chair = make.member(p, "panel_member", name="Pat Chair")
    advocate = make.member(p, "panel_member", name="Sol Specialist")
    lead = make.member(p, "agency_lead", agency=police, name="Lee Lead")
    outsider = make.member(make.partnership(), "coordinator", name="Otto Outsider")
    review = make.review(p, reference="DHR 2026-04", pseudonyms="Zephyrine", decision_on=date(2026, 1, 5),
                         panel=[(chair, True)])
    return dict(p=p, police=police, specialist=specialist, review=review, url=f"/reviews/{review.id}",
                coordinator=as_user(coordinator), chair=as_user(chair), lead=as_user(lead),
                outsider=as_user(outsider), coordinator_user=coordinator, chair_user=chair, advocate=advocate)


def _contact_form(**overrides):
    fields = dict(relationship_to_victim="Sister", contact="Zephyrine's older sister", contact_method="letter",
                  first_contacted_on="3/2/2026", last_contacted_on="10/3/2026", meet_panel="taken_up",
                  contribute="taken_up", read_terms="declined", read_report="awaiting", advocacy="provided",
                  advocate="A specialist advocate from a national charity", saw_report_on="",
                  pseudonym_wishes="Chose the pseudonym with the chair", publication_wishes="Told the date first")
    fields.update(overrides)
    return fields


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# Family and friends


def test_the_panel_records_a_family_contact_and_the_review_page_sums_up_the_involvement(app, world):
    url = world["url"]
    saved = world["chair"].post(f"{url}/family/new", _contact_form())
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"{url}/family")
    page = text(world["chair"].get(f"{url}/family"))
    assert "Sister: Zephyrine's older sister" in page
    assert "Meeting the panel or the chair Offered and taken up" in page
    assert "Reading the terms of reference Offered and declined" in page
    assert "Advocacy Provided A specialist advocate from a national charity" in page
    assert "Wishes on the pseudonym Chose the pseudonym with the chair" in page
    summary = text(world["coordinator"].get(url))
    assert "1 person contacted" in summary and "1 met the panel or the chair" in summary
    assert "1 supported by an advocate" in summary and "0 saw the report before publication" in summary
    with app.app_context():
        [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "FamilyContact")).all()
        assert entry.event is AuditEvent.CREATE
    assert "Family contact of a review" in text(world["coordinator"].get(f"/partnerships/{world['p'].id}/audit"))


def test_a_family_contact_is_changed_and_removed_only_after_confirmation(app, world):
    url = world["url"]
    world["chair"].post(f"{url}/family/new", _contact_form())
    with app.app_context():
        contact_id = db.session.scalar(sa.select(FamilyContact.id))
    changed = world["chair"].post(f"{url}/family/{contact_id}/edit", _contact_form(
        read_report="taken_up", saw_report_on="20/3/2026"))
    assert changed.status_code == 302
    assert "Saw it on 20 March 2026" in text(world["chair"].get(f"{url}/family"))
    confirm = world["chair"].get(f"{url}/family/{contact_id}/remove")
    assert "Remove this family contact?" in text(confirm)
    with app.app_context():
        assert _count(FamilyContact) == 1
    world["chair"].post(f"{url}/family/{contact_id}/remove", {})
    with app.app_context():
        assert _count(FamilyContact) == 0
        events = db.session.scalars(sa.select(AuditEntry.event).where(AuditEntry.entity_type == "FamilyContact")
                                    .order_by(AuditEntry.id)).all()
        assert events == [AuditEvent.CREATE, AuditEvent.UPDATE, AuditEvent.DELETE]


@pytest.mark.parametrize("changes, field, message", [
    ({"relationship_to_victim": " "}, "relationship_to_victim", "Enter their relationship to the victim"),
    ({"contact": ""}, "contact", "Enter a name or a description the panel knows them by"),
    ({"contact_method": ""}, "contact_method", "Choose how they were contacted"),
    ({"last_contacted_on": "1/2/2026"}, "last_contacted_on", "The last contact cannot be before the first"),
    ({"first_contacted_on": "1/5/2099", "last_contacted_on": ""}, "first_contacted_on",
     "The date cannot be in the future"),
    ({"advocate": ""}, "advocate", "Say who provides the advocacy"),
    ({"saw_report_on": "20/3/2026"}, "read_report", "record the offer to read it as taken up"),
    ({"contact": "x" * 201}, "contact", "200 characters"),
])
def test_bad_family_contacts_are_refused_beside_the_field(app, world, changes, field, message):
    response = world["chair"].post(f"{world['url']}/family/new", _contact_form(**changes))
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert message in text(response)
    with app.app_context():
        assert _count(FamilyContact) == 0


def test_only_those_who_open_the_review_see_its_family_and_only_its_panel_changes_them(app, world, make):
    url = world["url"]
    world["chair"].post(f"{url}/family/new", _contact_form())
    with app.app_context():
        contact_id = db.session.scalar(sa.select(FamilyContact.id))
    for person in ("lead", "outsider"):
        for path in ("/family", "/family/new", f"/family/{contact_id}/edit", f"/family/{contact_id}/remove"):
            assert world[person].get(url + path).status_code == 403, (person, path)
        assert world[person].post(f"{url}/family/new", _contact_form()).status_code in (400, 403)
    assert "Zephyrine's older sister" not in text(world["lead"].get(f"/partnerships/{world['p'].id}/reviews"))
    # a contact is reached only through its own review
    other = make.review(world["p"], panel=[(world["chair_user"], True)])
    assert world["chair"].get(f"/reviews/{other.id}/family/{contact_id}/edit").status_code == 404
    # viewing an unpublished review's family is recorded, like the review itself
    with app.app_context():
        views = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.event == AuditEvent.VIEW, AuditEntry.entity_type == "Review"))
    world["coordinator"].get(f"{url}/family")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.event == AuditEvent.VIEW, AuditEntry.entity_type == "Review")) == views + 1


def test_family_contacts_are_not_found_by_search(world):
    world["chair"].post(f"{world['url']}/family/new", _contact_form(contact="Quillon the neighbour"))
    found = world["coordinator"].get("/search?q=Quillon")
    assert "Quillon the neighbour" not in text(found) and "/family" not in found.get_data(as_text=True)


# Panel


def test_panel_members_carry_agency_role_and_expertise_and_a_missing_specialist_is_warned_of(app, world):
    url = world["url"]
    warning = "No one on the panel is marked as a domestic abuse specialist"
    assert warning in text(world["chair"].get(f"{url}/panel")) and warning in text(world["chair"].get(url))
    added = world["chair"].post(f"{url}/panel", {
        "user_id": str(world["advocate"].id), "agency_id": str(world["specialist"].id),
        "panel_role": "Service manager", "expertise": ["is_da_specialist", "has_community_expertise"],
        "other_expertise": "Housing"})
    assert added.status_code == 302
    page = text(world["chair"].get(f"{url}/panel"))
    assert "Sol Specialist Member Service manager Haven Specialist Service Domestic abuse specialist Community or " \
           "‘by and for’ expertise Housing" in page
    assert warning not in page and warning not in text(world["chair"].get(url))
    with app.app_context():
        chair = db.session.scalar(sa.select(PanelMember).where(PanelMember.user_id == world["chair_user"].id))
    edited = world["chair"].post(f"{url}/panel/{chair.id}/edit", {
        "is_chair": "y", "agency_id": "", "panel_role": "Independent chair", "is_independent": "y"})
    assert edited.status_code == 302
    assert "Pat Chair Chair Independent chair None Not recorded Independent of the agencies involved" in text(
        world["chair"].get(f"{url}/panel"))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.entity_type == "PanelMember", AuditEntry.event == AuditEvent.UPDATE)) == 1


def test_a_panel_member_agency_must_be_the_partnership_s(world, make):
    elsewhere = make.agency(make.partnership(), name="Elsewhere Police")
    response = world["chair"].post(f"{world['url']}/panel", {
        "user_id": str(world["advocate"].id), "agency_id": str(elsewhere.id)})
    assert 'id="agency_id-error"' in response.get_data(as_text=True)
    assert "Choose one of this partnership's agencies, or none" in text(response)


def test_only_the_chair_or_coordinator_edits_a_member(world):
    assert world["lead"].get(f"{world['url']}/panel/1/edit").status_code == 403


# Terms of reference


def test_terms_of_reference_as_text_and_file_reach_only_those_who_open_the_review(app, world):
    url = world["url"]
    saved = world["chair"].upload(f"{url}/terms", {"text": "The review covers 2023 to the death.",
                                                   "file": (io.BytesIO(PDF), "terms.pdf")})
    assert saved.status_code == 302, text(saved)
    page = world["coordinator"].get(url)
    assert "The review covers 2023 to the death." in text(page) and "Download terms.pdf" in text(page)
    download = world["chair"].get(f"{url}/terms/file")
    assert download.status_code == 200 and download.data == PDF and "attachment" in download.headers[
        "Content-Disposition"]
    for person in ("lead", "outsider"):
        assert world[person].get(f"{url}/terms/file").status_code == 403
        assert world[person].get(f"{url}/terms").status_code == 403
    # a new file replaces the old, which goes
    world["chair"].upload(f"{url}/terms", {"text": "", "file": (io.BytesIO(PDF + b"2"), "terms-v2.pdf")})
    with app.app_context():
        assert db.session.scalars(sa.select(EvidenceFile.filename)).all() == ["terms-v2.pdf"]


@pytest.mark.parametrize("data, message", [
    ({"text": ""}, "Enter the terms of reference, or choose a file"),
    ({"text": "", "file": (io.BytesIO(b"MZ\x90\x00"), "terms.exe")}, "The file must be a PDF, Word"),
    ({"text": "", "file": (io.BytesIO(b"not a pdf"), "terms.pdf")}, "are not a .pdf file"),
])
def test_bad_terms_of_reference_are_refused(app, world, data, message):
    response = world["chair"].upload(f"{world['url']}/terms", data)
    assert response.status_code == 200 and message in text(response)
    with app.app_context():
        assert _count(EvidenceFile) == 0


def test_no_file_no_download(world):
    assert world["chair"].get(f"{world['url']}/terms/file").status_code == 404


# Cost, agreed extension and timeliness


def _details(**overrides):
    fields = dict(review_type="dhr", reference="DHR 2026-04", pseudonyms="Zephyrine", death_month="",
                  death_year="", independent_chair="", status="in_progress", decision_on="31/1/2025",
                  agreed_target_on="", extension_reason="", commissioned_on="", submitted_on="", qa_feedback_on="",
                  approved_on="", published_on="", publication_url="", estimated_cost="", actual_cost="",
                  funded_by="")
    fields.update(overrides)
    return fields


def test_the_cost_and_who_pays_show_on_the_review_page(world):
    saved = world["chair"].post(f"{world['url']}/edit", _details(
        estimated_cost="£9,500", actual_cost="10250.50", funded_by="The Community Safety Partnership"))
    assert saved.status_code == 302, text(saved)
    page = text(world["chair"].get(world["url"]))
    assert "Cost Estimated: £9,500.00 Actual: £10,250.50 Paid by: The Community Safety Partnership" in page


@pytest.mark.parametrize("changes, field, message", [
    ({"estimated_cost": "lots"}, "estimated_cost", "Enter the cost as a number of pounds"),
    ({"actual_cost": "-5"}, "actual_cost", "Enter a cost of £0 or more"),
    ({"agreed_target_on": "31/12/2025"}, "extension_reason", "Say why this timeframe was agreed"),
    ({"extension_reason": "Trial"}, "agreed_target_on", "Enter the agreed target date"),
])
def test_bad_costs_and_unexplained_extensions_are_refused(world, changes, field, message):
    response = world["chair"].post(f"{world['url']}/edit", _details(**changes))
    assert f'id="{field}-error"' in response.get_data(as_text=True) and message in text(response)


def test_timeliness_reads_as_facts_with_the_extension_s_reason_and_the_pauses(app, world):
    saved = world["chair"].post(f"{world['url']}/edit", _details(
        agreed_target_on="31/12/2025", extension_reason="awaiting the criminal trial"))
    assert saved.status_code == 302, text(saved)
    with app.app_context():
        db.session.add(ReviewPause(review_id=world["review"].id, started_on=date(2025, 9, 1),
                                   ended_on=date(2025, 11, 24), reason="Trial"))
        db.session.commit()
    facts = ("Target: 31 July 2025; agreed extension to 31 December 2025: awaiting the criminal trial; "
             "paused 84 days")
    listing = world["coordinator"].get(f"/partnerships/{world['p'].id}/reviews")
    page = world["coordinator"].get(world["url"])
    for response in (listing, page):
        assert facts in text(response)
        assert "With the pauses, the target moves to 25 March 2026" in text(response)
        assert "late" not in text(response).lower().replace("translate", "")
    assert "<strong>" not in listing.get_data(as_text=True).split("<tbody")[1].split("</tbody>")[0]


# Decision not to review


def test_a_decision_not_to_review_and_the_home_office_s_answer(app, world):
    url = world["url"]
    with app.app_context():
        db.session.get(Review, world["review"].id).status = ReviewStatus.NOTIFIED
        db.session.commit()
    assert "Record a decision not to review" in text(world["chair"].get(url))
    refused = world["chair"].post(f"{url}/not-reviewed", {"decision_on": "", "not_reviewed_reason": "",
                                                           "home_office_view": "agrees"})
    for field, message in (("decision_on", "Enter the date of the decision"),
                           ("not_reviewed_reason", "Say why the partnership decided not to review"),
                           ("home_office_response_on", "Enter the date of the Home Office's response")):
        assert f'id="{field}-error"' in refused.get_data(as_text=True) and message in text(refused)
    saved = world["chair"].post(f"{url}/not-reviewed", {
        "decision_on": "5/1/2026", "not_reviewed_reason": "The death was not caused by domestic abuse",
        "home_office_response_on": "2/2/2026", "home_office_view": "agrees", "home_office_response": "Agreed."})
    assert saved.status_code == 302, text(saved)
    page = text(world["chair"].get(url))
    assert "Stage Decided not to review" in page
    assert "Decision not to review The death was not caused by domestic abuse" in page
    assert "Home Office's response 2 February 2026: Agrees with the decision Agreed." in page
    assert "From review to lessons acted on" not in page
    listing = text(world["coordinator"].get(f"/partnerships/{world['p'].id}/reviews"))
    assert "Decided not to review on 5 January 2026" in listing and "Target" not in listing


def test_a_review_not_held_is_neither_in_progress_nor_late_in_reports_lists_and_calendars(app, world, make):
    """A review decided against long ago would be far past six months: it has no target anywhere, and the reports
    count only the reviews held."""
    held = make.review(world["p"], reference="DHR 2026-05", decision_on=date(2024, 1, 1))
    make.recommendation(held, number="1")
    not_held = make.review(world["p"], reference="DHR 2026-06", status="notified", decision_on=date(2024, 1, 1))
    with app.app_context(), acting_as(world["coordinator_user"].id):
        review = db.session.get(Review, not_held.id)
        services.record_not_reviewed(review, {"decision_on": date(2024, 1, 1),
                                              "not_reviewed_reason": "Not a domestic homicide"})
        timing = services.timeliness(review)
        assert (timing.target_on, timing.due_on, timing.is_not_reviewed) == (None, None, True)
        coordinator = db.session.merge(world["coordinator_user"])
        feed = calendar_for(coordinator)
        assert f"review-{held.id}-target" in feed and f"review-{not_held.id}-target" not in feed
        report = progress_report(ReportScope(db.session.get(type(review.partnership), world["p"].id),
                                             coordinator), date(2026, 3, 1))
        assert [r["reference"] for r in report.reviews] == ["DHR 2026-05"]
    # a stage the edit form does not offer a review that is not already one
    refused = world["chair"].post(f"{world['url']}/edit", _details(status="not_reviewed"))
    assert 'id="status-error"' in refused.get_data(as_text=True)


def test_the_calendar_s_target_dates_are_the_review_pages_(app, world, make):
    """The feed reads reviews as columns, the review's page as a record: for a paused review, a SUSR that goes to
    the Home Office and two that do not (one approved, which stops its clock), both give the same date."""
    from tracker.enums import ReviewType, SafeguardingCriterion
    from tracker.reviews.models import ReviewCriterion

    susr = dict(review_type=ReviewType.SUSR, decision_on=date(2026, 2, 2))
    paused = make.review(world["p"], reference="DHR P", decision_on=date(2026, 1, 10))
    to_home_office = make.review(world["p"], reference="SUSR H", **susr)
    approved = make.review(world["p"], reference="SUSR A", approved_on=date(2026, 6, 1), **susr)
    in_hand = make.review(world["p"], reference="SUSR W", **susr)
    with app.app_context():
        db.session.add_all([ReviewPause(review_id=paused.id, started_on=date(2026, 2, 1), ended_on=date(2026, 3, 3),
                                        reason="Trial"),
                            ReviewPause(review_id=paused.id, started_on=date(2026, 4, 1), reason="Inquest"),
                            ReviewCriterion(review_id=to_home_office.id, criterion=SafeguardingCriterion.DHR)])
        db.session.commit()
        feed = calendar_for(db.session.merge(world["coordinator_user"]))
        for review in (paused, to_home_office, in_hand):
            due_on = services.timeliness(db.session.get(Review, review.id)).due_on
            assert f"UID:review-{review.id}-target@" in feed
            assert f"DTSTART;VALUE=DATE:{due_on:%Y%m%d}" in feed.split(f"UID:review-{review.id}-target@")[1][:200]
        assert services.timeliness(db.session.get(Review, approved.id)).is_submitted
        assert f"review-{approved.id}-target" not in feed


def test_a_commissioned_review_cannot_be_recorded_as_not_held(world):
    refused = world["chair"].post(f"{world['url']}/not-reviewed", {
        "decision_on": "5/1/2026", "not_reviewed_reason": "Changed our mind"})
    assert "can only be recorded before it is" in text(refused)


# Archive


def test_archiving_removes_the_family_s_details_and_the_pseudonym_from_the_terms(app, world):
    url = world["url"]
    world["chair"].post(f"{url}/family/new", _contact_form())
    world["chair"].upload(f"{url}/terms", {"text": "Zephyrine's contact with agencies since 2023.",
                                           "file": (io.BytesIO(PDF), "Zephyrine terms.pdf")})
    with app.app_context(), acting_as(world["coordinator_user"].id):
        review = db.session.get(Review, world["review"].id)
        archive_review(review, db.session.merge(world["coordinator_user"]), "The retention period has ended")
        contact = db.session.scalar(sa.select(FamilyContact))
        assert (contact.contact, contact.advocate, contact.pseudonym_wishes, contact.publication_wishes) == (
            ANONYMISED, "", "", "")
        assert contact.relationship_to_victim == "Sister" and contact.meet_panel.value == "taken_up"
        assert review.terms.text == f"{ANONYMISED}'s contact with agencies since 2023."
        assert review.terms.file.filename == f"{ANONYMISED} terms.pdf"
        logged = " ".join(str(entry.changes) + entry.entity_label for entry in db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.entity_type.in_(["FamilyContact", "TermsOfReference"]))))
        assert "older sister" not in logged and "national charity" not in logged and "Zephyrine" not in logged
    page = text(world["coordinator"].get(f"{url}/family"))
    assert "Sister: (anonymised)" in page and "older sister" not in page
    assert world["coordinator"].get(f"{url}/family/new").status_code == 302  # archived: kept as it was
