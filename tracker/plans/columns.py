"""The fields of an action plan file and the headers people give them: this tracker's own (in English and in
Welsh), the Home Office template's, and their common variants. Compared with spreadsheets.label_key, so case,
spacing and punctuation never matter."""
from dataclasses import dataclass

from flask_babel import gettext, lazy_gettext

from tracker.i18n import N_, in_every_language, translated_in
from tracker.plans.cells import once_per_read
from tracker.spreadsheets import label_key

IGNORE = "ignore"


@dataclass(frozen=True)
class Column:
    """One field of a plan file, and the headers its column may have."""

    key: str
    #: the header this tracker writes (in English here; in the reader's language in a file), and reads back in either
    header: str
    #: other headers that mean this field
    names: tuple = ()
    #: also matches a longer header that starts with one of the names ("Scope of recommendation (i.e. …)")
    is_prefix: bool = False
    #: what the column step says about the field
    help: str = ""
    #: read from files only: a combined column this tracker writes as separate ones
    is_import_only: bool = False

    @property
    def shown_header(self):
        """The header in the reader's language, as a file or a page names the column."""
        return gettext(self.header)


FIELDS = (
    Column("review", N_("Review"), ("review reference", "review ref", "dhr", "dhr reference", "dhr ref", "dardr",
                                   "susr", "case reference"),
           help=lazy_gettext("The review's reference, when one file holds several reviews.")),
    Column("number", N_("Recommendation number"), ("number", "no", "rec no", "rec", "ref", "recommendation no",
                                                  "recommendation ref", "recommendation reference", "rec number"),
           help=lazy_gettext("As the report numbers it: 4, 4.1, R10, 2a.")),
    Column("text", N_("Recommendation"), ("recommendation text", "recommendations", "the recommendation"),
           help=lazy_gettext("The recommendation as the report words it.")),
    Column("welsh_text", N_("Recommendation (Welsh)"), ("welsh text", "recommendation in welsh", "welsh"),
           help=lazy_gettext("The recommendation in Welsh, where the report is bilingual.")),
    Column("scope", N_("Scope"), ("scope of recommendation", "level", "local regional or national"), is_prefix=True,
           help=lazy_gettext("Local, regional or national.")),
    Column("addressees", N_("Addressed to"), ("addressee", "addressees", "recommendation addressed to",
                                             "agencies addressed", "addressed to agencies"),
           help=lazy_gettext("The agencies the recommendation is for; several separated by ; or / or new lines.")),
    Column("external_body", N_("Body outside the partnership"), ("external body", "external bodies", "national body",
                                                                "regional body", "body outside partnership"),
           help=lazy_gettext("A government department, national or regional body the recommendation is for.")),
    Column("themes", N_("Themes"), ("theme", "learning theme", "learning themes"),
           help=lazy_gettext("Themes of learning, separated by ; or new lines.")),
    Column("component", N_("CCR component"), ("component", "ccr components"),
           help=lazy_gettext("The CCR benchmark component.")),
    Column("title", N_("Action"), ("action to take", "actions to take", "action to be taken", "actions to be taken",
                                  "actions", "action required", "actions required", "specific action",
                                  "action description"),
           is_prefix=False, help=lazy_gettext("What will be done, starting with a verb.")),
    Column("outcome", N_("Outcome sought"), ("intended outcome", "desired outcome", "expected outcome",
                                            "outcome required", "intended outcomes"),
           help=lazy_gettext("What will be different when the action is done.")),
    Column("measure", N_("Measure of success"), ("measures of success", "success measure", "success measures",
                                                "how success will be measured", "measure", "success criteria"),
           help=lazy_gettext("How anyone will see it is done.")),
    Column("lead_agency", N_("Lead agency"), ("lead agencies", "lead", "lead organisation", "responsible agency",
                                             "lead agency agencies", "agency responsible", "agency", "agencies"),
           help=lazy_gettext("The agency that delivers the action; on a row with no action, an agency the "
                             "recommendation is for.")),
    Column("supporting", N_("Supporting agencies"), ("supporting agency", "partner agencies", "other agencies",
                                                    "supporting"),
           help=lazy_gettext("Agencies that help the lead agency.")),
    Column("owner_email", N_("Owner email"), ("owner", "owner e mail", "action owner email", "lead officer email",
                                             "email of owner"),
           help=lazy_gettext("The email address of the named owner, a member of the lead agency.")),
    Column("milestones", N_("Key milestones"), ("key milestones achieved in enacting recommendation", "milestones",
                                               "key milestones achieved"), is_prefix=True,
           help=lazy_gettext("Steps on the way, with their dates.")),
    Column("deadline", N_("Target date"), ("deadline", "target", "target date for completion",
                                          "target completion date", "timescale", "timescales", "date due", "due date",
                                          "completion target"),
           help=lazy_gettext("31/10/2016, 31 October 2016 or October 2016.")),
    Column("cost", N_("Estimated cost (£)"), ("estimated cost", "cost", "costs", "cost £"),
           help=lazy_gettext("Pounds, for example 1500 or 1,500.50.")),
    Column("funding", N_("Funding source"), ("where the money comes from", "funding", "source of funding"),
           help=lazy_gettext("Where the money comes from.")),
    Column("resources", N_("Resources"), ("resources required", "resource", "resource implications"),
           help=lazy_gettext("Free text; 'within existing resources' is recognised."), is_import_only=True),
    Column("staff_time", N_("Staff time"), ("staff time required", "officer time"),
           help=lazy_gettext("Staff time needed.")),
    Column("within_existing", N_("Within existing resources"), ("within existing resources yes no",
                                                               "existing resources"),
           help=lazy_gettext("Yes when the action needs no new money.")),
    Column("review_arrangement", N_("How progress is reviewed"), ("review arrangement", "review arrangements",
                                                                 "monitoring", "how progress will be reviewed"),
           help=lazy_gettext("How and how often progress is checked.")),
    Column("strategic_objective", N_("Strategic plan objective"), ("strategic objective", "link to strategy",
                                                                  "links to other plans"),
           help=lazy_gettext("The strategy objective it serves.")),
    Column("survivor_involvement", N_("Survivor involvement"), ("survivor voice", "survivors involvement",
                                                              "how survivors informed the action"),
           help=lazy_gettext("How survivors or their families informed the action.")),
    Column("groups_served", N_("Groups served"), ("groups the action serves", "groups", "who it serves"),
           help=lazy_gettext("Protected characteristics and other groups, separated by semicolons, as the "
                             "tracker names them.")),
    Column("status", N_("Status"), ("current status", "progress status", "action status"),
           help=lazy_gettext("Not started, in progress, blocked, completed or closed.")),
    Column("completed_on", N_("Completion date"), ("date of completion", "date completed", "completed on",
                                                  "actual completion date"),
           help=lazy_gettext("The day (or month) the action was completed.")),
    Column("completion_outcome", N_("Outcome"), ("outcome achieved", "outcome of action", "outcomes"),
           help=lazy_gettext("What the completed action achieved.")),
    Column("completion", N_("Date of completion and outcome"), (
        "completion date and outcome", "date completed and outcome", "date of completion outcome",
        "completion and outcome"), is_prefix=True, is_import_only=True, help=lazy_gettext(
        "Free text such as 'Completed: 31 October 2016' or 'Ongoing', split into a date and an outcome.")),
)
BY_KEY = {f.key: f for f in FIELDS}
#: the Home Office action plan's columns, as panels paste it into the overview report (and a Word export writes)
HOME_OFFICE_HEADER = [N_("Recommendation"), N_("Scope of recommendation"), N_("Action to take"), N_("Lead agency"),
                      N_("Key milestones achieved in enacting recommendation"), N_("Target date"),
                      N_("Date of completion and outcome")]
#: the columns this tracker writes, in order; the review column only for a whole register
EXPORTED = tuple(f for f in FIELDS if not f.is_import_only)
RECOMMENDATION_FIELDS = ("number", "text", "welsh_text", "scope", "addressees", "external_body", "themes",
                         "component")
ACTION_FIELDS = tuple(f.key for f in EXPORTED if f.key not in RECOMMENDATION_FIELDS + ("review",))


def _names(field):
    return (*in_every_language(field.header), *field.names)


@once_per_read
def _known_headers():
    """{name: field} of every name a header may have, and the names a longer header may start with, longest first.
    The English names count before the Welsh where both are one text. A Word export in Welsh writes the Home Office
    layout's headers in Welsh."""
    english = {label_key(name): f.key for f in FIELDS for name in (f.header, *f.names)}
    welsh = {label_key(translated_in("cy", f.header)): f.key for f in FIELDS}
    welsh |= {label_key(translated_in("cy", name)): english[label_key(name)] for name in HOME_OFFICE_HEADER
              if label_key(name) in english}
    exact = welsh | english
    prefixes = sorted(((label_key(name), f.key) for f in FIELDS if f.is_prefix for name in _names(f)),
                      key=lambda pair: -len(pair[0]))
    return exact, prefixes


def match_header(header):
    """The field a header means, in English or in Welsh, or None when it is not one this tracker knows."""
    key = label_key(header)
    if not key:
        return None
    exact, prefixes = _known_headers()
    if key in exact:
        return exact[key]
    return next((field for name, field in prefixes if key.startswith(name + " ")), None)


def header_of(key):
    """A field's header in the reader's language."""
    return BY_KEY[key].shown_header


def choices():
    """The column step's options: every field, then 'ignore'."""
    return [(f.key, f.shown_header) for f in FIELDS] + [(IGNORE, gettext("Do not import this column"))]
