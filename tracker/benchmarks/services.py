"""Benchmarks: frameworks and reference data, recording and importing a benchmark, findings, the picture."""
import csv
import json
import re
import statistics
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext, lazy_gettext
from sqlalchemy.orm import joinedload, load_only, selectinload

from tracker.actions.models import Action
from tracker.actions.services import answering, delivery_state
from tracker.benchmarks.models import Benchmark, Component, ComponentScore, Finding, Framework, ReferenceScore
from tracker.db import length_of
from tracker.enums import DeliveryState
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.forms import CONTROL_CHARACTERS, one_kind_of_line_break
from tracker.i18n import N_, in_every_language
from tracker.partnerships.models import Agency
from tracker.spreadsheets import label_key, read_table
from tracker.uploads import readable_size

DATA = Path(__file__).resolve().parent / "data"
REFERENCE_CSV = DATA / "isoe-2013-anonymised-partnership-scores.csv"
VALID_SCORES = tuple(Decimal(n) / 2 for n in range(2, 9))  # 1, 1.5, ... 4
SCALE = {1: lazy_gettext("poor"), 2: lazy_gettext("satisfactory"), 3: lazy_gettext("good"),
         4: lazy_gettext("excellent")}
#: a score is called above or below the reference mean only when it differs from it by at least this much: a
#: quarter point is half the smallest step a reviewer can give
MEAN_MARGIN = 0.25
#: a half point's meaning: between the words of the whole points either side
BETWEEN = N_("between %(lower)s and %(upper)s")
REVIEWER_LENGTH = length_of(Benchmark.reviewer)


SCORE_WORDS = ", ".join(f"{s:g}" for s in VALID_SCORES)


def parse_score(value):
    """A score as the framework allows it (1 to 4 in half points), or None if it is not one."""
    try:
        score = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        return None
    return score if score in VALID_SCORES else None


def score_text(score):
    """A score as people write it and the score lists offer it: "3", "2.5", or "" when not scored. (The
    database gives Decimal("3.0"), which matches no option of a score list.)"""
    return "" if score is None else f"{score.normalize():f}"


def score_meaning(score, translate=gettext):
    """What a score means on the guide's scale: "good" for 3, and for a half point the two words it lies between
    ("between satisfactory and good" for 2.5), never the lower word alone. Forms pass lazy_gettext."""
    whole = int(score)
    if score == whole:
        return SCALE[whole]
    return translate(BETWEEN, lower=SCALE[whole], upper=SCALE[whole + 1])


def described_score(score):
    """A score with its meaning: "3, good", "2.5, between satisfactory and good"."""
    return gettext("%(score)s, %(meaning)s", score=f"{Decimal(score).normalize():f}", meaning=score_meaning(score))


# Reference data


def framework_data():
    """The frameworks as the data file holds them: each component's questions with the number of the key question
    of the guide each one asks (`seed`), and the guide's name for the component."""
    return json.loads((DATA / "frameworks.json").read_text(encoding="utf-8"))


def load_frameworks():
    """Create or refresh the frameworks and their components from the packaged data file: running it again on an
    existing database brings titles, descriptions and key questions up to date."""
    data = framework_data()
    for spec in data["frameworks"]:
        framework = db.session.scalar(sa.select(Framework).where(Framework.key == spec["key"]))
        if framework is None:
            framework = Framework(key=spec["key"])
            db.session.add(framework)
        framework.name, framework.year = spec["name"], spec["year"]
        db.session.flush()
        existing = {c.key: c for c in framework.components}
        for number, part in enumerate(spec["components"], start=1):
            component = existing.get(part["key"]) or Component(framework_id=framework.id, key=part["key"])
            component.number, component.title = number, part["title"]
            component.description = part["description"]
            component.questions = [question["text"] for question in part["questions"]]
            db.session.add(component)
    db.session.commit()
    return len(data["frameworks"])


def load_reference_scores(path=REFERENCE_CSV, framework_key="isoe-2013"):
    """Replace the reference partnerships' scores with those in the CSV (one row per partnership)."""
    framework = _framework(framework_key)
    components = {c.key: c for c in framework.components}
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    missing = [key for key in ["partnership", "overall", *components] if key not in (rows[0] if rows else {})]
    if missing:
        raise ValidationFailed({"file": gettext("The reference file lacks the columns: %(columns)s",
                                                columns=", ".join(missing))})
    db.session.execute(sa.delete(ReferenceScore).where(ReferenceScore.framework_id == framework.id))
    for row in rows:
        for key, component in [("overall", None), *components.items()]:
            score = parse_score(row[key])
            if score is None:
                raise ValidationFailed({"file": gettext("Partnership %(partnership)s: ‘%(value)s’ is not a score",
                                                        partnership=row["partnership"], value=row[key])})
            db.session.add(ReferenceScore(framework_id=framework.id, partnership_label=row["partnership"],
                                          component_id=component.id if component else None, score=score))
    db.session.commit()
    return len(rows)


def _either(keys):
    """Framework keys as a choice: "isoe-2013 or isoe-2020"."""
    return (" " + gettext("or") + " ").join(keys)


def framework_by_key(key):
    return db.session.scalar(sa.select(Framework).where(Framework.key == key))


def _framework(key):
    framework = framework_by_key(key)
    if framework is None:
        raise ValidationFailed({"framework": gettext("Unknown framework ‘%(framework)s’: use %(known)s", framework=key,
                                                     known=_either(db.session.scalars(sa.select(Framework.key))))})
    return framework


def frameworks():
    return db.session.scalars(sa.select(Framework).order_by(Framework.year)).all()


@dataclass(frozen=True)
class Stats:
    n: int
    mean: float
    q1: float
    median: float
    q3: float
    minimum: float
    maximum: float


def describe(values):
    """Mean, quartiles (the inclusive method: the median of each half, interpolated), lowest and highest."""
    values = [float(v) for v in values]
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Stats(len(values), statistics.fmean(values), q1, median, q3, min(values), max(values))


def compared_with_mean(score, reference):
    """-1 below the reference mean, 1 above it, 0 when within MEAN_MARGIN of it or there is nothing to compare
    (2 against a mean of 2.03 is neither)."""
    if score is None or reference is None:
        return 0
    difference = round(float(score) - reference.mean, 9)  # the mean of halves is a float: 2.25 - 2 is exactly 0.25
    return -1 if difference <= -MEAN_MARGIN else 1 if difference >= MEAN_MARGIN else 0


def reference_statistics(framework):
    """{component id (None for overall): Stats} over the reference partnerships; empty when there are none."""
    rows = db.session.execute(sa.select(ReferenceScore.component_id, ReferenceScore.score)
                              .where(ReferenceScore.framework_id == framework.id)).all()
    by_component = {}
    for component_id, score in rows:
        by_component.setdefault(component_id, []).append(score)
    return {component_id: describe(scores) for component_id, scores in by_component.items() if len(scores) > 1}


def reference_totals(framework):
    """Each reference partnership's total (its 12 component scores and its overall score)."""
    return db.session.execute(
        sa.select(ReferenceScore.partnership_label, sa.func.sum(ReferenceScore.score))
        .where(ReferenceScore.framework_id == framework.id).group_by(ReferenceScore.partnership_label)).all()


@dataclass(frozen=True)
class Position:
    rank: int
    is_tied: bool
    #: how many reference partnerships the place is among
    out_of: int
    total: Decimal

    @property
    def place(self):
        """As the guide's Appendix 1 writes it: "14=" for a shared place, "2" for a place held alone."""
        return f"{self.rank}{'=' if self.is_tied else ''}"

    @property
    def label(self):
        return gettext("%(place)s of %(num)d", place=self.place, num=self.out_of)


def place_among(total, totals):
    """(rank, is_tied) of a total among others as Appendix 1 of the 2013 guide ranks its partnerships: by the total
    of the twelve component scores and the overall score, equal totals sharing a place and the next lower total
    taking the next place (a total of 29 is "14=" among the 39)."""
    return 1 + len({t for t in totals if t > total}), total in set(totals)


def position_of(benchmark):
    """Where the benchmark stands among the reference partnerships, placed as the guide placed them."""
    totals = [total for _label, total in reference_totals(benchmark.framework)]
    scores = [s.score for s in benchmark.scores]
    if not totals or any(s is None for s in scores) or benchmark.overall_score is None:
        return None
    total = sum(scores, Decimal(0)) + benchmark.overall_score
    return Position(*place_among(total, totals), len(totals), total)


# Benchmarks


def benchmarks_of(partnership):
    return db.session.scalars(sa.select(Benchmark).where(Benchmark.partnership_id == partnership.id)
                              .options(selectinload(Benchmark.framework))
                              .order_by(Benchmark.started_on.desc())).all()


def correspondence():
    """{framework key: (the earlier framework's key, {component key: [the earlier framework's component keys]})}
    from the data file: which components of a later framework carry on which of an earlier one."""
    data = json.loads((DATA / "correspondence.json").read_text(encoding="utf-8"))
    return {key: (spec["earlier"], spec["components"]) for key, spec in data.items() if key != "about"}


def previous_of(benchmark):
    """The partnership's latest earlier benchmark on the same framework or on the earlier framework this one's
    components correspond to (a 2020 benchmark is compared with a 2013 one)."""
    earlier = correspondence().get(benchmark.framework.key)
    keys = [benchmark.framework.key, *([earlier[0]] if earlier else [])]
    return db.session.scalar(
        sa.select(Benchmark).join(Framework, Framework.id == Benchmark.framework_id)
        .where(Benchmark.partnership_id == benchmark.partnership_id, Framework.key.in_(keys),
               Benchmark.started_on < benchmark.started_on)
        .order_by(Benchmark.started_on.desc(), Benchmark.id.desc()).limit(1))


def previous_scores(benchmark, previous):
    """{component id of the benchmark: the previous benchmark's score for it}: on the same framework, component by
    component; across frameworks, only components that correspond, a component carrying on several taking their
    mean, and none where any of them was not scored."""
    if previous is None:
        return {}
    if previous.framework_id == benchmark.framework_id:
        return {s.component_id: s.score for s in previous.scores}
    _key, components = correspondence().get(benchmark.framework.key, (None, {}))
    by_key = {s.component.key: s.score for s in previous.scores}
    scores = {}
    for component in benchmark.framework.components:
        earlier = [by_key.get(key) for key in components.get(component.key, [])]
        if earlier and None not in earlier:
            scores[component.id] = sum(earlier, Decimal(0)) / len(earlier)
    return scores


def _lines(text):
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]


def save_benchmark(partnership, benchmark, values):
    """Create (benchmark=None, with a blank score for every component) or edit a benchmark's overview."""
    framework = db.session.get(Framework, values.get("framework_id") or 0) if benchmark is None else \
        benchmark.framework
    errors = _overview_errors(framework, values)
    if errors:
        raise ValidationFailed(errors)
    benchmark = _write_overview(partnership, benchmark, framework, values)
    _replace_findings(benchmark, None, _lines(values.get("key_issues")))
    db.session.commit()
    return benchmark


def _overview_errors(framework, values):
    """The overview's rules, shared by the form and the spreadsheet import: {field name: message}."""
    errors = {}
    if framework is None:
        errors["framework_id"] = gettext("Choose the framework the benchmark used")
    if values.get("started_on") is None:
        errors["started_on"] = gettext("Enter the date the review started")
    elif values.get("ended_on") and values["ended_on"] < values["started_on"]:
        errors["ended_on"] = gettext("The review cannot end before it started")
    if len((values.get("reviewer") or "").strip()) > REVIEWER_LENGTH:
        errors["reviewer"] = gettext("Enter the reviewer in %(num)d characters or fewer", num=REVIEWER_LENGTH)
    overall = values.get("overall_score")
    if overall not in (None, "") and parse_score(overall) is None:
        errors["overall_score"] = gettext("Choose a score from 1 to 4")
    return errors


def _write_overview(partnership, benchmark, framework, values):
    """Apply checked overview values, without committing; a new benchmark gets a blank score per component."""
    if benchmark is None:
        benchmark = Benchmark(partnership_id=partnership.id, framework_id=framework.id)
        benchmark.scores = [ComponentScore(component_id=c.id) for c in framework.components]
        db.session.add(benchmark)
    benchmark.started_on, benchmark.ended_on = values["started_on"], values.get("ended_on")
    benchmark.reviewer = (values.get("reviewer") or "").strip()
    overall = values.get("overall_score")
    benchmark.overall_score = parse_score(overall) if overall not in (None, "") else None
    benchmark.overall_commentary = (values.get("overall_commentary") or "").strip()
    db.session.flush()
    return benchmark


def save_component(benchmark, component, score, commentary, key_issues):
    """One component's score, commentary and key issues (one per line)."""
    parsed = parse_score(score) if score not in (None, "") else None
    if score not in (None, "") and parsed is None:
        raise ValidationFailed({"score": gettext("Choose a score from 1 to 4")})
    entry = next(s for s in benchmark.scores if s.component_id == component.id)
    entry.score, entry.commentary = parsed, (commentary or "").strip()
    _replace_findings(benchmark, component, _lines(key_issues))
    db.session.commit()


def _replace_findings(benchmark, component, texts):
    """Keep findings whose text stays, add new ones, remove the rest unless actions already answer them."""
    component_id = component.id if component else None
    current = [f for f in benchmark.findings if f.component_id == component_id]
    kept = {f.text: f for f in current}
    removed = [f for f in current if f.text not in texts]
    blocked = [f.text for f in removed if answering(f)]
    if blocked:
        raise ValidationFailed({"key_issues": gettext("These key issues have actions, so they cannot be removed: "
                                                      "%(issues)s", issues="; ".join(blocked))})
    for finding in removed:
        benchmark.findings.remove(finding)
    for position, text in enumerate(texts):
        finding = kept.get(text) or Finding(component_id=component_id, text=text)
        finding.position = position
        if finding not in benchmark.findings:
            benchmark.findings.append(finding)


#: deeper than any benchmark file needs (it nests three levels), shallow enough to walk safely
MAX_NESTING = 20
#: what the nesting check counts: whole strings (skipped, as they may hold brackets) and brackets
_JSON_NESTING = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[{]|[\]}]')


def _nesting(text):
    """How deeply the JSON text nests arrays and objects, read from the raw text so that a file nested
    thousands deep is refused before the parser recurses into it."""
    depth = deepest = 0
    for match in _JSON_NESTING.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif bracket in "]}":
            depth -= 1
    return deepest


def _object(value, name, problems):
    """The JSON object at `name`, {} when it is absent; a problem when it is something else."""
    if value is None or isinstance(value, dict):
        return value or {}
    problems.append(gettext("The file’s %(name)s must be an object ({…}), not %(kind)s", name=name,
                            kind=type(value).__name__))
    return {}


def _text(value, name, problems):
    """The text at `name`, "" when it is absent, with one kind of line break; a problem when it is a number, a list
    or an object, or holds a control character (as a form refuses it)."""
    if value is None or isinstance(value, str):
        text = one_kind_of_line_break(value or "")
        if CONTROL_CHARACTERS.search(text):
            problems.append(gettext("The file’s %(name)s holds an invisible control character: remove it", name=name))
        return text
    problems.append(gettext("The file’s %(name)s must be text", name=name))
    return ""


def import_json(partnership, raw):
    """A benchmark from a JSON file shaped like the Milton Keynes 2012 data: validated whole, saved whole."""
    limit = current_app.config["BENCHMARK_JSON_MAX_BYTES"]
    if len(raw) > limit:  # parsed JSON takes many times its size in memory; a benchmark takes a few KB
        raise ValidationFailed({"file": gettext("The file must be smaller than %(size)s", size=readable_size(limit))})
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise ValidationFailed({"file": gettext("The file must be UTF-8 text")}) from None
    if _nesting(text) > MAX_NESTING:
        raise ValidationFailed({"file": gettext("The file nests lists or objects more than %(num)d deep: it is not "
                                                "a benchmark", num=MAX_NESTING)})
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationFailed({"file": gettext("The file is not valid JSON (line %(line)d, column %(column)d: "
                                                "%(error)s)", line=error.lineno, column=error.colno,
                                                error=error.msg)}) from None
    if not isinstance(data, dict):
        raise ValidationFailed({"file": gettext("The file must hold one benchmark (a JSON object)")})
    problems = []
    framework_key = _text(data.get("framework"), "framework", problems)
    framework = db.session.scalar(sa.select(Framework).where(Framework.key == framework_key))
    if framework is None:
        known = _either(db.session.scalars(sa.select(Framework.key).order_by(Framework.key)))
        raise ValidationFailed({"file": gettext("Unknown framework ‘%(framework)s’: use %(known)s",
                                                framework=data.get("framework"), known=known)})
    dates = _object(data.get("review_dates"), "review_dates", problems)
    started_on = _iso_date(dates.get("start"), "review_dates.start", problems)
    ended_on = _iso_date(dates.get("end"), "review_dates.end", problems) if dates.get("end") else None
    overall = _object(data.get("overall"), "overall", problems)
    overall_score = _score(overall.get("score"), gettext("the overall score"), problems)
    components = {c.key: c for c in framework.components}
    seen = {}
    entries = data.get("components") or []
    if not isinstance(entries, list):
        problems.append(gettext("The file’s components must be a list ([…])"))
        entries = []
    for index, entry in enumerate(entries, start=1):
        entry = _object(entry, gettext("component %(num)d", num=index), problems)
        key = entry.get("component")
        if not isinstance(key, str) or key not in components:
            problems.append(gettext("Component %(num)d: unknown component ‘%(key)s’ for the %(framework)s framework",
                                    num=index, key=key, framework=framework.name))
            continue
        if key in seen:
            problems.append(gettext("Component ‘%(key)s’ appears twice", key=key))
            continue
        name = gettext("component ‘%(key)s’", key=key)
        seen[key] = (_score(entry.get("score"), name, problems), _issues(entry.get("key_issues"), name, problems),
                     _text(entry.get("commentary"), gettext("component ‘%(key)s’ commentary", key=key), problems))
    missing = [key for key in components if key not in seen]
    if missing and not problems:
        problems.append(gettext("Missing components: %(keys)s", keys=", ".join(missing)))
    overall_issues = _issues(overall.get("key_issues"), gettext("the overall key issues"), problems)
    overall_commentary = _text(overall.get("commentary"), gettext("overall commentary"), problems)
    reviewer = " ".join(_text(data.get("reviewer"), "reviewer", problems).split())  # a name, on one line
    if len(reviewer) > REVIEWER_LENGTH:
        problems.append(gettext("The reviewer must be %(num)d characters or fewer", num=REVIEWER_LENGTH))
    if problems:
        raise ValidationFailed({"file": "; ".join(problems)})
    benchmark = Benchmark(partnership_id=partnership.id, framework_id=framework.id, started_on=started_on,
                          ended_on=ended_on, reviewer=reviewer,
                          overall_score=overall_score, overall_commentary=overall_commentary)
    benchmark.scores = [ComponentScore(component_id=components[key].id, score=score, commentary=commentary)
                        for key, (score, _issues_list, commentary) in seen.items()]
    benchmark.findings = [Finding(component_id=None, position=n, text=t) for n, t in enumerate(overall_issues)]
    for key, (_score_value, issues, _commentary) in seen.items():
        benchmark.findings += [Finding(component_id=components[key].id, position=n, text=t)
                               for n, t in enumerate(issues)]
    db.session.add(benchmark)
    db.session.commit()
    return benchmark


def _iso_date(value, name, problems):
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(gettext("%(name)s ‘%(value)s’ is not a date like 2012-07-02", name=name, value=value))
        return None


def _score(value, name, problems):
    score = parse_score(value)
    if score is None:
        problems.append(gettext("%(name)s: the score %(value)s is not one of %(scores)s", name=name, value=value,
                                scores=SCORE_WORDS))
    return score


def _issues(value, name, problems):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(gettext("%(name)s: key issues must be a list of text", name=name))
        return []
    if any(CONTROL_CHARACTERS.search(v) for v in value):
        problems.append(gettext("%(name)s: a key issue holds an invisible control character: remove it", name=name))
    return [" ".join(v.split()) for v in value if v.strip()]


# Spreadsheets in and out


SHEET_HEADER = [N_("Component"), N_("Score"), N_("Key issues"), N_("Commentary")]
#: each heading a file may give -> its column; reviewers' own tables often say "Benchmark component"
HEADINGS = {**{h: h for h in SHEET_HEADER}, N_("Benchmark component"): "Component"}
#: a heading in English (as label_key reads it) -> its column
SHEET_HEADINGS = {label_key(h): column for h, column in HEADINGS.items()}
#: the row that carries the overall score, key issues and commentary
OVERALL = N_("Overall")
#: a component named by its number
NUMBERED = N_("Component %(number)s")


def in_either_language(english):
    """label_key of a catalogue string as written in English and in Welsh: a file exported in Welsh (or typed
    from a Welsh template) imports again."""
    return {label_key(words) for words in in_every_language(english)}


def sheet_header():
    """The spreadsheet's columns in the reader's language."""
    return [gettext(h) for h in SHEET_HEADER]


@dataclass
class _Sheet:
    """What the rows say about one component, or about the overall picture."""

    score: Decimal | None = None
    score_row: int | None = None
    key_issues: dict = field(default_factory=dict)  # the texts, in order (a dict, to find repeats at once)
    commentary: list = field(default_factory=list)


@dataclass(frozen=True)
class TableImport:
    """The benchmark a spreadsheet made, with what it holds for the message that confirms it."""

    benchmark: Benchmark
    scores: int
    key_issues: int


def import_table(partnership, values, filename, data, max_bytes):
    """A benchmark from the overview typed in the form (framework_id, started_on, ended_on, reviewer) and a CSV or
    XLSX file of component rows (SHEET_HEADER). Every row is checked before anything is saved: ValidationFailed
    carries the form's fields, 'file' and each 'row N' at once, and nothing is written unless all is well."""
    framework = db.session.get(Framework, values.get("framework_id") or 0)
    errors = _overview_errors(framework, values)
    if not filename:
        raise ValidationFailed({**errors, "file": gettext("Choose the spreadsheet to import: a CSV file or an Excel "
                                                          "workbook (.xlsx)")})
    try:
        header, records = read_table(filename, data, max_bytes)
    except ValidationFailed as failure:
        raise ValidationFailed({**errors, **failure.errors}) from None
    columns = _sheet_columns(header, records, errors)
    if framework is None or "file" in errors:
        raise ValidationFailed(errors)
    if not records:
        raise ValidationFailed({**errors, "file": gettext("The file has headings but no rows: add a row for each "
                                                          "component")})
    sheets = _read_sheets(framework, columns, records, errors)
    if errors:
        raise ValidationFailed(errors)
    overall = sheets.pop(None, _Sheet())
    benchmark = _write_overview(partnership, None, framework, {
        **values, "overall_score": overall.score, "overall_commentary": "\n\n".join(overall.commentary)})
    _replace_findings(benchmark, None, list(overall.key_issues))
    entries = {s.component_id: s for s in benchmark.scores}
    for component, sheet in sheets.items():
        entries[component.id].score = sheet.score
        entries[component.id].commentary = "\n\n".join(sheet.commentary)
        _replace_findings(benchmark, component, list(sheet.key_issues))
    db.session.commit()
    return TableImport(benchmark, sum(s.score is not None for s in [overall, *sheets.values()]),
                       sum(len(s.key_issues) for s in [overall, *sheets.values()]))


def _sheet_columns(header, records, errors):
    """{column: the file's heading for it}, the headings in English or Welsh; a heading that is missing, repeated or
    unknown goes into errors."""
    headings = {key: column for heading, column in HEADINGS.items() for key in in_either_language(heading)}
    columns, unknown = {}, []
    for heading in header:
        column = headings.get(label_key(heading))
        if column is None:
            # a column with neither heading nor text is only a spreadsheet's empty edge
            if heading or any(record.get(heading) for _number, record in records):
                unknown.append(f"‘{heading}’" if heading else gettext("a column with no heading"))
        elif column in columns:
            errors["file"] = gettext("The file has two %(column)s columns (‘%(first)s’ and ‘%(second)s’): keep one",
                                     column=gettext(column), first=columns[column], second=heading)
        else:
            columns[column] = heading
    missing = [gettext(column) for column in SHEET_HEADER if column not in columns]
    if unknown:
        errors["file"] = gettext("The file has columns the import does not know: %(unknown)s. Use only Component (or "
                                 "Benchmark component), Score, Key issues and Commentary", unknown=", ".join(unknown))
    elif missing:
        errors["file"] = gettext("The file lacks the columns %(missing)s. Give it the columns Component (or Benchmark "
                                 "component), Score, Key issues and Commentary (any may be empty), as the template "
                                 "has", missing=", ".join(missing))
    return columns


def _component_names(framework):
    """label_key of each way a row may name a component of the framework: its key, its number ("3" or
    "Component 3", or in Welsh) and its title, in this framework's words or another's (the 2020 refresh renamed
    some)."""
    components = {c.key: c for c in framework.components}
    names = {label_key(other.title): components[other.key]
             for other in db.session.scalars(sa.select(Component).where(Component.key.in_(components)))}
    numbered = set(in_every_language(NUMBERED))
    for component in framework.components:
        for name in (component.title, component.key, str(component.number),
                     *(pattern % {"number": component.number} for pattern in numbered)):
            names[label_key(name)] = component
    return names


def _read_sheets(framework, columns, records, errors):
    """{component (None for the overall row): _Sheet}, merging the rows that name the same component; each row's
    problems go into errors as 'row N'."""
    names = _component_names(framework)
    overall_names, overall = in_either_language(OVERALL), gettext(OVERALL)
    sheets = {}
    for number, record in records:
        name, score_cell, issues_cell, commentary = (record.get(columns[c], "").strip() for c in SHEET_HEADER)
        problems = []
        is_overall = label_key(name) in overall_names
        component = None if is_overall else names.get(label_key(name))
        if not name:
            problems.append(gettext("say which component the row is about: its number or title, or ‘%(overall)s’",
                                    overall=overall))
        elif component is None and not is_overall:
            problems.append(gettext("‘%(name)s’ is not a component of the %(framework)s framework: give its number (1 "
                                    "to %(count)d) or title, or ‘%(overall)s’", name=name, framework=framework.name,
                                    count=len(framework.components), overall=overall))
        score = parse_score(score_cell) if score_cell else None
        if score_cell and score is None:
            problems.append(gettext("the score ‘%(score)s’ is not one of %(scores)s: correct it, or leave it empty if "
                                    "the component was not scored", score=score_cell, scores=SCORE_WORDS))
        issues = _lines(issues_cell)
        sheet = sheets.get(component, _Sheet())
        label = component.title if component else overall
        if name and (component or is_overall):
            if score is not None and sheet.score not in (None, score):
                problems.append(gettext("%(component)s has the score %(first)s on row %(row)d and %(second)s on this "
                                        "one: give it one score", component=label, first=score_text(sheet.score),
                                        row=sheet.score_row, second=score_text(score)))
            repeated = [text for text in issues if text in sheet.key_issues or issues.count(text) > 1]
            if repeated:
                problems.append(gettext("the key issue ‘%(issue)s’ is listed twice for %(component)s: list it once",
                                        issue=repeated[0], component=label))
        if problems:
            message = "; ".join(problems)
            errors[f"row {number}"] = message[0].upper() + message[1:] + "."
            continue
        sheets[component] = sheet
        if sheet.score is None and score is not None:
            sheet.score, sheet.score_row = score, number
        sheet.key_issues.update(dict.fromkeys(issues))
        if commentary:  # one line ending whichever program saved the file
            sheet.commentary.append("\n".join(commentary.splitlines()))
    return sheets


def export_rows(benchmark):
    """The benchmark in the spreadsheet import's shape, so that an export can be imported again unchanged: the
    overall row, then each component in framework order; the headings and the overall row's name in the reader's
    language (components are named as the framework names them)."""
    issues = {}
    for finding in benchmark.findings:
        issues.setdefault(finding.component_id, []).append(finding.text)
    entries = {s.component_id: s for s in benchmark.scores}
    rows = [[gettext(OVERALL), score_text(benchmark.overall_score), "\n".join(issues.get(None, [])),
             benchmark.overall_commentary]]
    for component in benchmark.framework.components:
        entry = entries.get(component.id)
        rows.append([component.title, score_text(entry.score if entry else None),
                     "\n".join(issues.get(component.id, [])), entry.commentary if entry else ""])
    return sheet_header(), rows


def template_rows(framework):
    """A blank spreadsheet for a framework: the overall row and each component's title, nothing else."""
    return sheet_header(), [[name, "", "", ""] for name in [gettext(OVERALL), *(c.title for c in framework.components)]]


# Findings


def finding_state(finding):
    if finding.is_no_action_needed:
        return None
    return delivery_state(answering(finding))


def mark_no_action(finding, reason):
    if answering(finding):
        raise ValidationFailed({"reason": gettext("This key issue already has actions")})
    if not (reason or "").strip():
        raise ValidationFailed({"reason": gettext("Say why no action is needed, for example ‘a strength to keep’")})
    finding.is_no_action_needed, finding.no_action_reason = True, reason.strip()
    db.session.commit()


def clear_no_action(finding):
    finding.is_no_action_needed, finding.no_action_reason = False, ""
    db.session.commit()


def finding_action_values(finding):
    """What the action form starts with for a new action on this key issue."""
    return dict(component=finding.component.key if finding.component else "", theme="")


# The picture


@dataclass
class PictureRow:
    component: Component
    score: Decimal | None
    commentary: str
    reference: Stats | None
    previous: Decimal | None
    findings: list
    #: the partnership's actions tagged with this component, whatever their source (component_actions)
    component_actions: list = field(default_factory=list)

    @property
    def has_no_action(self):
        """No action on the component: none tagged with it, and none answering its key issues."""
        return not self.component_actions and all(finding_state(f) in (None, DeliveryState.NO_ACTION)
                                                  for f in self.findings)

    @property
    def change(self):
        return None if self.score is None or self.previous is None else self.score - self.previous

    @property
    def is_below_mean(self):
        return compared_with_mean(self.score, self.reference) < 0

    @property
    def is_above_mean(self):
        return compared_with_mean(self.score, self.reference) > 0

    @property
    def unaddressed(self):
        return [f for f in self.findings if finding_state(f) is DeliveryState.NO_ACTION]


def load_benchmark(benchmark_id):
    """The benchmark with its scores and findings; of the actions answering a finding, only what the page shows
    and the finding's state needs (title, status, the lead agency's name), not their plans' texts."""
    return db.session.scalar(
        sa.select(Benchmark).where(Benchmark.id == benchmark_id)
        .options(selectinload(Benchmark.scores).selectinload(ComponentScore.component),
                 selectinload(Benchmark.findings).selectinload(Finding.actions).options(
                     load_only(Action.title, Action.status, Action.lead_agency_id, Action.partnership_id,
                               Action.recommendation_id, Action.owner_id),
                     joinedload(Action.lead_agency).load_only(Agency.name)),
                 # an action of a review that also answers a key issue is shown only to those who may open it
                 selectinload(Benchmark.findings).selectinload(Finding.linked_actions).options(
                     load_only(Action.title, Action.status, Action.lead_agency_id, Action.partnership_id,
                               Action.recommendation_id, Action.owner_id),
                     joinedload(Action.lead_agency).load_only(Agency.name), *_review_of_action()),
                 selectinload(Benchmark.framework).selectinload(Framework.components)))


def picture(benchmark):
    """One row per component: the score, the reference partnerships' spread, the previous score, findings."""
    stats = reference_statistics(benchmark.framework)
    previous = previous_of(benchmark)
    earlier = previous_scores(benchmark, previous)
    scores = {s.component_id: s for s in benchmark.scores}
    rows = []
    for component in benchmark.framework.components:
        entry = scores.get(component.id)
        rows.append(PictureRow(component, entry.score if entry else None, entry.commentary if entry else "",
                               stats.get(component.id), earlier.get(component.id),
                               [f for f in benchmark.findings if f.component_id == component.id]))
    tagged = component_actions(benchmark)
    for row in rows:
        row.component_actions = tagged.get(row.component.key, [])
    return rows, previous, stats.get(None)


def _review_of_action():
    """What deciding whether a reader may open an action reads (its review and the review's panel), loaded with the
    actions: a fixed number of queries however many there are."""
    from tracker.reviews.models import Recommendation, Review

    return (selectinload(Action.recommendation).selectinload(Recommendation.review).selectinload(Review.panel),)


def component_actions(benchmark):
    """{component key: the partnership's actions tagged with it}, of any source (a strategy action counts on its
    component as much as one made for a key issue), soonest deadline first: one query."""
    keys = [c.key for c in benchmark.framework.components]
    actions = db.session.scalars(
        sa.select(Action).where(Action.partnership_id == benchmark.partnership_id, Action.component.in_(keys))
        .options(load_only(Action.title, Action.status, Action.component, Action.lead_agency_id,
                           Action.partnership_id, Action.recommendation_id, Action.owner_id),
                 joinedload(Action.lead_agency).load_only(Agency.name), *_review_of_action())
        .order_by(Action.deadline.is_(None), Action.deadline, Action.id)).all()
    tagged = {}
    for action in actions:
        tagged.setdefault(action.component, []).append(action)
    return tagged


def lowest(rows):
    scored = [r for r in rows if r.score is not None]
    if not scored:
        return []
    low = min(r.score for r in scored)
    return [r for r in scored if r.score == low]


def without_action(benchmark):
    """Every key issue of the benchmark with neither an action nor a reason for none, the overall ones included."""
    return [f for f in benchmark.findings if finding_state(f) is DeliveryState.NO_ACTION]



def fates(benchmark):
    """How many of the benchmark's key issues stand where: {"no_action_needed", "no_action", "in_progress",
    "done" (every action completed or closed): count}, for the benchmark that follows it."""
    counts = dict.fromkeys(("no_action_needed", "no_action", "in_progress", "done"), 0)
    done = (DeliveryState.COMPLETED, DeliveryState.CLOSED)
    for finding in benchmark.findings:
        state = finding_state(finding)
        counts["no_action_needed" if state is None else "done" if state in done else state.value] += 1
    return counts
