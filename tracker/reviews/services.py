"""Reviews: their details and timeliness, panels, recommendations, the action plan, import and export."""
import re
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext, ngettext
from sqlalchemy.orm import selectinload

from tracker.accounts.models import User
from tracker.actions.evidence import evidence_problem, make_evidence
from tracker.actions.models import Action
from tracker.actions.services import answering, delivery_state
from tracker.actions.state import london_today
from tracker.audit.services import record_view
from tracker.bodies.models import BodyRecommendation
from tracker.db import is_taken, length_of
from tracker.enums import (
    DEFAULT_THEMES,
    HOME_OFFICE_STATUSES,
    REVIEW_TYPES,
    Advocacy,
    ContactMethod,
    DeliveryState,
    HomeOfficeView,
    Nation,
    Offer,
    ReviewStatus,
    ReviewType,
    Role,
    SafeguardingCriterion,
    Scope,
)
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.i18n import N_, long_date, month_year
from tracker.partnerships.models import Agency, Membership
from tracker.reviews.forms import month_names
from tracker.reviews.models import (
    FamilyContact,
    PanelMember,
    Recommendation,
    Review,
    ReviewCriterion,
    ReviewPause,
    TermsOfReference,
    Theme,
)

#: the guidance expects a review within six months of the decision, unless another timeframe is agreed
STANDARD_MONTHS = 6


def add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


# Themes


def themes_of(partnership):
    """The partnership's theme list, started from the defaults the first time it is needed."""
    themes = db.session.scalars(sa.select(Theme).where(Theme.partnership_id == partnership.id)
                                .order_by(Theme.name)).all()
    if not themes:
        themes = [Theme(partnership_id=partnership.id, name=name) for name in DEFAULT_THEMES]
        db.session.add_all(themes)
        db.session.commit()
        themes.sort(key=lambda t: t.name)
    return themes


def add_theme(partnership, name):
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed({"name": gettext("Enter the theme")})
    if any(t.name.lower() == name.lower() for t in themes_of(partnership)):
        raise ValidationFailed({"name": gettext("The list already has this theme")})
    db.session.add(Theme(partnership_id=partnership.id, name=name))
    db.session.commit()


def remove_theme(theme):
    used = db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation)
                             .join(Recommendation.themes).where(Theme.id == theme.id))
    if used:
        raise ValidationFailed({"__form__": ngettext("%(num)d recommendation uses this theme: change it first",
                                                     "%(num)d recommendations use this theme: change them first",
                                                     used)})
    db.session.delete(theme)
    db.session.commit()


# Reviews

REVIEW_FIELDS = ("reference", "pseudonyms", "death_month", "death_year", "independent_chair", "decision_on",
                 "commissioned_on", "submitted_on", "qa_feedback_on", "approved_on", "published_on", "publication_url",
                 "agreed_target_on", "extension_reason", "planned_publication_on", "embargo_note", "estimated_cost",
                 "actual_cost", "funded_by")
#: what only a Single Unified Safeguarding Review records; another review holds them empty
SUSR_FIELDS = ("regional_safeguarding_board", "case_review_group_on", "case_review_group_outcome", "reviewers",
               "welsh_government_notified_on")
#: why a type of review was refused, by the partnership's nation
OTHER_NATIONS_TYPE = {
    Nation.ENGLAND: N_("A Single Unified Safeguarding Review is for a partnership in Wales: choose a Domestic "
                       "Homicide Review or a Domestic Abuse Related Death Review"),
    Nation.WALES: N_("In Wales, a death that meets the criteria for a Domestic Homicide Review is reviewed through a "
                     "Single Unified Safeguarding Review: choose it"),
}


def types_offered(partnership, review=None):
    """The types of review the partnership's nation commissions, and the review's own where it is another (a
    partnership whose nation was corrected keeps its reviews as they were)."""
    types = list(REVIEW_TYPES[partnership.nation])
    if review is not None and review.review_type not in types:
        types.append(review.review_type)
    return types


def stages_offered(review):
    """The stages the review's form offers: the Home Office's only to a review that may go to it (a new one may),
    and "published" or "decided not to review" only to one already so, since each is its own decision with its own
    page."""
    return [stage for stage in ReviewStatus
            if (stage is not ReviewStatus.PUBLISHED or (review is not None and review.is_published))
            and (stage is not ReviewStatus.NOT_REVIEWED or (review is not None and review.is_not_reviewed))
            and (stage not in HOME_OFFICE_STATUSES or review is None or review.goes_to_home_office)]


def _susr_errors(values, criteria, status):
    """What a Single Unified Safeguarding Review must say besides a DHR's: which criteria it meets, the board that
    commissions it; and, unless it meets the DHR criteria, nothing of the Home Office's quality assurance."""
    errors = {}
    if not criteria:
        errors["criteria"] = gettext("Choose the review criteria the case meets: at least one")
    if not (values.get("regional_safeguarding_board") or "").strip():
        errors["regional_safeguarding_board"] = gettext("Enter the regional safeguarding board that commissions "
                                                        "the review")
    if (values.get("case_review_group_outcome") or "").strip() and not values.get("case_review_group_on"):
        errors["case_review_group_on"] = gettext("Enter the date of the case review group's decision")
    if SafeguardingCriterion.DHR not in criteria:
        if status in HOME_OFFICE_STATUSES:
            errors["status"] = gettext("Only a review that meets the Domestic Homicide Review criteria goes to the "
                                       "Home Office for quality assurance: choose another stage")
        for field in ("submitted_on", "qa_feedback_on"):
            if values.get(field):
                errors[field] = gettext("Only a review that meets the Domestic Homicide Review criteria goes to the "
                                        "Home Office: leave this date empty")
    return errors


def save_review(partnership, review, values, creator):
    """Create (review=None) or edit a review. A panel member who creates a review chairs its panel."""
    from tracker.reviews import quality

    errors = {}
    reference = " ".join((values.get("reference") or "").split())
    if not reference:
        errors["reference"] = gettext("Enter the review's reference, for example DHR 2024-03")
    elif is_taken(Review.reference, reference, review, Review.partnership_id == partnership.id):
        errors["reference"] = gettext("This partnership already has a review with this reference")
    review_type = ReviewType(values.get("review_type") or types_offered(partnership)[0])
    if review_type not in types_offered(partnership, review):
        errors["review_type"] = gettext(OTHER_NATIONS_TYPE[partnership.nation])
    if not (values.get("pseudonyms") or "").strip():
        errors["pseudonyms"] = gettext("Enter the pseudonym used for the victim")
    month, year = values.get("death_month"), values.get("death_year")
    if month is not None and not 1 <= month <= 12:
        errors["death_month"] = gettext("Enter the month as a number from 1 to 12")
    if year is not None and not 1990 <= year <= london_today().year:
        errors["death_year"] = gettext("Enter a year from 1990 to %(year)s", year=london_today().year)
    status = ReviewStatus(values.get("status") or ReviewStatus.NOTIFIED)
    if status is ReviewStatus.PUBLISHED and not (review and review.is_published):
        errors["status"] = gettext("Publishing is its own decision: use ‘Publish the review’ on the review's page")
    elif status is ReviewStatus.PUBLISHED and not values.get("published_on"):
        errors["published_on"] = gettext("Enter the date the review was published")
    if status is ReviewStatus.NOT_REVIEWED and not (review and review.is_not_reviewed):
        errors["status"] = gettext("A decision not to review is its own record: use ‘Record a decision not to "
                                   "review’ on the review's page")
    if values.get("agreed_target_on") and not (values.get("extension_reason") or "").strip():
        errors["extension_reason"] = gettext("Say why this timeframe was agreed, for example awaiting the "
                                             "criminal trial")
    elif (values.get("extension_reason") or "").strip() and not values.get("agreed_target_on"):
        errors["agreed_target_on"] = gettext("Enter the agreed target date, or leave the reason empty")
    for field in ("estimated_cost", "actual_cost"):
        if values.get(field) is not None and values[field] < 0:
            errors[field] = gettext("Enter a cost of £0 or more")
    is_susr = review_type is ReviewType.SUSR
    try:
        criteria = {SafeguardingCriterion(value) for value in values.get("criteria") or ()} if is_susr else set()
    except ValueError:
        errors["criteria"], criteria = gettext("Choose the review criteria from the list"), set()
    else:
        errors.update(_susr_errors(values, criteria, status) if is_susr else {})
    for earlier, later in (("decision_on", "commissioned_on"), ("case_review_group_on", "commissioned_on"),
                           ("commissioned_on", "submitted_on"), ("submitted_on", "approved_on"),
                           ("approved_on", "published_on")):
        if values.get(earlier) and values.get(later) and values[later] < values[earlier]:
            errors.setdefault(later, gettext("This date cannot be before the stage that comes before it"))
    errors.update(quality.review_form_errors(review, values))
    if errors:
        raise ValidationFailed(errors)
    is_new = review is None
    review = review or Review(partnership_id=partnership.id)
    for field in (*REVIEW_FIELDS, *SUSR_FIELDS):
        value = values.get(field) if is_susr or field not in SUSR_FIELDS else None
        if value is None and not Review.__table__.c[field].nullable:
            value = ""
        setattr(review, field, value.strip() if isinstance(value, str) else value)
    review.reference = reference
    review.review_type = review_type
    review.status = status
    _meet(review, criteria)
    quality.follow_review_form(review)
    db.session.add(review)
    db.session.flush()
    if is_new and not _coordinates(creator, partnership):
        db.session.add(PanelMember(review_id=review.id, user_id=creator.id, is_chair=True))
    db.session.commit()
    return review


def _meet(review, criteria):
    """The review's criteria become these: the ones no longer met go, the new ones are added (each audited)."""
    for row in list(review.criteria_met):
        if row.criterion not in criteria:
            review.criteria_met.remove(row)
            db.session.delete(row)  # deleted, not only orphaned, so that the audit log records it
    held = {row.criterion for row in review.criteria_met}
    review.criteria_met.extend(ReviewCriterion(criterion=criterion) for criterion in SafeguardingCriterion
                               if criterion in criteria and criterion not in held)


def when_died(review):
    """"April 2025", "2025" or None: the month and year of death as recorded, in the reader's language."""
    if review.death_year is None:
        return month_names()[review.death_month] if review.death_month else None
    if review.death_month is None:
        return str(review.death_year)
    return month_year(date(review.death_year, review.death_month, 1))


def publication_audience(review):
    """Who can open the review only once it is published: the partnership's people off its panel, by role."""
    from tracker.permissions import can

    people = db.session.scalars(sa.select(User).join(Membership, Membership.user_id == User.id)
                                .where(Membership.partnership_id == review.partnership_id,
                                       User.is_active.is_(True)).distinct()).all()
    newly = [person for person in people if not can(person, "view", review)]
    by_role = {}
    for person in newly:
        for membership in person.memberships:
            if membership.partnership_id == review.partnership_id:
                by_role.setdefault(membership.role, set()).add(person.id)
    return [_how_many(role, len(ids)) for role, ids in sorted(by_role.items(), key=lambda pair: pair[0].label)]


def _how_many(role, count):
    """"2 viewers": a number of people in a role, in words that agree with the number."""
    return {
        Role.COORDINATOR: lambda: ngettext("%(num)d coordinator", "%(num)d coordinators", count),
        Role.AGENCY_LEAD: lambda: ngettext("%(num)d agency lead", "%(num)d agency leads", count),
        Role.STRATEGIC_MEMBER: lambda: ngettext("%(num)d strategic group member", "%(num)d strategic group members",
                                                count),
        Role.PANEL_MEMBER: lambda: ngettext("%(num)d review panel member", "%(num)d review panel members", count),
        Role.VIEWER: lambda: ngettext("%(num)d viewer", "%(num)d viewers", count),
    }[role]()


def publish_review(review, actor, published_on, publication_url, pseudonym_in_report=False):
    """Open a review to the whole partnership: a decision of the coordinator or the panel chair, audited."""
    from tracker.audit.services import noting

    errors = {}
    if review.is_published:
        errors["__form__"] = gettext("The review is already published")
    if published_on is None:
        errors["published_on"] = gettext("Enter the date the review was published")
    elif published_on > london_today():
        errors["published_on"] = gettext("The publication date cannot be in the future: publish on the day")
    elif review.approved_on and published_on < review.approved_on:
        errors["published_on"] = gettext("The review cannot be published before it was approved")
    if errors:
        raise ValidationFailed(errors)
    with noting(f"Published by {actor.name}"):
        review.status, review.published_on = ReviewStatus.PUBLISHED, published_on
        review.publication_url = (publication_url or "").strip()
        review.pseudonym_in_report = bool(pseudonym_in_report)
        db.session.commit()


def _coordinates(user, partnership):
    from tracker.permissions import can

    return can(user, "manage", partnership)


@dataclass
class Timeliness:
    """The facts of a review's timetable, shown as they are: a review must not be rushed, so nothing here says
    "late"."""

    #: six months from the decision to review
    target_on: date | None
    #: another date agreed with the Home Office (usually later: an extension), and why
    agreed_on: date | None
    extension_reason: str
    paused_days: int
    #: the date that counts, with the time paused added
    due_on: date | None
    is_paused: bool
    paused_since: date | None
    #: the report went to the Home Office or, for a review that does not go there, was approved, on this day
    finished_on: date | None
    is_not_reviewed: bool = False

    @property
    def is_submitted(self):
        return self.finished_on is not None

    @property
    def is_extension(self):
        return self.agreed_on is not None and (self.target_on is None or self.agreed_on > self.target_on)


def timeliness(review, today=None):
    """The review's target (six months from the decision), any agreed date and its reason, and the time it stood
    paused, which moves the date that counts. The clock stops when the report goes to the Home Office, or for a SUSR
    that does not go there, when the report is approved. A review the partnership decided not to hold has none."""
    if review.is_not_reviewed:
        return Timeliness(None, None, "", 0, None, False, None, None, is_not_reviewed=True)
    return timetable(review.decision_on, review.agreed_target_on, review.extension_reason,
                     review.submitted_on if review.goes_to_home_office else review.approved_on, review.pauses, today)


def timetable(decision_on, agreed_target_on, extension_reason, finished_on, pauses, today=None):
    """timeliness from the review's dates alone (`pauses` anything with a started_on and an ended_on), for a list of
    reviews read as columns rather than records."""
    today = today or london_today()
    target = add_months(decision_on, STANDARD_MONTHS) if decision_on else None
    end = finished_on or today
    paused = sum(((min(p.ended_on or end, end) - p.started_on).days for p in pauses if p.started_on <= end), 0)
    open_pause = next((p for p in pauses if p.ended_on is None), None)
    counts = agreed_target_on or target
    return Timeliness(target, agreed_target_on, extension_reason, paused,
                      counts + timedelta(days=paused) if counts else None, open_pause is not None,
                      open_pause.started_on if open_pause else None, finished_on)


def add_pause(review, started_on, reason):
    errors = {}
    if started_on is None:
        errors["started_on"] = gettext("Enter the date the review was paused")
    if not (reason or "").strip():
        errors["reason"] = gettext("Say why the review is paused, for example awaiting a criminal trial")
    if any(p.ended_on is None for p in review.pauses):
        errors["started_on"] = gettext("The review is already paused: end that pause first")
    if errors:
        raise ValidationFailed(errors)
    db.session.add(ReviewPause(review_id=review.id, started_on=started_on, reason=reason.strip()))
    db.session.commit()


def end_pause(review, ended_on):
    pause = next((p for p in review.pauses if p.ended_on is None), None)
    if pause is None:
        raise ValidationFailed({"ended_on": gettext("The review is not paused")})
    if ended_on is None or ended_on < pause.started_on:
        raise ValidationFailed({"ended_on": gettext("Enter a date on or after the day the pause started")})
    pause.ended_on = ended_on
    db.session.commit()


def record_not_reviewed(review, values):
    """The partnership decided not to commission a review: the date (the review's decision date), why, and the Home
    Office's answer once it comes. Such a review has no target and is neither in progress nor late."""
    errors = {}
    decided_on, reason = values.get("decision_on"), (values.get("not_reviewed_reason") or "").strip()
    answered_on, view = values.get("home_office_response_on"), values.get("home_office_view") or None
    if review.status is not ReviewStatus.NOTIFIED and not review.is_not_reviewed:
        errors["__form__"] = gettext("The review has been commissioned: a decision not to review can only be "
                                     "recorded before it is")
    if decided_on is None:
        errors["decision_on"] = gettext("Enter the date of the decision")
    elif decided_on > london_today():
        errors["decision_on"] = gettext("The date cannot be in the future")
    if not reason:
        errors["not_reviewed_reason"] = gettext("Say why the partnership decided not to review")
    if view and answered_on is None:
        errors["home_office_response_on"] = gettext("Enter the date of the Home Office's response")
    elif answered_on and decided_on and answered_on < decided_on:
        errors["home_office_response_on"] = gettext("The response cannot come before the decision")
    if answered_on and not view:
        errors["home_office_view"] = gettext("Choose whether the Home Office agrees or disagrees")
    if errors:
        raise ValidationFailed(errors)
    review.status, review.decision_on, review.not_reviewed_reason = ReviewStatus.NOT_REVIEWED, decided_on, reason
    review.home_office_response_on = answered_on
    review.home_office_view = HomeOfficeView(view) if view else None
    review.home_office_response = (values.get("home_office_response") or "").strip()
    db.session.commit()


def reviews_for(user, partnership, page, per_page):
    """A page of the reviews this person may see, newest first, chosen by the SQL twin of the rule: a
    partnership with thousands of reviews reads one page of them."""
    from tracker.permissions import visible_reviews

    return db.paginate(
        sa.select(Review).where(Review.partnership_id == partnership.id, visible_reviews(user))
        .options(selectinload(Review.panel), selectinload(Review.pauses), selectinload(Review.criteria_met))
        .order_by(Review.decision_on.desc().nulls_last(), Review.id.desc()), page=page, per_page=per_page,
        error_out=False)


def log_view(review, user):
    """Reading an unpublished review leaves a trace in the audit log."""
    if not review.is_published:
        record_view(review, user)
        db.session.commit()


# Panel


def panel_candidates(review):
    """Everyone with a role in the review's partnership who is not yet on its panel."""
    on_panel = {p.user_id for p in review.panel}
    people = db.session.scalars(
        sa.select(User).where(User.id.in_(sa.select(Membership.user_id)
                                          .where(Membership.partnership_id == review.partnership_id)),
                              User.is_active.is_(True))
        .order_by(sa.func.lower(User.name))).all()
    return [p for p in people if p.id not in on_panel]


#: the panel member's details a form sets, besides the person
PANEL_DETAILS = ("agency_id", "panel_role", "is_da_specialist", "has_community_expertise", "other_expertise",
                 "is_independent")


def add_panel_member(review, user_id, is_chair, details=None):
    """Seat a person of the partnership on the panel, with their agency, role and expertise where given."""
    errors = {} if user_id is not None and user_id in {p.id for p in panel_candidates(review)} else {
        "user_id": gettext("Choose a person from this partnership who is not on the panel")}
    member = PanelMember(review_id=review.id, user_id=user_id)
    _set_panel_details(review, member, is_chair, details or {}, errors)
    db.session.add(member)
    db.session.commit()


def edit_panel_member(member, is_chair, details):
    """Change a member's agency, role, expertise, independence, or who chairs."""
    _set_panel_details(member.review, member, is_chair, details, {})
    db.session.commit()


def _set_panel_details(review, member, is_chair, details, errors):
    agency_id = details.get("agency_id")
    if agency_id is not None and agency_id not in {a.id for a in review.partnership.agencies}:
        errors["agency_id"] = gettext("Choose one of this partnership's agencies, or none")
    if errors:
        raise ValidationFailed(errors)
    if is_chair:
        for other in review.panel:
            if other is not member:
                other.is_chair = False
    member.is_chair = bool(is_chair)
    for field in PANEL_DETAILS:
        value = details.get(field)
        setattr(member, field, value.strip() if isinstance(value, str) else (
            bool(value) if field.startswith(("is_", "has_")) else value))


def remove_panel_member(member):
    db.session.delete(member)
    db.session.commit()


# Recommendations


def natural_key(number):
    return [int(part) if part.isdecimal() else part.lower() for part in re.split(r"(\d+)", number or "")]


def recommendations_of(review):
    """The review's recommendations in report order, with agencies, themes and the actions answering them loaded (a
    fixed number of queries)."""
    recommendations = db.session.scalars(
        sa.select(Recommendation).where(Recommendation.review_id == review.id)
        .options(selectinload(Recommendation.agencies), selectinload(Recommendation.themes),
                 selectinload(Recommendation.addressed).selectinload(BodyRecommendation.body),
                 *(selectinload(actions).options(selectinload(Action.lead_agency), selectinload(Action.milestone_items))
                   for actions in (Recommendation.actions, Recommendation.linked_actions)))).all()
    return sorted(recommendations, key=lambda r: natural_key(r.number))


def recommendation_state(recommendation):
    return delivery_state(answering(recommendation))


def plan_completed_on(recommendations):
    """The day the action plan was complete (every recommendation's actions closed), or None."""
    if not recommendations or any(recommendation_state(r) is not DeliveryState.CLOSED
                                  for r in recommendations):
        return None
    return max(a.closed_on for r in recommendations for a in answering(r) if a.closed_on)


@dataclass(frozen=True)
class Step:
    """One step from a review's decision to its lessons delivered, as the review page's task list shows it."""
    name: str
    done: bool
    #: why the step cannot start yet, when an earlier one is not done
    waiting_for: str | None = None
    #: where the step is taken: "details" (the review's form), "panel", "recommendations" or "plan"
    place: str | None = None


def _reached(review, stage):
    stages = list(ReviewStatus)
    return stages.index(review.status) >= stages.index(stage)


def steps(review, recommendations):
    """Where the review stands on the way to its lessons being acted on: for a SUSR, the case review group's decision
    and the Welsh Government told; panel, recommendations, an action for each; the report through the Home Office's
    quality assurance (a SUSR that does not meet the DHR criteria has its report approved without it); publication,
    delivery."""
    with_action = sum(1 for r in recommendations if answering(r))
    has_all = bool(recommendations) and with_action == len(recommendations)
    approved = review.approved_on is not None or _reached(review, ReviewStatus.APPROVED)
    opening = [
        Step(gettext("Record the case review group's decision"), review.case_review_group_on is not None,
             place="details"),
        Step(gettext("Notify the Welsh Government"), review.welsh_government_notified_on is not None,
             place="details"),
    ] if review.review_type is ReviewType.SUSR else []
    if review.goes_to_home_office:
        submitted = review.submitted_on is not None or _reached(review, ReviewStatus.SUBMITTED)
        report = [
            Step(gettext("Submit the report to the Home Office for quality assurance"), submitted,
                 place="quality_assurance"),
            Step(gettext("Record the Home Office's approval"), approved,
                 None if submitted else gettext("Submit the report to the Home Office first"),
                 place="quality_assurance"),
        ]
    else:
        report = [Step(gettext("Record the report's approval"), approved, place="details")]
    return [
        *opening,
        Step(gettext("Appoint the panel"), bool(review.panel), place="panel"),
        Step(gettext("Record the recommendations"), bool(recommendations), place="recommendations"),
        Step(gettext("Agree an action for every recommendation"), has_all,
             None if recommendations else gettext("Record the recommendations first"), place="plan"),
        *report,
        Step(gettext("Publish the review"), review.is_published),
        Step(gettext("Deliver and close every action"), plan_completed_on(recommendations) is not None,
             None if has_all else gettext("Agree an action for every recommendation first")),
    ]


def recommendation_errors(number, text, scope, has_agencies, external_body):
    """What the form and an import both refuse in a recommendation: {field: message}."""
    errors = {}
    if not number:
        errors["number"] = gettext("Enter the recommendation's number as written in the report, for example 4.1")
    elif len(number) > length_of(Recommendation.number):
        errors["number"] = gettext("The number must be %(length)s characters or fewer",
                                   length=length_of(Recommendation.number))
    if not text:
        errors["text"] = gettext("Enter the recommendation as written in the report")
    if scope is None:
        errors["scope"] = gettext("Choose local, regional or national")
    if len(external_body) > length_of(Recommendation.external_body):
        errors["external_body"] = gettext("The body outside the partnership must be %(length)s characters or fewer",
                                          length=length_of(Recommendation.external_body))
    if scope is Scope.LOCAL and not has_agencies:
        errors["agency_ids"] = gettext("Choose the agencies a local recommendation is addressed to")
    if scope in (Scope.REGIONAL, Scope.NATIONAL) and not has_agencies and not external_body:
        errors["external_body"] = gettext("Name the body the recommendation is addressed to, or choose agencies")
    return errors


def save_recommendation(review, recommendation, values):
    from tracker.bodies.models import ExternalBody
    from tracker.bodies.services import address, bodies_named, split_names

    number = (values.get("number") or "").strip()
    text = (values.get("text") or "").strip()
    chosen = db.session.scalars(sa.select(ExternalBody).where(ExternalBody.id.in_(values.get("body_ids") or []))
                                .order_by(ExternalBody.name)).all()
    new_bodies = split_names(values.get("new_bodies"))
    try:
        scope = Scope(values.get("scope"))
    except ValueError:
        scope = None
    agency_ids = values.get("agency_ids") or []
    errors = recommendation_errors(number, text, scope, bool(agency_ids),
                                   "; ".join([b.name for b in chosen] + new_bodies))
    if "external_body" in errors:
        errors["new_bodies"] = errors.pop("external_body")
    if len(chosen) != len(set(values.get("body_ids") or [])):
        errors["body_ids"] = gettext("Choose bodies from the list")
    if "number" not in errors and is_taken(Recommendation.number, number, recommendation,
                                           Recommendation.review_id == review.id):
        errors["number"] = gettext("This review already has a recommendation with this number")
    agencies = db.session.scalars(sa.select(Agency).where(Agency.id.in_(values.get("agency_ids") or []))).all()
    if any(a.partnership_id != review.partnership_id for a in agencies) or len(agencies) != len(set(agency_ids)):
        errors["agency_ids"] = gettext("Choose agencies of this partnership")
    themes = db.session.scalars(sa.select(Theme).where(Theme.id.in_(values.get("theme_ids") or []))).all()
    if any(t.partnership_id != review.partnership_id for t in themes):
        errors["theme_ids"] = gettext("Choose themes from this partnership's list")
    if errors:
        raise ValidationFailed(errors)
    recommendation = recommendation or Recommendation(review_id=review.id)
    recommendation.number = number
    recommendation.text = text
    recommendation.welsh_text = (values.get("welsh_text") or "").strip()
    recommendation.scope = scope
    recommendation.component = values.get("component") or ""
    recommendation.agencies = list(agencies)
    recommendation.themes = list(themes)
    address(recommendation, [*chosen, *bodies_named(new_bodies, scope)])
    db.session.add(recommendation)
    db.session.commit()
    return recommendation


def delete_recommendation(recommendation):
    if answering(recommendation):
        raise ValidationFailed({"__form__": gettext("This recommendation has actions: it cannot be deleted")})
    if any(item.sent_on for item in recommendation.addressed):
        raise ValidationFailed({"__form__": gettext(
            "This recommendation was sent to a body beyond the partnership: it cannot be deleted")})
    db.session.delete(recommendation)
    db.session.commit()


def external_register(partnership, reader, today=None):
    """The partnership's recommendations to bodies beyond it, in the reviews the reader may open, each body's loop
    with where it stands; and the line saying how many others are not shown."""
    from tracker.bodies.models import BodyRecommendation
    from tracker.bodies.services import loop_state
    from tracker.permissions import visible_reviews
    from tracker.reports.services import withheld_note

    today = today or london_today()
    in_partnership = Review.partnership_id == partnership.id
    items = db.session.scalars(
        sa.select(BodyRecommendation).join(Recommendation).join(Review).where(in_partnership, visible_reviews(reader))
        .options(selectinload(BodyRecommendation.body),
                 selectinload(BodyRecommendation.recommendation).selectinload(Recommendation.review))).all()
    everything = db.session.scalar(sa.select(sa.func.count()).select_from(BodyRecommendation).join(Recommendation)
                                   .join(Review).where(in_partnership))
    items.sort(key=lambda i: (i.recommendation.review.reference, natural_key(i.recommendation.number),
                              i.body.name.lower()))
    return [(item, loop_state(item, today)) for item in items], withheld_note(everything - len(items),
                                                                              "recommendation")


def review_action_values(recommendation):
    """What the action form starts with for a new action on this recommendation."""
    agencies = recommendation.agencies
    return dict(lead_agency_id=agencies[0].id if len(agencies) == 1 else None,
                theme=", ".join(t.name for t in recommendation.themes), component=recommendation.component)


# Family and friends


#: the family contact's fields a form sets
FAMILY_FIELDS = ("relationship_to_victim", "contact", "contact_method", "first_contacted_on", "last_contacted_on",
                 *FamilyContact.OFFERS, "advocacy", "advocate", "saw_report_on", "pseudonym_wishes",
                 "publication_wishes")


def save_family_contact(review, contact, values):
    """Record (contact=None) or change one person's involvement in the review."""
    errors = {}
    text = {field: (values.get(field) or "").strip() for field in ("relationship_to_victim", "contact", "advocate",
                                                                    "pseudonym_wishes", "publication_wishes")}
    if not text["relationship_to_victim"]:
        errors["relationship_to_victim"] = gettext("Enter their relationship to the victim, for example sister, "
                                                   "friend or colleague")
    if not text["contact"]:
        errors["contact"] = gettext("Enter a name or a description the panel knows them by")
    try:
        method = ContactMethod(values.get("contact_method"))
    except ValueError:
        errors["contact_method"], method = gettext("Choose how they were contacted"), None
    offers = {field: Offer(values.get(field) or Offer.NOT_OFFERED) for field in FamilyContact.OFFERS}
    advocacy = Advocacy(values.get("advocacy") or Advocacy.NOT_OFFERED)
    first, last, saw = values.get("first_contacted_on"), values.get("last_contacted_on"), values.get("saw_report_on")
    today = london_today()
    for field, day in (("first_contacted_on", first), ("last_contacted_on", last), ("saw_report_on", saw)):
        if day and day > today:
            errors[field] = gettext("The date cannot be in the future")
    if first and last and last < first:
        errors.setdefault("last_contacted_on", gettext("The last contact cannot be before the first"))
    if advocacy is Advocacy.PROVIDED and not text["advocate"]:
        errors["advocate"] = gettext("Say who provides the advocacy, for example a specialist advocate")
    if saw and offers["read_report"] is not Offer.TAKEN_UP:
        errors["read_report"] = gettext("They saw the report: record the offer to read it as taken up")
    if saw and review.published_on and saw > review.published_on:
        errors.setdefault("saw_report_on", gettext("Only a reading before publication counts here: the date must "
                                                   "be on or before %(date)s", date=long_date(review.published_on)))
    if errors:
        raise ValidationFailed(errors)
    contact = contact or FamilyContact(review_id=review.id)
    for field, value in {**text, **offers, "contact_method": method, "advocacy": advocacy,
                         "first_contacted_on": first, "last_contacted_on": last, "saw_report_on": saw}.items():
        setattr(contact, field, value)
    db.session.add(contact)
    db.session.commit()
    return contact


def remove_family_contact(contact):
    db.session.delete(contact)
    db.session.commit()


@dataclass(frozen=True)
class FamilyInvolvement:
    """The review page's summary of the family's involvement: how many people, and what they took up."""

    contacts: int
    met_panel: int
    contributed: int
    advocacy: int
    saw_report: int


def family_involvement(review):
    contacts = review.family_contacts
    return FamilyInvolvement(
        len(contacts), sum(c.meet_panel is Offer.TAKEN_UP for c in contacts),
        sum(c.contribute is Offer.TAKEN_UP for c in contacts),
        sum(c.advocacy is Advocacy.PROVIDED for c in contacts), sum(c.saw_report_on is not None for c in contacts))


# Terms of reference


def save_terms(review, text, upload=None, remove_file=False):
    """The terms of reference as text, a file (checked and kept like evidence) or both; a new file replaces the
    old one, which is deleted."""
    text = (text or "").strip()
    terms = review.terms or TermsOfReference(review_id=review.id, text="")
    new_file = None
    if upload is not None:
        problem = evidence_problem(*upload)
        if problem:
            raise ValidationFailed({"file": problem})
        new_file = make_evidence(*upload)
    old_file = terms.file if (new_file is not None or remove_file) else None
    if not text and new_file is None and (terms.file is None or remove_file):
        raise ValidationFailed({"text": gettext("Enter the terms of reference, or choose a file")})
    terms.text = text
    if new_file is not None:
        terms.file = new_file
    elif remove_file:
        terms.file = None
    review.terms = terms
    db.session.flush()
    if old_file is not None:
        db.session.delete(old_file)
    db.session.commit()
