"""Moving action plans in and out. An upload becomes a pending import; its columns are mapped, its preview shows
every creation, change, problem and unknown agency, and only the person's confirmation writes it, all or nothing.
The command line runs the same steps."""
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext, ngettext
from sqlalchemy.orm import selectinload

from tracker.accounts.models import User
from tracker.actions.models import Action, DeadlineChange
from tracker.actions.services import is_agency_member, refresh_smart
from tracker.bodies.services import address, bodies_named, name_key, split_names
from tracker.db import length_of, utcnow
from tracker.enums import ActionSource, ActionStatus, ClosureOutcome, Scope, Sector
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.partnerships.models import Agency, Partnership
from tracker.plans import reading
from tracker.plans.cells import COMPOUND_NAMES
from tracker.plans.columns import header_of
from tracker.plans.models import AgencyAlias, ColumnMapping, PendingImport
from tracker.reviews.models import Recommendation, Review, Theme
from tracker.reviews.services import natural_key, recommendation_errors, themes_of, types_offered
from tracker.spreadsheets import label_key, read_sheets

MAX_ROWS = 5000
#: an upload left without confirmation is dropped after this long
PENDING_FOR = timedelta(days=1)
#: what a review created by an import calls its victim until someone records the published pseudonym
NOT_PUBLISHED = "Not published"
OUTSIDE = "outside"


# The pending import


def start_import(user, partnership, review, filename, data, max_bytes):
    """Check that the file can be read at all, then keep it for the column and preview steps."""
    read_sheets(filename, data, max_bytes, max_rows=MAX_ROWS)
    db.session.execute(sa.delete(PendingImport).where(PendingImport.created_at < utcnow() - PENDING_FOR))
    pending = PendingImport(token=secrets.token_urlsafe(32), partnership_id=partnership.id,
                            review_id=review.id if review else None, user_id=user.id,
                            filename=filename, data=data, columns=saved_columns(partnership), decisions={})
    db.session.add(pending)
    db.session.commit()
    return pending


def pending_import(token, user):
    """The person's own pending import, or None: nobody else's upload can be previewed or confirmed."""
    return db.session.scalar(sa.select(PendingImport).where(PendingImport.token == token,
                                                            PendingImport.user_id == user.id))


def cancel_import(pending):
    db.session.delete(pending)
    db.session.commit()


def saved_columns(partnership):
    saved = db.session.scalar(sa.select(ColumnMapping).where(ColumnMapping.partnership_id == partnership.id))
    return dict(saved.columns) if saved else {}


def _tables(filename, data, columns):
    return reading.find_tables(read_sheets(filename, data, len(data), max_rows=MAX_ROWS), columns)


def column_step(pending):
    """The file's headers with what each is read as, and why the import cannot go on yet (empty when it can)."""
    tables, _unread = _tables(pending.filename, pending.data, pending.columns)
    return reading.column_choices(tables, pending.columns), reading.mapping_problems(tables, pending.columns)


def save_columns(pending, chosen):
    """The person's choice for each header; remembered for the partnership's next file."""
    columns = {**pending.columns, **{label_key(h): f for h, f in chosen.items() if f}}
    tables, _unread = _tables(pending.filename, pending.data, columns)
    problems = reading.mapping_problems(tables, columns)
    if problems:
        raise ValidationFailed({"__form__": problems[0], **{f"problem {n}": p for n, p in enumerate(problems[1:])}})
    pending.columns = columns
    saved = db.session.scalar(sa.select(ColumnMapping).where(ColumnMapping.partnership_id == pending.partnership_id))
    if saved is None:
        saved = ColumnMapping(partnership_id=pending.partnership_id, columns={})
        db.session.add(saved)
    saved.columns = {**saved.columns, **columns}
    db.session.commit()


def save_decisions(pending, names, number_by_position):
    """What the person decided on the preview: for each unknown name, an agency, a new agency or a body outside
    the partnership; and whether unnumbered recommendations take their position as number."""
    pending.decisions = {"names": {k: v for k, v in names.items() if v}, "number_by_position": number_by_position}
    db.session.commit()


# Names: agencies, their aliases, bodies outside the partnership


class Directory:
    """Who a name in the file means, in this partnership, given the person's decisions."""

    def __init__(self, partnership, decisions):
        self.themes = {label_key(t.name) for t in themes_of(partnership)}
        self.agencies = {label_key(a.name): a for a in partnership.agencies}
        self.by_id = {a.id: a for a in partnership.agencies}
        self.aliases = {alias.key: alias.agency_id for alias in db.session.scalars(
            sa.select(AgencyAlias).where(AgencyAlias.partnership_id == partnership.id))}
        self.decisions = decisions.get("names", {})

    def is_known(self, name):
        key = label_key(name)
        return key in self.agencies or key in self.aliases or key in COMPOUND_NAMES or key in self.decisions or \
            key in self.themes

    def needs_decision(self, name):
        """A name that is neither an agency's nor a remembered alias: the person says what it is."""
        key = label_key(name)
        return key not in self.agencies and key not in self.aliases

    def resolve(self, name):
        """An Agency, a new agency's name and sector ("create", name, sector), OUTSIDE, or None (undecided)."""
        key = label_key(name)
        if key in self.agencies:
            return self.agencies[key]
        if key in self.aliases:
            return self.by_id[self.aliases[key]]
        decision = self.decisions.get(key, "")
        if decision == OUTSIDE:
            return OUTSIDE
        if decision.startswith("agency:") and decision[7:].isdecimal() and int(decision[7:]) in self.by_id:
            return self.by_id[int(decision[7:])]
        if decision.startswith("create:") and decision[7:] in Sector._value2member_map_:
            return ("create", name, Sector(decision[7:]))
        return None


# The preview


@dataclass(frozen=True)
class Change:
    what: str
    old: str
    new: str


@dataclass
class Unknown:
    key: str
    name: str
    rows: list
    decision: str = ""


@dataclass
class ActionPlan:
    draft: object
    values: dict
    existing: Action | None = None
    changes: list = field(default_factory=list)


@dataclass
class RecommendationPlan:
    draft: object
    number: str
    text: str
    scope: Scope
    agencies: list
    external_body: str
    themes: list
    component: str
    existing: Recommendation | None = None
    #: the recommendation in Welsh, where the report is bilingual
    welsh_text: str = ""
    changes: list = field(default_factory=list)
    actions: list = field(default_factory=list)

    @property
    def agency_names(self):
        return [_name(a) for a in self.agencies]

    @property
    def theme_names(self):
        return [t if isinstance(t, str) else t.name for t in self.themes]


@dataclass
class ReviewPlan:
    reference: str
    review: Review | None
    recommendations: list = field(default_factory=list)

    @property
    def new_recommendations(self):
        return [r for r in self.recommendations if r.existing is None]

    @property
    def changed_recommendations(self):
        return [r for r in self.recommendations if r.existing is not None and r.changes]

    @property
    def new_actions(self):
        return [a for r in self.recommendations for a in r.actions if a.existing is None]

    @property
    def changed_actions(self):
        return [(r, a) for r in self.recommendations for a in r.actions if a.existing is not None and a.changes]


@dataclass
class Preview:
    filename: str
    reviews: list
    problems: list
    unknown: list
    new_themes: list
    notes: list
    unnumbered: int
    number_by_position: bool

    @property
    def undecided(self):
        return [u for u in self.unknown if not u.decision]

    @property
    def can_confirm(self):
        return not self.problems and not self.undecided

    @property
    def is_empty(self):
        return not any(r.new_recommendations or r.changed_recommendations or r.new_actions or r.changed_actions
                       or r.review is None for r in self.reviews)

    @property
    def fingerprint(self):
        """What the person saw, so that a confirmation of an older preview is refused."""
        summary = [(r.reference, r.review.id if r.review else None,
                    [(p.number, p.existing.id if p.existing else None, [c.__dict__ for c in p.changes],
                      [(a.values["title"], a.existing.id if a.existing else None, [c.__dict__ for c in a.changes])
                       for a in p.actions]) for p in r.recommendations]) for r in self.reviews]
        return hashlib.sha256(json.dumps([summary, self.new_themes, [u.__dict__ for u in self.unknown]],
                                         default=str, sort_keys=True).encode()).hexdigest()[:32]


def preview(pending, user=None):
    partnership = db.session.get(Partnership, pending.partnership_id)
    review = db.session.get(Review, pending.review_id) if pending.review_id else None
    return build_preview(partnership, review, pending.filename, pending.data, pending.columns, pending.decisions,
                         user)


def build_preview(partnership, review, filename, data, columns, decisions, user=None, reference=None):
    """Everything the file would do to the partnership's plans, and everything stopping it; writes nothing.
    Rows go to `review`, or to the review called `reference` (created if none has it), or, for a whole register,
    to the review each row or sheet names."""
    from tracker.permissions import can

    reference = review.reference if review else reference

    tables, unread = _tables(filename, data, columns)
    mapping_problems = reading.mapping_problems(tables, columns)
    if mapping_problems:
        raise ValidationFailed({"file": mapping_problems[0]})
    directory = Directory(partnership, decisions)
    drafts, problems = reading.read_drafts(tables, columns, directory.is_known, default_review=reference)
    problems = list(problems)
    notes = [gettext("The sheet ‘%(sheet)s’ was not read: it has no recognised header row.", sheet=name)
             for name in unread]
    number_by_position = bool(decisions.get("number_by_position"))
    existing_reviews = {label_key(r.reference): r for r in db.session.scalars(
        sa.select(Review).where(Review.partnership_id == partnership.id))}
    plans, unknown = {}, {}
    for draft in drafts:
        key = label_key(draft.review)
        if reference is not None and key != label_key(reference):
            problems.append(reading.Problem(draft.sheet, draft.row, header_of("review"), gettext(
                "This row is for review ‘%(row_review)s’, not %(review)s: import it into that review, or as a "
                "register of reviews", row_review=draft.review, review=reference)))
            continue
        if not key:
            problems.append(reading.Problem(draft.sheet, draft.row, header_of("review"), gettext(
                "Say which review this row belongs to: add a ‘%(column)s’ column, or put each review on a sheet "
                "named after it", column=header_of("review"))))
            continue
        if key not in plans:
            target = review or existing_reviews.get(key)
            if target is not None and user is not None and not can(user, "edit", target):
                problems.append(reading.Problem(draft.sheet, draft.row, header_of("review"),
                                                gettext("You cannot change review %(review)s",
                                                        review=target.reference)))
            elif target is None and len(draft.review) > length_of(Review.reference):
                problems.append(reading.Problem(draft.sheet, draft.row, header_of("review"),
                                                gettext("A review reference must be %(most)s characters or fewer",
                                                        most=length_of(Review.reference))))
            plans[key] = (ReviewPlan(target.reference if target else draft.review, target), [])
        plans[key][1].append(draft)
    themes = {label_key(t.name): t for t in themes_of(partnership)}
    new_themes = {}
    unnumbered = 0
    for plan, review_drafts in plans.values():
        existing = _existing_recommendations(plan.review)
        merged = _merge_by_number(review_drafts, problems)
        for position, draft in enumerate(merged, start=1):
            if not draft.number:
                unnumbered += 1
                if not number_by_position:
                    problems.append(reading.Problem(draft.sheet, draft.row, header_of("number"), gettext(
                        "This recommendation has no number: add it in the file, or choose below to number "
                        "recommendations by their position")))
                    continue
                draft.number = str(position)
            plan.recommendations.append(_recommendation_plan(draft, existing.get(reading.number_key(draft.number)),
                                                             directory, themes, new_themes, unknown, problems,
                                                             notes, user))
        numbers = [reading.number_key(r.number) for r in plan.recommendations]
        for recommendation in plan.recommendations:
            if numbers.count(reading.number_key(recommendation.number)) > 1 and recommendation.draft.is_unnumbered:
                problems.append(reading.Problem(recommendation.draft.sheet, recommendation.draft.row,
                                                header_of("number"), gettext(
                                                    "Numbered by position this would be %(number)s, which another "
                                                    "recommendation already has: add the numbers in the file",
                                                    number=recommendation.number)))
        plan.recommendations.sort(key=lambda r: natural_key(r.number))
    for item in unknown.values():  # a decision counts only when it names something real
        item.decision = directory.decisions.get(item.key, "") if directory.resolve(item.name) is not None else ""
    return Preview(filename, [p for p, _d in plans.values()], problems, list(unknown.values()),
                   list(new_themes.values()), notes, unnumbered, number_by_position)


def _existing_recommendations(review):
    if review is None:
        return {}
    return {reading.number_key(r.number): r for r in db.session.scalars(
        sa.select(Recommendation).where(Recommendation.review_id == review.id)
        .options(selectinload(Recommendation.agencies), selectinload(Recommendation.themes),
                 selectinload(Recommendation.actions).selectinload(Action.supporting_agencies),
                 selectinload(Recommendation.actions).selectinload(Action.owner)))}


def _merge_by_number(drafts, problems):
    """A recommendation that comes back further down the file is the same recommendation."""
    merged, by_number = [], {}
    for draft in drafts:
        key = reading.number_key(draft.number)
        first = by_number.get(key) if key else None
        if first is None:
            merged.append(draft)
            if key:
                by_number[key] = draft
            continue
        if draft.text and first.text and draft.text != first.text:
            problems.append(reading.Problem(draft.sheet, draft.row, header_of("text"), gettext(
                "Recommendation %(number)s has different text on row %(row)s: make them the same, or give this one "
                "its own number", number=draft.number, row=first.row)))
        first.actions.extend(draft.actions)
        for name in ("addressees", "themes", "lead_addressees"):
            first.values.setdefault(name, []).extend(draft.values.get(name, []))
    return merged


def _resolve_all(names, draft_row, directory, unknown):
    """Partnership agencies, and names of bodies outside it, for the names a cell gave; unknown ones noted."""
    agencies, outside, created = [], [], []
    for name in names:
        found = directory.resolve(name)
        if directory.needs_decision(name):
            item = unknown.setdefault(label_key(name), Unknown(label_key(name), name, []))
            if draft_row not in item.rows:
                item.rows.append(draft_row)
        if found is None:
            continue
        if found == OUTSIDE:
            outside.append(name)
        elif isinstance(found, tuple):
            created.append(found)
        else:
            agencies.append(found)
    return agencies, outside, created


def _names_text(items):
    return "; ".join(sorted({_name(i) for i in items}, key=str.lower))


def _name(item):
    """The name of an agency, of an agency still to be created, or of a body outside the partnership."""
    if isinstance(item, str):
        return item
    return item[1] if isinstance(item, tuple) else item.name


def _unique(items):
    seen, result = set(), []
    for item in items:
        key = label_key(_name(item))
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result


def _recommendation_plan(draft, existing, directory, themes, new_themes, unknown, problems, notes, user):
    values, row = draft.values, (draft.sheet, draft.row)
    present = values["present"]
    addressees, outside, created = _resolve_all(values["addressees"], row, directory, unknown)
    lead_agencies, lead_outside, lead_created = _resolve_all(values.get("lead_addressees", []), row, directory,
                                                             unknown)
    action_leads, actions_outside = [], []
    for action in draft.actions:
        found, found_outside, found_created = _resolve_all(action.values["lead_agency"][:1],
                                                           (action.sheet, action.row), directory, unknown)
        action_leads += found + found_created
        actions_outside += found_outside
    if "addressees" not in present:  # a Home Office plan: the lead agencies are who it is addressed to
        lead_agencies += action_leads
    agencies = _unique(addressees + created + lead_agencies + lead_created)
    external = [values["external_body"]] if values["external_body"] else []
    external_names = external + [n for n in _unique(outside + lead_outside + actions_outside)
                                 if label_key(n) not in {label_key(e) for e in external}]
    theme_list = []
    for name in values["themes"]:
        theme = themes.get(label_key(name))
        if theme is None:
            if len(name) > length_of(Theme.name):
                problems.append(reading.Problem(draft.sheet, draft.row, header_of("themes"),
                                                gettext("The theme ‘%(theme)s…’ is longer than %(most)s characters",
                                                        theme=name[:40], most=length_of(Theme.name))))
                continue
            theme = new_themes.setdefault(label_key(name), name)
        theme_list.append(theme)
    text = draft.text or (existing.text if existing else "")
    scope = reading.scope_for(draft, bool(agencies) or bool(existing and existing.agencies))
    plan = RecommendationPlan(draft, draft.number, text, scope, agencies, "; ".join(external_names),
                              theme_list, values["component"], existing,
                              welsh_text=values["welsh_text"] or (existing.welsh_text if existing else ""))
    if existing is not None:
        _compare_recommendation(plan, existing, present, bool(lead_agencies or lead_created), draft)
        final_agencies = plan.agencies
    else:
        final_agencies = agencies
    errors = recommendation_errors(plan.number, plan.text, plan.scope, bool(final_agencies), plan.external_body)
    named = values["addressees"] + values.get("lead_addressees", []) + [
        n for action in draft.actions for n in action.values["lead_agency"][:1]]
    if values["is_scope_refused"] or any(directory.resolve(n) is None for n in named):
        # already said, or waiting on a decision: who it is addressed to cannot be judged yet
        errors = {k: v for k, v in errors.items() if k in ("number", "text")}
    for field_name, message in errors.items():
        column = header_of({"agency_ids": "addressees"}.get(field_name, field_name))
        problems.append(reading.Problem(draft.sheet, draft.row, column, message))
    for action in draft.actions:
        plan.actions.append(_action_plan(action, plan, directory, unknown, problems, notes, user))
    return plan


def _compare_recommendation(plan, existing, present, has_lead_addressees, draft):
    """Only what the file holds can change; a Home Office plan's lead agencies add addressees, never remove."""
    changes = plan.changes
    if draft.text and draft.text != existing.text:
        changes.append(Change(gettext("Text"), existing.text, draft.text))
    if plan.welsh_text != existing.welsh_text:
        changes.append(Change(header_of("welsh_text"), _or_none(existing.welsh_text), plan.welsh_text))
    if draft.values["scope"] is not None and plan.scope is not existing.scope:
        changes.append(Change(header_of("scope"), existing.scope.label, plan.scope.label))
    else:
        plan.scope = existing.scope
    if "addressees" in present:
        new = plan.agencies
    else:
        new = _unique(list(existing.agencies) + plan.agencies) if has_lead_addressees else list(existing.agencies)
    if _names_text(new) != _names_text(existing.agencies):
        changes.append(Change(header_of("addressees"), _or_none(_names_text(existing.agencies)),
                              _or_none(_names_text(new))))
    plan.agencies = new
    if "external_body" not in present and not plan.external_body:
        plan.external_body = existing.external_body
    elif "external_body" not in present:
        kept = [existing.external_body] if existing.external_body else []
        plan.external_body = "; ".join(kept + [n for n in plan.external_body.split("; ")
                                               if label_key(n) not in label_key(existing.external_body)])
    if ({name_key(n) for n in split_names(plan.external_body)}
            != {name_key(n) for n in split_names(existing.external_body)}):
        changes.append(Change(header_of("external_body"), _or_none(existing.external_body),
                              _or_none(plan.external_body)))
    if "themes" in present:
        if _theme_text(plan.themes) != _theme_text(existing.themes):
            changes.append(Change(header_of("themes"), _or_none(_theme_text(existing.themes)),
                                  _or_none(_theme_text(plan.themes))))
    else:
        plan.themes = list(existing.themes)
    if "component" in present and plan.component != existing.component:
        changes.append(Change(header_of("component"), _or_none(existing.component), _or_none(plan.component)))
    elif "component" not in present:
        plan.component = existing.component


def _theme_text(themes):
    return "; ".join(sorted((t if isinstance(t, str) else t.name for t in themes), key=str.lower))


def _action_plan(draft, recommendation, directory, unknown, problems, notes, user):
    values = dict(draft.values)
    where = (draft.sheet, draft.row)
    lead_names = values["lead_agency"]
    if len(lead_names) > 1:
        notes.append(gettext("Row %(row)s: ‘%(action)s’ names several lead agencies: %(lead)s leads it and "
                             "%(others)s support it.", row=draft.row, action=values["title"], lead=lead_names[0],
                             others=", ".join(lead_names[1:])))
    lead, _outside, created = _resolve_all(lead_names[:1], where, directory, unknown)
    values["lead"] = (lead or created or [None])[0]
    supporting, supporting_outside, supporting_created = _resolve_all(lead_names[1:] + values["supporting"], where,
                                                                      directory, unknown)
    values["supporting"] = _unique(supporting + supporting_created)
    for name in supporting_outside:
        notes.append(gettext("Row %(row)s: ‘%(name)s’ is outside the partnership, so it is not recorded as a "
                             "supporting agency of the action.", row=draft.row, name=name))
    values["owner"] = None
    if values["owner_email"]:
        owner = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == values["owner_email"].lower()))
        lead_agency = values["lead"]
        if owner is None or not isinstance(lead_agency, Agency) or not is_agency_member(owner.id, lead_agency.id):
            problems.append(reading.Problem(draft.sheet, draft.row, header_of("owner_email"), gettext(
                "%(email)s is not a member of the lead agency: name a member, or leave it empty",
                email=values["owner_email"])))
        else:
            values["owner"] = owner
    plan = ActionPlan(draft, values)
    existing = recommendation.existing
    lead = values["lead"]
    lead_id = lead.id if isinstance(lead, Agency) else None
    if existing is not None and not isinstance(lead, tuple):
        plan.existing = next((a for a in existing.actions if label_key(a.title) == label_key(values["title"])
                              and a.lead_agency_id == lead_id), None)
    if plan.existing is not None:
        _compare_action(plan, problems)
    return plan


#: (draft value key, Action attribute) compared field by field for an action already in the plan; the draft's key
#: is its column's
_ACTION_TEXT = (("outcome", "outcome"), ("measure", "measure"), ("milestones", "milestones"),
                ("funding", "funding_source"), ("staff_time", "staff_time"),
                ("review_arrangement", "review_arrangement"), ("strategic_objective", "strategic_objective"),
                ("survivor_involvement", "survivor_involvement"),
                ("completion_outcome", "completion_note"))


def _or_none(text):
    """A value the preview shows, or "None" in the reader's language when there is none."""
    return text or gettext("None")


def _labels(groups):
    return "; ".join(group.label for group in groups)


def _yes_or_no(value):
    return gettext("Yes") if value else gettext("No")


def _compare_action(plan, problems):
    action, values, present, changes = plan.existing, plan.values, plan.values["present"], plan.changes
    for key, attribute in _ACTION_TEXT:
        column = "resources" if key == "funding" and "funding" not in present else key
        if column in present and values[key] != getattr(action, attribute):
            changes.append(Change(header_of(key), _or_none(getattr(action, attribute)), _or_none(values[key])))
    if "owner_email" in present and (values["owner"] or None) != action.owner and values["owner_email"]:
        changes.append(Change(gettext("Owner"), _or_none(action.owner.email if action.owner else ""),
                              values["owner_email"]))
    if "supporting" in present and _names_text(values["supporting"]) != _names_text(action.supporting_agencies):
        changes.append(Change(header_of("supporting"), _or_none(_names_text(action.supporting_agencies)),
                              _or_none(_names_text(values["supporting"]))))
    if "groups_served" in present and values["groups"] != action.groups:
        changes.append(Change(header_of("groups_served"), _or_none(_labels(action.groups)),
                              _or_none(_labels(values["groups"]))))
    if "cost" in present and values.get("cost") != action.estimated_cost:
        changes.append(Change(gettext("Estimated cost"), str(action.estimated_cost or gettext("None")),
                              str(values.get("cost") or gettext("None"))))
    if ({"within_existing", "resources"} & present) and values["within_existing"] != action.within_existing_resources:
        changes.append(Change(header_of("within_existing"), _yes_or_no(action.within_existing_resources),
                              _yes_or_no(values["within_existing"])))
    deadline = values["deadline"]
    if "deadline" in present and deadline is not None and (deadline.day, deadline.is_month) != (
            action.deadline, action.deadline_is_month):
        if not action.is_open:
            problems.append(reading.Problem(plan.draft.sheet, plan.draft.row, header_of("deadline"), gettext(
                "‘%(action)s’ is %(status)s: its deadline cannot move; reopen it in the tracker first",
                action=action.title, status=action.status.label.lower())))
        changes.append(Change(header_of("deadline"), _or_none(action.deadline_label), deadline.label))
    status = ActionStatus(values["status"])
    if ({"status", "completion", "completed_on"} & present) and status is not action.status:
        if status is ActionStatus.CLOSED:
            problems.append(reading.Problem(plan.draft.sheet, plan.draft.row, header_of("status"), gettext(
                "‘%(action)s’ is already in the tracker: closing it is a sign-off, made on the action's page",
                action=action.title)))
        changes.append(Change(header_of("status"), action.status.label, status.label))
    completed = values["completed"]
    if ({"completion", "completed_on"} & present) and completed is not None and (
            completed.day, completed.is_month) != (action.completed_on, action.completed_is_month):
        changes.append(Change(header_of("completed_on"), _or_none(action.completed_label), completed.label))


def default_decisions(plan):
    """For bulk moves without a person to ask: a name met only on regional or national recommendations is a body
    outside the partnership; any other becomes a new agency."""
    wider = set()
    for review in plan.reviews:
        for recommendation in review.recommendations:
            if recommendation.scope is not Scope.LOCAL:
                wider.add((recommendation.draft.sheet, recommendation.draft.row))
                wider.update((a.draft.sheet, a.draft.row) for a in recommendation.actions)
    return {u.key: OUTSIDE if set(u.rows) <= wider else f"create:{Sector.OTHER.value}" for u in plan.unknown}


# Confirmation


@dataclass
class ImportResult:
    reviews_created: int = 0
    recommendations_created: int = 0
    recommendations_changed: int = 0
    actions_created: int = 0
    actions_changed: int = 0
    agencies_created: int = 0

    def __str__(self):
        """What was imported, in the reader's language: "Imported 2 new recommendations, 3 new actions."."""
        said = [counted for n, counted in (
            (self.reviews_created, ngettext("%(num)d new review", "%(num)d new reviews", self.reviews_created)),
            (self.recommendations_created, ngettext("%(num)d new recommendation", "%(num)d new recommendations",
                                                    self.recommendations_created)),
            (self.recommendations_changed, ngettext("%(num)d changed recommendation",
                                                    "%(num)d changed recommendations", self.recommendations_changed)),
            (self.actions_created, ngettext("%(num)d new action", "%(num)d new actions", self.actions_created)),
            (self.actions_changed, ngettext("%(num)d changed action", "%(num)d changed actions", self.actions_changed)),
            (self.agencies_created, ngettext("%(num)d new agency", "%(num)d new agencies", self.agencies_created)),
        ) if n]
        if not said:
            return gettext("Imported nothing new: the plan already held every row.")
        return gettext("Imported %(what)s.", what=", ".join(said))


def confirm_import(pending, user, fingerprint):
    """Write what the preview showed, all or nothing; refuse when the preview is out of date or not ready."""
    current = preview(pending, user)
    if fingerprint != current.fingerprint:
        raise ValidationFailed({"__form__": gettext("The plan or the file's preview changed since you looked at it: "
                                                    "check the preview again before confirming")})
    partnership = db.session.get(Partnership, pending.partnership_id)
    result = apply_preview(partnership, current, user)
    db.session.delete(pending)
    db.session.commit()
    return result


def apply_preview(partnership, plan, user):
    """Save a ready preview in the caller's transaction (the caller commits)."""
    if not plan.can_confirm:
        raise ValidationFailed({"__form__": gettext("Correct the rows listed and decide about every unknown agency "
                                                    "first")})
    result = ImportResult()
    agencies = _create_agencies(partnership, plan, result)
    _remember_aliases(partnership, plan)
    note = f"Imported from {plan.filename}"
    themes = {label_key(t.name): t for t in themes_of(partnership)}
    for name in plan.new_themes:
        themes[label_key(name)] = _noted(Theme(partnership_id=partnership.id, name=name), note)
        db.session.add(themes[label_key(name)])
    for review_plan in plan.reviews:
        review = review_plan.review
        if review is None:
            # the kind of review the partnership's nation commissions: a SUSR in Wales, a DHR in England
            review = _noted(Review(partnership_id=partnership.id, reference=review_plan.reference,
                                   review_type=types_offered(partnership)[0], pseudonyms=NOT_PUBLISHED), note)
            db.session.add(review)
            db.session.flush()
            result.reviews_created += 1
        for recommendation_plan in review_plan.recommendations:
            _save_recommendation(review, recommendation_plan, agencies, themes, user, note, result)
    return result


def _noted(record, note):
    """The record, with the note its audit entry will carry."""
    record.audit_note = note
    return record


def _create_agencies(partnership, plan, result):
    created = {}
    for item in plan.unknown:
        if item.decision.startswith("create:"):
            if len(item.name) > length_of(Agency.name):
                raise ValidationFailed({"__form__": gettext("The agency name ‘%(name)s…’ is too long",
                                                            name=item.name[:40])})
            agency = _noted(Agency(partnership_id=partnership.id, name=item.name, sector=Sector(item.decision[7:])),
                            f"Added by the import of {plan.filename}")
            db.session.add(agency)
            created[item.key] = agency
            result.agencies_created += 1
    db.session.flush()
    return created


def _remember_aliases(partnership, plan):
    for item in plan.unknown:
        if item.decision.startswith("agency:"):
            db.session.add(AgencyAlias(partnership_id=partnership.id, agency_id=int(item.decision[7:]),
                                       alias=item.name[:length_of(AgencyAlias.alias)], key=item.key[:200]))


def _agency(item, created):
    return created[label_key(item[1])] if isinstance(item, tuple) else item


def _save_recommendation(review, plan, created, themes, user, note, result):
    recommendation = plan.existing
    agencies = [_agency(a, created) for a in plan.agencies]
    theme_records = [themes[label_key(t if isinstance(t, str) else t.name)] for t in plan.themes]
    if recommendation is None:
        recommendation = Recommendation(review_id=review.id, number=plan.number, actions=[])
        db.session.add(recommendation)
        result.recommendations_created += 1
    elif plan.changes:
        result.recommendations_changed += 1
    _noted(recommendation, note)
    recommendation.text, recommendation.welsh_text, recommendation.scope = plan.text, plan.welsh_text, plan.scope
    recommendation.component = plan.component
    # a body the recommendation was sent to keeps its answer, whatever the file says
    names = split_names(plan.external_body)
    names += [i.body.name for i in recommendation.addressed if i.sent_on and name_key(i.body.name) not in
              {name_key(n) for n in names}]
    address(recommendation, bodies_named(names, plan.scope))
    recommendation.agencies, recommendation.themes = agencies, theme_records
    for action_plan in plan.actions:
        if action_plan.existing is None:
            _create_action(review, recommendation, action_plan, created, user, note)
            result.actions_created += 1
        elif action_plan.changes:
            _change_action(action_plan, created, user, note)
            result.actions_changed += 1


def _action_note(note, plan):
    said = "; ".join(plan.draft.as_written)
    return f"{note}, {plan.draft.sheet} row {plan.draft.row}" + (f" (the plan said {said})" if said else "")


def _create_action(review, recommendation, plan, created, user, note):
    values = plan.values
    lead = values["lead"]
    action = Action(partnership_id=review.partnership_id, source=ActionSource.DHR, recommendation=recommendation,
                    title=values["title"], component=recommendation.component,
                    theme=_theme_line([t.name for t in recommendation.themes]))
    action.lead_agency = _agency(lead, created) if lead not in (None, OUTSIDE) else None
    deadline = values["deadline"]
    if deadline is not None:
        action.deadline = action.original_deadline = deadline.day
        action.deadline_is_month = deadline.is_month
    _set_action_fields(action, plan, created)
    status = ActionStatus(values["status"])
    action.status = status
    if status is ActionStatus.BLOCKED:
        action.blocked_reason = "Recorded as blocked in the imported plan"
    if status is ActionStatus.CLOSED:
        action.closed_on = values["completed"].day
        action.closure_outcome = ClosureOutcome.AS_PLANNED
        action.closed_by_id = user.id if user else None
        action.sign_off_reference = "Closed before the plan was imported"
    refresh_smart(action)
    db.session.add(_noted(action, _action_note(note, plan)))


def _set_action_fields(action, plan, created):
    values, present = plan.values, plan.values["present"]
    for key, attribute in _ACTION_TEXT:
        column = "resources" if key == "funding" and "funding" not in present else key
        if action.id is None or column in present:
            setattr(action, attribute, values[key])
    if action.id is None or "owner_email" in present:
        action.owner = values["owner"]
    if action.id is None or "supporting" in present:
        action.supporting_agencies = [_agency(a, created) for a in values["supporting"]]
    if action.id is None or "groups_served" in present:
        action.groups = values["groups"]
    if action.id is None or "cost" in present:
        action.estimated_cost = values.get("cost")
    if action.id is None or {"within_existing", "resources"} & present:
        action.within_existing_resources = values["within_existing"]
    completed = values["completed"]
    if action.id is None or ({"completion", "completed_on"} & present and completed is not None):
        action.completed_on = completed.day if completed else None
        action.completed_is_month = bool(completed and completed.is_month)


def _change_action(plan, created, user, note):
    action, values = _noted(plan.existing, _action_note(note, plan)), plan.values
    _set_action_fields(action, plan, created)
    deadline = values["deadline"]
    if "deadline" in values["present"] and deadline is not None and (deadline.day, deadline.is_month) != (
            action.deadline, action.deadline_is_month):
        if deadline.day != action.deadline:
            db.session.add(DeadlineChange(action_id=action.id, changed_by_id=user.id if user else None,
                                          from_date=action.deadline, to_date=deadline.day, reason=note))
        action.original_deadline = action.original_deadline or deadline.day
        action.deadline, action.deadline_is_month = deadline.day, deadline.is_month
    status = ActionStatus(values["status"])
    if {"status", "completion", "completed_on"} & values["present"] and status is not action.status:
        action.status = status
        if status is not ActionStatus.COMPLETED:
            action.completed_on, action.completed_is_month = None, False
        if status is ActionStatus.BLOCKED and not action.blocked_reason:
            action.blocked_reason = "Recorded as blocked in the imported plan"
    refresh_smart(action)


def _theme_line(names):
    """Themes as one line for the action, keeping whole names within the column's length."""
    line = ""
    for name in names:
        candidate = f"{line}, {name}" if line else name
        if len(candidate) > length_of(Action.theme):
            break
        line = candidate
    return line



def describe(plan):
    """The preview as text, for the command line."""
    lines = []
    for review in plan.reviews:
        lines.append(f"{review.reference}{' (new review)' if review.review is None else ''}: "
                     f"{len(review.new_recommendations)} new recommendation(s), {len(review.new_actions)} new "
                     f"action(s), {len(review.changed_recommendations)} changed recommendation(s), "
                     f"{len(review.changed_actions)} changed action(s)")
        for recommendation in review.recommendations:
            for change in recommendation.changes:
                lines.append(f"  recommendation {recommendation.number}, {change.what}: {change.old} -> {change.new}")
            for action in recommendation.actions:
                for change in action.changes:
                    lines.append(f"  {action.existing.title}, {change.what}: {change.old} -> {change.new}")
    for problem in plan.problems:
        lines.append(f"Row {problem.row or '-'} of {problem.sheet}, column {problem.column}: {problem.message}")
    for item in plan.undecided:
        lines.append(f"Not an agency of the partnership: {item.name} (rows "
                     f"{', '.join(str(row) for _sheet, row in item.rows)})")
    lines += plan.notes
    return "\n".join(lines)
