"""A plan file read as people publish it, in English or in Welsh: the header found under any title rows, each
column mapped to a field, merged-looking blank cells filled from the row above, and every cell read as what it
means. Pure functions: nothing here touches the database."""
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext

from tracker.actions.forms import COMPONENT_NAMES, COMPONENTS
from tracker.db import length_of
from tracker.enums import GroupServed, Scope
from tracker.forms import parse_money
from tracker.i18n import in_every_language, translated_in
from tracker.plans import cells
from tracker.plans.cells import once_per_read
from tracker.plans.columns import IGNORE, RECOMMENDATION_FIELDS, header_of, match_header
from tracker.spreadsheets import label_key

#: a header is looked for in the first rows of a sheet, under any title rows
HEADER_SEARCH_ROWS = 10
YES = {"yes", "y", "true", "x", "1", "within existing resources"}
#: what people write in a name cell that names nobody
NO_NAME = {"", "n a", "na", "none", "not applicable", "tbc", "nil"}
#: "1. Agencies should…", "4.1 Agencies…", "R10: The Home Office…": a number written into the recommendation cell
NUMBERED_TEXT = re.compile(r"""^\s*(?:recommendation\s+)?
    (?: (?P<plain>\d+[a-z]?) \s*[.:)\u2013\u2014-]   # 1.  2a)  3:
      | (?P<marked>[a-z]{1,3}\d+(?:\.\d+)*[a-z]?|\d+(?:\.\d+)+[a-z]?) \s*[.:)\u2013\u2014-]? )   # R10 21.10.1
    \s+(?P<text>\S.*)$""", re.IGNORECASE | re.VERBOSE | re.DOTALL)
NO = {"", "no", "n", "false", "0"}


@once_per_read
def _component_keys():
    """A component by its key or its name, in English or in Welsh (the English where both are one text)."""
    welsh = {label_key(translated_in("cy", english)): key for key, english in COMPONENT_NAMES.items()}
    return welsh | {label_key(name): key for key, english in COMPONENT_NAMES.items() for name in (key, english)}


@once_per_read
def _yes_and_no():
    """YES and NO, with the Welsh of the "Yes" an export writes and of "No"."""
    return YES | {label_key(translated_in("cy", "Yes"))}, NO | {label_key(translated_in("cy", "No"))}


@dataclass(frozen=True)
class Problem:
    """Something in the file to correct: where (as Excel shows it) and what to do."""

    sheet: str
    row: int | None
    column: str
    message: str


@dataclass
class Table:
    sheet: str
    header_row: int
    #: (column index, header as written)
    headers: list
    rows: list


@dataclass
class ActionDraft:
    sheet: str
    row: int
    values: dict
    #: cells read as something other than their text, kept as the plan wrote them
    as_written: list = field(default_factory=list)


@dataclass
class RecommendationDraft:
    sheet: str
    row: int
    review: str
    number: str
    text: str
    values: dict
    actions: list = field(default_factory=list)
    #: the plan named no number: one can be given by position
    is_unnumbered: bool = False


def find_tables(sheets, mapping):
    """Each sheet's table: its header is the first of the top rows naming two known fields (the first row when a
    sheet names none, so that the column step can map it). Sheets with no table when others have one are left out
    and named."""
    found, unread = [], []
    for sheet in sheets:
        header = None
        for number, row in sheet.rows[:HEADER_SEARCH_ROWS]:
            known = sum(1 for cell in row if field_of(cell, mapping) not in (None, IGNORE))
            if known >= 2:
                header = (number, row)
                break
        if header is None:
            unread.append(sheet)
            continue
        number, row = header
        found.append(Table(sheet.name, number, [(i, str(c).strip()) for i, c in enumerate(row) if str(c).strip()],
                           [r for r in sheet.rows if r[0] > number]))
    if not found and sheets:
        sheet = sheets[0]
        number, row = sheet.rows[0]
        found.append(Table(sheet.name, number, [(i, str(c).strip()) for i, c in enumerate(row) if str(c).strip()],
                           sheet.rows[1:]))
        unread = sheets[1:]
    return found, [s.name for s in unread]


def number_key(number):
    """Recommendation numbers compare as the form compares them: ignoring case, never punctuation (4.1 is not 41)."""
    return " ".join(str(number or "").split()).lower()


def field_of(header, mapping):
    """The field a header is read as: the partnership's own choice first, then the names this tracker knows."""
    key = label_key(header)
    if not key:
        return None
    return mapping.get(key) or match_header(header)


def column_choices(tables, mapping):
    """Every distinct header of the file, with the field it is read as (None when nobody knows yet)."""
    seen = {}
    for table in tables:
        for _index, header in table.headers:
            seen.setdefault(label_key(header), (header, field_of(header, mapping)))
    return list(seen.values())


def mapping_problems(tables, mapping):
    """Why the columns cannot be read yet: unmapped headers, two columns for one field, nothing to import."""
    problems = []
    chosen = {}
    for header, field_key in column_choices(tables, mapping):
        if field_key is None:
            problems.append(gettext("Choose what the column ‘%(header)s’ holds, or not to import it", header=header))
        elif field_key != IGNORE:
            if field_key in chosen:
                problems.append(gettext("The columns ‘%(first)s’ and ‘%(second)s’ are both read as ‘%(field)s’: "
                                        "choose one", first=chosen[field_key], second=header,
                                        field=header_of(field_key)))
            chosen.setdefault(field_key, header)
    if not problems and not ({"number", "text"} & set(chosen)):
        problems.append(gettext("Choose the column that holds the recommendation (its text or its number)"))
    return problems


def read_drafts(tables, mapping, is_known, default_review=None):
    """The recommendations and actions the tables hold, and the problems found, in file order. A row with neither
    number nor text continues the recommendation above it, as merged cells in a published plan do."""
    problems, drafts = [], []
    for table in tables:
        columns = {}
        for index, header in table.headers:
            field_key = field_of(header, mapping)
            if field_key not in (None, IGNORE):
                columns[field_key] = (index, header)
        current = None
        for number, row in table.rows:
            cell = _RowReader(table.sheet, number, row, columns, problems, is_known)
            review = cell.line("review") or (table.sheet if len(tables) > 1 and default_review is None else "") \
                or default_review or ""
            rec_number, text = cell.line("number"), cell.text("text")
            if "number" not in columns and (numbered := NUMBERED_TEXT.match(text)):
                rec_number, text = numbered["plain"] or numbered["marked"], numbered["text"].strip()
            continues = current is not None and current.review == review and (
                (not rec_number and (not text or text == current.text)) or
                (rec_number and number_key(rec_number) == number_key(current.number)))
            if not continues:
                current = RecommendationDraft(table.sheet, number, review, rec_number, text,
                                              _recommendation_values(cell, columns), is_unnumbered=not rec_number)
                drafts.append(current)
            elif text and current.text and text != current.text:
                problems.append(Problem(table.sheet, number, columns["text"][1], gettext(
                    "Recommendation %(number)s has different text on row %(row)s: make them the same, or give this "
                    "one its own number", number=rec_number or current.number, row=current.row)))
            else:
                _add_names(current, cell, columns)
            action = _action(cell, columns)
            if action is not None:
                current.actions.append(action)
            elif cell.text("lead_agency"):  # a recommendation's addressee, with no action yet
                current.values.setdefault("lead_addressees", []).extend(cell.names("lead_agency"))
    return drafts, problems


class _RowReader:
    """One row's cells by field, each read with a clear problem when it cannot be."""

    def __init__(self, sheet, number, row, columns, problems, is_known):
        self.sheet, self.number, self.row, self.columns, self.problems = sheet, number, row, columns, problems
        self.is_known = is_known

    def raw(self, key):
        if key not in self.columns:
            return None
        index = self.columns[key][0]
        return self.row[index] if index < len(self.row) else ""

    def has(self, key):
        value = self.raw(key)
        return value not in (None, "")

    def text(self, key, limit=None):
        value = self.raw(key)
        if isinstance(value, datetime | date):
            value = cells.PlanDate(value if type(value) is date else value.date(), False)
        value = "" if value is None else str(value).strip()
        if limit is not None and len(value) > limit:
            self.problem(key, gettext("This is %(length)s characters long: shorten it to %(limit)s or fewer",
                                      length=len(value), limit=limit))
        return value

    def line(self, key, limit=None):
        """A cell that the tracker keeps on one line (a title goes into email subjects and calendar events): its
        lines joined, and any run of spaces made one."""
        return " ".join(self.text(key, limit).split())

    def names(self, key):
        text = self.text(key)
        if label_key(text) in NO_NAME:
            return []
        return cells.split_names(text, self.is_known)

    def problem(self, key, message):
        self.problems.append(Problem(self.sheet, self.number, self.columns[key][1], message))

    def date(self, key):
        value = self.raw(key)
        if value in (None, ""):
            return None
        parsed = cells.parse_date(value)
        if parsed is None:
            self.problem(key, gettext("‘%(value)s’ is not a date: write it as 31/10/2016, 31 October 2016 or October "
                                      "2016", value=value))
        return parsed


def _recommendation_values(cell, columns):
    values = {"present": {k for k in RECOMMENDATION_FIELDS if k in columns}}
    scope_text = cell.text("scope")
    values["scope"] = cells.scope_of(scope_text) if scope_text else None
    values["is_scope_refused"] = bool(scope_text) and values["scope"] is None
    if values["is_scope_refused"]:
        cell.problem("scope", gettext("‘%(value)s’ is not a scope: write local, regional or national",
                                      value=scope_text))
    values["welsh_text"] = cell.text("welsh_text")
    values["addressees"] = cell.names("addressees")
    values["external_body"] = cell.text("external_body")
    values["themes"] = cell.names("themes")
    component = cell.text("component")
    values["component"] = _component_keys().get(label_key(component), "") if component else ""
    if component and not values["component"]:
        cell.problem("component", gettext("‘%(value)s’ is not a CCR component: use one of %(components)s",
                                          value=component, components=", ".join(str(label) for _key, label in
                                                                                COMPONENTS)))
    return values


def _add_names(draft, cell, columns):
    """Later rows of a merged recommendation may name more addressees or themes."""
    for key in ("addressees", "themes"):
        for name in cell.names(key):
            if label_key(name) not in {label_key(n) for n in draft.values[key]}:
                draft.values[key].append(name)


def _action(cell, columns):
    """The row's action, or None when the row holds only its recommendation."""
    from tracker.accounts.models import User
    from tracker.actions.models import Action

    title = cell.line("title", length_of(Action.title))
    detail = [k for k in ("outcome", "measure", "owner_email", "milestones", "deadline", "cost", "funding",
                          "staff_time", "review_arrangement", "strategic_objective", "survivor_involvement",
                          "groups_served", "status", "completed_on",
                          "completion_outcome", "completion", "supporting") if cell.has(k)]
    if not title:
        if detail:
            cell.problem("title" if "title" in cell.columns else detail[0],
                         gettext("This row has details of an action but not the action itself: say what will be "
                                 "done"))
        return None
    values = {"title": title, "lead_agency": cell.names("lead_agency"), "supporting": cell.names("supporting")}
    for key, column in (("outcome", None), ("measure", None), ("milestones", None),
                        ("owner_email", User.email), ("funding", Action.funding_source),
                        ("staff_time", Action.staff_time), ("review_arrangement", Action.review_arrangement),
                        ("strategic_objective", Action.strategic_objective), ("survivor_involvement", None),
                        ("completion_outcome", None)):
        values[key] = cell.text(key, length_of(column) if column is not None else None)
    values["present"] = {k for k in cell.columns if k not in RECOMMENDATION_FIELDS}
    draft = ActionDraft(cell.sheet, cell.number, values)
    if "\n" in cell.text("title"):
        draft.as_written.append(f"action ‘{cell.text('title')}’ on several lines")
    values["deadline"] = cell.date("deadline")
    if values["deadline"] is not None and values["deadline"].is_month and isinstance(cell.raw("deadline"), str):
        draft.as_written.append(f"target date ‘{cell.raw('deadline')}’")
    try:
        values["cost"] = parse_money(cell.text("cost"))
    except ValueError as error:
        cell.problem("cost", str(error))
    values["groups"] = _groups(cell)
    _resources(cell, values)
    _completion(cell, values, draft)
    return draft


@once_per_read
def _group_names():
    """Each group an action serves by label_key of its name, in English and in Welsh (asked for each row: a
    5,000-row plan translated the names 130,000 times, three quarters of its preview)."""
    return {label_key(words): group for group in GroupServed for words in in_every_language(group.english_label)}


def _groups(cell):
    """The groups an action serves, named as the tracker names them (in English or Welsh), one a semicolon."""
    known = _group_names()
    groups = []
    for name in filter(None, (part.strip() for part in cell.text("groups_served").split(";"))):
        group = known.get(label_key(name))
        if group is None:
            cell.problem("groups_served", gettext(
                "‘%(name)s’ is not one of the groups the tracker knows: use the names in the action form, "
                "separated by semicolons", name=name))
        elif group not in groups:
            groups.append(group)
    return groups


def _resources(cell, values):
    within, (yes, no) = label_key(cell.text("within_existing")), _yes_and_no()
    if within not in yes | no:
        cell.problem("within_existing", gettext("Write yes or no"))
    values["within_existing"] = within in yes
    resources = cell.text("resources")
    if resources:
        values["within_existing"] = values["within_existing"] or "within existing" in label_key(resources)
        values["funding"] = values["funding"] or resources


def _completion(cell, values, draft):
    """Status, completion date and outcome, from their own columns or from one free-text cell."""
    status_text = cell.text("status")
    status = cells.parse_status(status_text) if status_text else None
    if status_text and status is None:
        cell.problem("status", gettext("‘%(value)s’ is not a status: write not started, in progress, blocked, "
                                       "completed or closed", value=status_text))
    completed = cell.date("completed_on")
    if cell.has("completion"):
        read = cells.parse_completion(cell.raw("completion"))
        completed = completed or read.on
        values["completion_outcome"] = values["completion_outcome"] or read.outcome
        status = status or read.status
        if read.original and (read.on is not None or read.outcome != read.original):
            draft.as_written.append(f"date of completion and outcome ‘{read.original}’")
    if status is None:
        status = "completed" if completed else "not_started"
    if status == "closed" and completed is None:
        cell.problem("status", gettext("A closed action needs the date it was completed"))
    values["status"], values["completed"] = status, completed if status in ("completed", "closed") else None


def scope_for(draft, has_agencies):
    """A scope the file left empty: national when the plan names only bodies outside the partnership."""
    if draft.values["scope"] is not None:
        return Scope(draft.values["scope"])
    return Scope.LOCAL if has_agencies or not draft.values["external_body"] else Scope.NATIONAL
