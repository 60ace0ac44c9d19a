"""The fields of an action plan file and the headers people give them: this tracker's own, the Home Office
template's, and their common variants. Compared with spreadsheets.label_key, so case, spacing and punctuation
never matter."""
from dataclasses import dataclass

from tracker.spreadsheets import label_key

IGNORE = "ignore"


@dataclass(frozen=True)
class Field:
    key: str
    #: the header this tracker writes, and reads back
    header: str
    #: other headers that mean this field
    names: tuple = ()
    #: also matches a longer header that starts with one of the names ("Scope of recommendation (i.e. …)")
    is_prefix: bool = False
    #: what the column step says about the field
    help: str = ""
    #: read from files only: a combined column this tracker writes as separate ones
    is_import_only: bool = False


FIELDS = (
    Field("review", "Review", ("review reference", "review ref", "dhr", "dhr reference", "dhr ref", "dardr",
                               "susr", "case reference"),
          help="The review's reference, when one file holds several reviews."),
    Field("number", "Recommendation number", ("number", "no", "rec no", "rec", "ref", "recommendation no",
                                              "recommendation ref", "recommendation reference", "rec number"),
          help="As the report numbers it: 4, 4.1, R10, 2a."),
    Field("text", "Recommendation", ("recommendation text", "recommendations", "the recommendation"),
          help="The recommendation as the report words it."),
    Field("scope", "Scope", ("scope of recommendation", "level", "local regional or national"), is_prefix=True,
          help="Local, regional or national."),
    Field("addressees", "Addressed to", ("addressee", "addressees", "recommendation addressed to",
                                         "agencies addressed", "addressed to agencies"),
          help="The agencies the recommendation is for; several separated by ; or / or new lines."),
    Field("external_body", "Body outside the partnership", ("external body", "external bodies", "national body",
                                                            "regional body", "body outside partnership"),
          help="A government department, national or regional body the recommendation is for."),
    Field("themes", "Themes", ("theme", "learning theme", "learning themes"),
          help="Themes of learning, separated by ; or new lines."),
    Field("component", "CCR component", ("component", "ccr components"), help="The CCR benchmark component."),
    Field("title", "Action", ("action to take", "actions to take", "action to be taken", "actions to be taken",
                              "actions", "action required", "actions required", "specific action",
                              "action description"),
          is_prefix=False, help="What will be done, starting with a verb."),
    Field("outcome", "Outcome sought", ("intended outcome", "desired outcome", "expected outcome",
                                        "outcome required", "intended outcomes"),
          help="What will be different when the action is done."),
    Field("measure", "Measure of success", ("measures of success", "success measure", "success measures",
                                            "how success will be measured", "measure", "success criteria"),
          help="How anyone will see it is done."),
    Field("lead_agency", "Lead agency", ("lead agencies", "lead", "lead organisation", "responsible agency",
                                         "lead agency agencies", "agency responsible", "agency", "agencies"),
          help="The agency that delivers the action; on a row with no action, an agency the recommendation is "
               "for."),
    Field("supporting", "Supporting agencies", ("supporting agency", "partner agencies", "other agencies",
                                                "supporting"),
          help="Agencies that help the lead agency."),
    Field("owner_email", "Owner email", ("owner", "owner e mail", "action owner email", "lead officer email",
                                         "email of owner"),
          help="The email address of the named owner, a member of the lead agency."),
    Field("milestones", "Key milestones", ("key milestones achieved in enacting recommendation", "milestones",
                                           "key milestones achieved"), is_prefix=True,
          help="Steps on the way, with their dates."),
    Field("deadline", "Target date", ("deadline", "target", "target date for completion", "target completion date",
                                      "timescale", "timescales", "date due", "due date", "completion target"),
          help="31/10/2016, 31 October 2016 or October 2016."),
    Field("cost", "Estimated cost (£)", ("estimated cost", "cost", "costs", "cost £"),
          help="Pounds, for example 1500 or 1,500.50."),
    Field("funding", "Funding source", ("where the money comes from", "funding", "source of funding"),
          help="Where the money comes from."),
    Field("resources", "Resources", ("resources required", "resource", "resource implications"),
          help="Free text; 'within existing resources' is recognised.", is_import_only=True),
    Field("staff_time", "Staff time", ("staff time required", "officer time"), help="Staff time needed."),
    Field("within_existing", "Within existing resources", ("within existing resources yes no",
                                                           "existing resources"),
          help="Yes when the action needs no new money."),
    Field("review_arrangement", "How progress is reviewed", ("review arrangement", "review arrangements",
                                                             "monitoring", "how progress will be reviewed"),
          help="How and how often progress is checked."),
    Field("strategic_objective", "Strategic plan objective", ("strategic objective", "link to strategy",
                                                              "links to other plans"),
          help="The strategy objective it serves."),
    Field("status", "Status", ("current status", "progress status", "action status"),
          help="Not started, in progress, blocked, completed or closed."),
    Field("completed_on", "Completion date", ("date of completion", "date completed", "completed on",
                                              "actual completion date"),
          help="The day (or month) the action was completed."),
    Field("completion_outcome", "Outcome", ("outcome achieved", "outcome of action", "outcomes"),
          help="What the completed action achieved."),
    Field("completion", "Date of completion and outcome", ("completion date and outcome",
                                                           "date completed and outcome", "date of completion outcome",
                                                           "completion and outcome"), is_prefix=True,
          help="Free text such as 'Completed: 31 October 2016' or 'Ongoing', split into a date and an outcome.",
          is_import_only=True),
)
BY_KEY = {f.key: f for f in FIELDS}
#: the columns this tracker writes, in order; the review column only for a whole register
EXPORTED = tuple(f for f in FIELDS if not f.is_import_only)
RECOMMENDATION_FIELDS = ("number", "text", "scope", "addressees", "external_body", "themes", "component")
ACTION_FIELDS = tuple(f.key for f in EXPORTED if f.key not in RECOMMENDATION_FIELDS + ("review",))

_EXACT = {label_key(name): f.key for f in FIELDS for name in (f.header, *f.names)}
_PREFIXES = sorted(((label_key(name), f.key) for f in FIELDS if f.is_prefix for name in (f.header, *f.names)),
                   key=lambda pair: -len(pair[0]))


def match_header(header):
    """The field a header means, or None when it is not one this tracker knows."""
    key = label_key(header)
    if not key:
        return None
    if key in _EXACT:
        return _EXACT[key]
    return next((field for name, field in _PREFIXES if key.startswith(name + " ")), None)


def choices():
    """The column step's options: every field, then 'ignore'."""
    return [(f.key, f.header) for f in FIELDS] + [(IGNORE, "Do not import this column")]
