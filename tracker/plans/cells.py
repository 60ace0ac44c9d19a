"""What the cells of real action plans hold, read into values: dates typed a dozen ways, completion notes that mix
a date with an outcome, several agencies in one cell, scopes and statuses in people's own words. Pure functions that
never raise, so that the import preview and the import itself read a cell the same way, and a cell they cannot read
is shown to a person rather than guessed at. A file may be written in English or in Welsh: labels, statuses, scopes
and month names are read in either."""
import calendar
import functools
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import get_month_names

from tracker.enums import ActionStatus, Scope
from tracker.i18n import long_date, month_year, translated_in
from tracker.spreadsheets import label_key
from tracker.web import kept

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")
#: the Welsh months as CLDR writes them, in full and abbreviated ("Hydref", "Hyd"), lower-cased
WELSH_MONTHS = {name.lower(): number for width in ("wide", "abbreviated")
                for number, name in get_month_names(width, locale="cy").items()}
#: a year outside these is a typing slip or an Excel artefact (a time-only cell reads as 1899), not a plan's date
FIRST_YEAR, LAST_YEAR = 1990, 2100

NOT_STARTED, IN_PROGRESS, BLOCKED, COMPLETED, CLOSED = (
    ActionStatus.NOT_STARTED.value, ActionStatus.IN_PROGRESS.value, ActionStatus.BLOCKED.value,
    ActionStatus.COMPLETED.value, ActionStatus.CLOSED.value)


@dataclass(frozen=True)
class PlanDate:
    """A date as a plan states it: a day, or only a month, which as a deadline means the month's last day."""

    day: date
    is_month: bool = False

    def __post_init__(self):
        # any day names its month; keeping the last one makes "October 2016" one value however it was built
        if self.is_month:
            last = calendar.monthrange(self.day.year, self.day.month)[1]
            object.__setattr__(self, "day", self.day.replace(day=last))

    def __str__(self):
        """As people write it, and as parse_date reads it back to this same value."""
        month = f"{MONTH_NAMES[self.day.month - 1]} {self.day.year}"
        return month if self.is_month else f"{self.day.day} {month}"

    @property
    def label(self):
        """As the reader's language writes it: "31 October 2016", "Hydref 2016"."""
        return month_year(self.day) if self.is_month else long_date(self.day)


_MONTH_NUMBERS = {name[:3].lower(): number for number, name in enumerate(MONTH_NAMES, 1)}
_DAY = r"(?P<day>\d\d?)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4}|\d\d)"
_MONTH = r"""(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?
                      |sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|WELSH)\.?""".replace(
    "WELSH", "|".join(sorted(map(re.escape, WELSH_MONTHS), key=len, reverse=True)))


def _pattern(text):
    return re.compile(text.replace("DAY", _DAY).replace("MONTH", _MONTH).replace("YEAR", _YEAR),
                      re.VERBOSE | re.ASCII)


# Each matches the whole of a lower-cased text with single spaces; numbers are always day first, as in the UK.
_DAYS = tuple(_pattern(p) for p in (
    r"(?P<year>\d{4}) - (?P<mm>\d\d?) - (?P<day>\d\d?) (?:[t\ ] \d\d? : \d\d (?: : \d\d (?:\.\d+)? )? )?",  # ISO
    r"(?P<day>\d\d?) \ ? (?P<sep>[/.-]) \ ? (?P<mm>\d\d?) \ ? (?P=sep) \ ? YEAR",  # 31/10/2016, 31.10.16
    r"DAY (?:\ of)? [\ -]? MONTH [\ ,-]* YEAR",  # 31st October 2016, 31-Oct-16, 31 Oct 16
    r"MONTH \  DAY ,? \  (?P<year>\d{4})",  # October 31, 2016
))
_MONTHS = tuple(_pattern(p) for p in (
    r"MONTH [\ ,-]* YEAR",  # October 2016, Oct-16
    r"(?P<mm>\d\d?) \ ? [/.-] \ ? (?P<year>\d{4})",  # 10/2016; never 10/16, which may be a day and a month
))
_YEARLESS = tuple(_pattern(p) for p in (r"DAY (?:\ of)? [\ -]? MONTH", r"MONTH"))
_WEEKDAY = re.compile(r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\ (?=\d)")
#: words around a deadline that do not change which date it is
_FILLER = re.compile(r"""
    (?: by | due (?:\ by)? | no\ later\ than | on ) :? [ ]
  | (?: the\ )? end (?:\ of)? [ ]
  | (?: w/c | w/b | wc | week\ (?:commencing|beginning) ) :? [ ]
""", re.VERBOSE)


def parse_date(value, today=None):
    """The date a cell means, or None when it is not clearly one date.

    A date without a year ("31 March", "end of March") is read only when `today` is given (the day the plan was
    written, or today), as the first such date on or after it: a plan's deadline lies ahead of it."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return PlanDate(value) if FIRST_YEAR <= value.year <= LAST_YEAR else None
    if not isinstance(value, str):  # a number may be an Excel serial day or a count: never a date here
        return None
    text = " ".join(value.lower().split())
    while filler := _FILLER.match(text):
        text = text[filler.end():]
    if isinstance(today, datetime):
        today = today.date()
    return _exact_date(text, today)


def _exact_date(text, today=None):
    """The date that is the whole of text, give or take case, spacing, a weekday and a full stop."""
    text = " ".join(text.lower().split()).rstrip(".,")
    if weekday := _WEEKDAY.match(text):
        text = text[weekday.end():]
    for pattern in _DAYS:
        if found := pattern.fullmatch(text):
            return _plan_date(_year(found["year"]), _month(found), int(found["day"]), is_month=False)
    for pattern in _MONTHS:
        if found := pattern.fullmatch(text):
            return _plan_date(_year(found["year"]), _month(found), 1, is_month=True)
    if today is not None:
        for pattern in _YEARLESS:
            if found := pattern.fullmatch(text):
                return _next(_month(found), found.groupdict().get("day"), today)
    return None


def _year(digits):
    year = int(digits)
    if len(digits) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _month(found):
    if not found.groupdict().get("month"):
        return int(found["mm"])
    return WELSH_MONTHS.get(found["month"]) or _MONTH_NUMBERS[found["month"][:3]]


def _plan_date(year, month, day, is_month):
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    try:
        return PlanDate(date(year, month, day), is_month)
    except ValueError:  # 31/02, month 13
        return None


def _next(month, day, today):
    for year in range(today.year, today.year + 9):  # nine years always hold a 29 February
        found = _plan_date(year, month, int(day or 1), is_month=day is None)
        if found and found.day >= today:
            return found
    return None


@dataclass(frozen=True)
class Completion:
    """A "date of completion and outcome" cell taken apart, with the text as written kept for the record."""

    on: PlanDate | None
    outcome: str
    #: "completed", "in_progress", "not_started", or None when the cell does not say
    status: str | None
    original: str


def once_per_read(build):
    """build() once in each request or command, then kept for it: the catalogue a file is read against does not
    change within one, and a file of thousands of rows should not ask it for the same words again and again."""
    name = f"plans_{build.__module__}.{build.__qualname__}"

    @functools.wraps(build)
    def built():
        return kept(name, build)
    return built


#: how people say a plan's action stands; compared by label_key
_STATUS_WORDS = {
    **{label_key(s.value): s.value for s in ActionStatus},
    **{label_key(s.english_label): s.value for s in ActionStatus},
    "complete": COMPLETED, "done": COMPLETED, "finished": COMPLETED,
    "ongoing": IN_PROGRESS, "on going": IN_PROGRESS, "started": IN_PROGRESS, "underway": IN_PROGRESS,
    "under way": IN_PROGRESS, "on track": IN_PROGRESS,
    "not yet started": NOT_STARTED, "yet to start": NOT_STARTED, "to do": NOT_STARTED,
    "signed off": CLOSED,
    "on hold": BLOCKED, "stalled": BLOCKED,
}


@once_per_read
def _status_words():
    """_STATUS_WORDS and each status's label in Welsh."""
    return {**{label_key(translated_in("cy", s.english_label)): s.value for s in ActionStatus}, **_STATUS_WORDS}


def _as_completion(status):
    return {BLOCKED: IN_PROGRESS, CLOSED: COMPLETED}.get(status, status)


#: what a completion note says by how it starts; a completion cell knows only done, under way or not begun
_COMPLETION_WORDS = {
    **{words: _as_completion(status) for words, status in _STATUS_WORDS.items()},
    "complete and ongoing": COMPLETED, "completed and ongoing": COMPLETED,
    "not complete": IN_PROGRESS, "not completed": IN_PROGRESS, "not yet complete": IN_PROGRESS,
    "not yet completed": IN_PROGRESS, "incomplete": IN_PROGRESS, "partially complete": IN_PROGRESS,
    "partially completed": IN_PROGRESS, "partly complete": IN_PROGRESS, "partly completed": IN_PROGRESS,
}
_NOT_APPLICABLE = frozenset({"", "n a", "na", "not applicable", "none", "nil"})
#: no date, with its weekday and spelling, is longer than this; bounds the search in long notes
_LONGEST_DATE = 40
_CONNECTORS = "-–—:,;."
_COMPLETED_PREFIX = re.compile(r"(?:completed?\b[\s:,–—-]*)?(?:on\s+)?", re.IGNORECASE)
_AFTER_DATE = re.compile(r"\s*[-–—:,;.]+\s*")
_BEFORE_DATE = re.compile(r"(?:[\s:,;–—-]|\b(?:on|completed?)\b)*$", re.IGNORECASE)


def parse_completion(value):
    """The completion date and outcome in a free-text cell, where they can be told apart; never a guess: a date
    is taken out only when it is clearly one and clearly joined to the rest, and nothing else is dropped."""
    if isinstance(value, date) and (on := parse_date(value)):
        return Completion(on, "", COMPLETED, str(on))
    text = "" if value is None else str(value).strip()
    if label_key(text) in _NOT_APPLICABLE:
        return Completion(None, "", None, text)
    found = _leading_date(text) or _trailing_date(text)
    stated = _stated_status(text) or (found and _stated_status(found[1]))
    if found and stated in (None, COMPLETED):
        return Completion(found[0], found[1], COMPLETED, text)
    # a date in a note that says the work goes on is not a completion date: it stays in the text
    return Completion(None, text, stated, text)


def _leading_date(text):
    """("Completed on") 31/10/2016 – outcome, or "Completed" in Welsh before the date"""
    rest = text[_COMPLETED_PREFIX.match(text).end():]
    welsh = _welsh_completed()
    if rest[:len(welsh)].lower() == welsh.lower():
        rest = rest[len(welsh):].lstrip()
    for end in range(min(len(rest), _LONGEST_DATE), 0, -1):
        tail = rest[end:]
        if tail and not (tail[0].isspace() or tail[0] in _CONNECTORS):
            continue
        joined = _AFTER_DATE.match(tail)
        if (joined or not tail.strip()) and (on := _exact_date(rest[:end])):
            return on, tail[joined.end():] if joined else ""
    return None


def _trailing_date(text):
    """outcome – 31/10/2016, outcome on 31/10/2016, outcome (Oct 2016)"""
    for start in range(max(0, len(text) - _LONGEST_DATE), len(text)):
        if start and not (text[start - 1].isspace() or text[start - 1] in _CONNECTORS):
            continue
        candidate = text[start:].rstrip(" .")
        bracketed = candidate.startswith("(") and candidate.endswith(")")
        if bracketed:
            candidate = candidate[1:-1]
        on = _exact_date(candidate[_COMPLETED_PREFIX.match(candidate).end():])
        if not on:
            continue
        head = text[:start]
        joined = _BEFORE_DATE.search(head)
        if bracketed or joined.group().strip():
            return on, head[:joined.start()].strip()
    return None


@once_per_read
def _completion_words():
    """_COMPLETION_WORDS, the statuses' labels in Welsh (as an export in Welsh writes an unfinished action's) and its
    word for completed, and the most words any of them has."""
    known = {**{words: _as_completion(status) for words, status in _status_words().items()},
             label_key(_welsh_completed()): COMPLETED, **_COMPLETION_WORDS}
    return known, max(len(words.split()) for words in known)


@once_per_read
def _welsh_completed():
    """How an export in Welsh says "Completed" before the day an action was completed."""
    return translated_in("cy", "Completed %(date)s").split("%(date)s")[0].strip()


def _stated_status(text):
    words, (known, longest) = label_key(text).split(), _completion_words()
    for n in range(min(len(words), longest), 0, -1):
        if status := known.get(" ".join(words[:n])):
            return status
    return None


#: public bodies whose names hold a separator ("and", "&"): split_names never cuts through them, even when the
#: partnership has not listed them, because a plan addressed to them names one body, not two. Compared by label_key
#: anywhere in a cell, so "Thames Valley Police and Crime Commissioner" is whole too.
COMPOUND_NAMES = frozenset(label_key(name) for name in (
    "Department of Health and Social Care",
    "Health and Social Care",
    "Department for Work and Pensions",
    "Ministry of Housing, Communities and Local Government",
    "Department for Levelling Up, Housing and Communities",
    "Department for Science, Innovation and Technology",
    "Department for Energy Security and Net Zero",
    "Department for Culture, Media and Sport",
    "Department for Digital, Culture, Media and Sport",
    "Department for Environment, Food and Rural Affairs",
    "Department for Business and Trade",
    "Department for Business, Energy and Industrial Strategy",
    "Foreign, Commonwealth and Development Office",
    "National Institute for Health and Care Excellence",
    "NHS England and NHS Improvement",
    "Police and Crime Commissioner",
    "Police, Fire and Crime Commissioner",
    "Mayor's Office for Policing and Crime",
    "Courts and Tribunals Service",
    "Prison and Probation Service",
    "Prisons and Probation",
    "Fire and Rescue",
    "Accident and Emergency",
    "Drug and Alcohol",
    "Drugs and Alcohol",
    "Health and Wellbeing Board",
    "Children and Families",
    "Children and Young People",
    "Adult and Community Services",
    "Safeguarding Adults and Children",
    "Violence Against Women and Girls",
    "Domestic Abuse and Sexual Violence",
))
_NAME_SEPARATOR = re.compile(r"""
    \s* [;/\r\n]+ \s*   # ";", "/" and line breaks, with the spaces around them
  | \s+ (?:and|&) \s+   # the word "and", or "&" between spaces ("A&E" is one name)
""", re.VERBOSE | re.IGNORECASE)
#: spaces, bullets and stray separators at either end of a name
_NAME_EDGES = re.compile(r"^[\s,;/&•·*–—-]+|[\s,;/&•·*–—-]+$")
#: the most separators one known name spans; bounds the search in long cells
_LONGEST_NAME = 8


def split_names(text, is_known):
    """The names in an addressee or agency cell. Separators split it, except inside a name `is_known` recognises
    or one of COMPOUND_NAMES; text neither recognises is split as far as it goes, so that each part can be
    matched or named on its own."""
    text = str(text or "")
    cuts = list(_NAME_SEPARATOR.finditer(text))
    bounds = [0, *(i for cut in cuts for i in cut.span()), len(text)]
    segments = list(zip(bounds[::2], bounds[1::2]))
    protected = _inside_compounds(text, segments, cuts)
    units = []  # segments joined across the separators that may not be cut
    for k, (start, end) in enumerate(segments):
        if k - 1 in protected:
            units[-1] = (units[-1][0], end)
        else:
            units.append((start, end))

    def piece(i, j):  # units[i:j] as one name
        return _NAME_EDGES.sub("", text[units[i][0]:units[j - 1][1]])

    # best[j]: the best score for units[:j], as (units covered by known names, -known names, other names)
    best, cut_at = [(0, 0, 0)], [0]
    for j in range(1, len(units) + 1):
        options = []
        for i in range(max(0, j - _LONGEST_NAME), j):
            score = _name_score(piece(i, j), j - i, is_known)
            options.append((tuple(a + b for a, b in zip(best[i], score)), -i))
        score, minus_i = max(options)  # on a tie, the longer name
        best.append(score)
        cut_at.append(-minus_i)

    pieces, j = [], len(units)
    while j:
        i = cut_at[j]
        pieces.append(piece(i, j))
        j = i
    names, seen = [], set()
    for name in reversed(pieces):
        if (key := label_key(name)) and key not in seen:
            seen.add(key)
            names.append(name)
    return names


def _name_score(name, width, is_known):
    if not label_key(name):
        return 0, 0, 0
    return (width, -1, 0) if is_known(name) else (0, 0, 1)


def _inside_compounds(text, segments, cuts):
    """The indexes of the separators that fall inside one of COMPOUND_NAMES."""
    words, firsts, afters = [], [], []  # the cell's words by label_key; where each separator's words start and end
    for k, (start, end) in enumerate(segments):
        words += label_key(text[start:end]).split()
        if k < len(cuts):
            firsts.append(len(words))
            words += label_key(cuts[k].group()).split()
            afters.append(len(words))
    protected = set()
    for compound in map(str.split, COMPOUND_NAMES):
        for a in range(len(words) - len(compound) + 1):
            if words[a:a + len(compound)] == compound:
                b = a + len(compound)
                ks = range(bisect_right(firsts, a), bisect_left(firsts, b))
                protected.update(k for k in ks if afters[k] < b)
    return protected


_SCOPE_WORDS = {"local": Scope.LOCAL.value, "locally": Scope.LOCAL.value, "regional": Scope.REGIONAL.value,
                "regionally": Scope.REGIONAL.value, "national": Scope.NATIONAL.value,
                "nationally": Scope.NATIONAL.value}


@once_per_read
def _welsh_scopes():
    """Each scope's label in Welsh, by label_key."""
    return {label_key(translated_in("cy", s.english_label)): s.value for s in Scope}


def scope_of(text):
    """The widest scope a cell mentions: a recommendation that is local and national needs national action. A
    scope's label in Welsh counts as its word."""
    key, welsh = label_key(text), _welsh_scopes()
    found = {_SCOPE_WORDS.get(word) or welsh.get(word) for word in key.split()} | {welsh.get(key)}
    return next((scope.value for scope in (Scope.NATIONAL, Scope.REGIONAL, Scope.LOCAL) if scope.value in found), None)


def parse_status(text):
    """The tracker's status for a word people put in a status column, in English or as its label in Welsh; a RAG
    colour is not one."""
    return _status_words().get(label_key(text))
