"""Search across what a person may open: actions, recommendations, reviews, benchmark key issues (findings) and
agencies, ranked, with the matched words marked.

search(user, query, kind, page) is the one interface; tracker.search.index supplies the engine (FTS5 on SQLite,
tsvector on PostgreSQL). Visibility is the permissions rules' own SQL (visible_actions, visible_reviews, membership
of the partnership), bounded by the person's partnerships, so a confidential review's recommendations, actions and
reference are neither shown nor counted for anyone outside its panel. A page runs two statements whatever it
finds: the matches counted by kind and ranked, then the page's records with their matches marked.
"""
import re
import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup, escape

from tracker import permissions
from tracker.actions.models import Action
from tracker.benchmarks.models import Benchmark, Component, Finding
from tracker.enums import ActionStatus, ReviewStatus, Role, Sector
from tracker.extensions import db
from tracker.i18n import N_
from tracker.partnerships.models import Agency, Partnership
from tracker.reviews.models import Recommendation, Review
from tracker.search import index

PER_PAGE = 20
MAX_LENGTH = 200
#: more phrases than this add nothing a person can read in the results, only work for the database
MAX_PHRASES = 8
#: the shortest last word matched as the start of longer words: "pro" would match half the language
MIN_PREFIX = 3
#: words too common to narrow a search (PostgreSQL's English configuration drops them too), unless alone
STOP_WORDS = frozenset("a an and are as at be but by for from if in into is it no not of on or such that the their "
                       "then there these they this to was will with".split())
#: search-engine operators people type out of habit: words, not syntax, here
OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
HAS_WORD = re.compile(r"[^\W_]")
ONE_WORD = re.compile(r"[^\W_]+")
#: a phrase in double quotes, or any run of other characters
CHUNKS = re.compile(r'"([^"]*)"|([^\s"]+)')
#: words of context either side of the first match in a long text
CONTEXT_WORDS = 12
#: texts up to this many words are shown whole
WHOLE_WORDS = 40


class QueryError(ValueError):
    """A search that cannot run; the message says what to type instead."""


@dataclass(frozen=True)
class Query:
    """What was typed, as the phrases the engines search for (each a word or words that must appear together), all
    of which must match; the last is matched as the start of a word when `is_prefix`."""

    text: str
    phrases: tuple
    is_prefix: bool


def parse_query(text):
    """Read a search as typed. Quotes keep words together as a phrase; any other punctuation, "AND", "*" and the
    like are read as separators, so nothing typed can be a syntax error. QueryError when nothing is left to search
    for or the text is too long."""
    text = CONTROL.sub(" ", unicodedata.normalize("NFKC", text or "")).strip()
    if not text:
        raise QueryError(gettext("Enter a word or phrase to search for"))
    if len(text) > MAX_LENGTH:
        raise QueryError(gettext("Search for %(num)d characters or fewer", num=MAX_LENGTH))
    phrases, quoted = [], []
    for match in CHUNKS.finditer(text):
        phrase, is_quoted = (match.group(1), True) if match.group(1) is not None else (match.group(2), False)
        if not is_quoted and phrase in OPERATORS:
            continue
        phrase = " ".join(re.sub(r"^[\W_]+|[\W_]+$", "", word) for word in phrase.split())
        if HAS_WORD.search(phrase):
            phrases.append(phrase)
            quoted.append(is_quoted)
    if not phrases:
        raise QueryError(gettext("Enter a word or number to search for: punctuation alone finds nothing"))
    kept = [(p, q) for p, q in zip(phrases, quoted) if q or p.lower() not in STOP_WORDS]
    phrases, quoted = zip(*(kept or list(zip(phrases, quoted))))
    phrases, quoted = phrases[:MAX_PHRASES], quoted[:MAX_PHRASES]
    last = phrases[-1]
    is_prefix = not quoted[-1] and ONE_WORD.fullmatch(last) is not None and len(last) >= MIN_PREFIX
    return Query(text=text, phrases=tuple(phrases), is_prefix=is_prefix)


# ---------------------------------------------------------------------------------------------- what is searched

@dataclass(frozen=True)
class Kind:
    """A kind of result, named in the reader's language: one, several, and several within a sentence."""

    key: str
    english_label: str
    english_plural: str
    english_in_sentence: str

    @property
    def label(self):
        return gettext(self.english_label)

    @property
    def plural(self):
        return gettext(self.english_plural)

    @property
    def in_sentence(self):
        return gettext(self.english_in_sentence)


KINDS = (
    Kind("action", N_("Action"), N_("Actions"), N_("actions")),
    Kind("recommendation", N_("Recommendation"), N_("Recommendations"), N_("recommendations")),
    Kind("review", N_("Review"), N_("Reviews"), N_("reviews")),
    Kind("finding", N_("Benchmark key issue"), N_("Benchmark key issues"), N_("benchmark key issues")),
    Kind("agency", N_("Agency"), N_("Agencies"), N_("agencies")),
)
KIND_BY_KEY = {kind.key: kind for kind in KINDS}
TABLES = {"action": Action.__table__, "recommendation": Recommendation.__table__, "review": Review.__table__,
          "finding": Finding.__table__, "agency": Agency.__table__}


def _within(user, column):
    """The person's partnerships (an administrator's are all of them): each kind's rows are read only there."""
    if permissions.can(user, "manage"):
        return sa.true()
    return column.in_(permissions.partnership_ids(user))


def _found(kind, user, engine, query):
    """Selects of (id, score) of the records of a kind that match and that this person may open. Actions are read
    from the index bounded by the person's partnerships: where they may open every action, from the index alone;
    elsewhere with the action, for the rule to decide. The other kinds are read with their records and the rules'
    SQL (visible_reviews, membership of the partnership)."""
    table = TABLES[kind]
    if kind == "action":
        if permissions.can(user, "manage"):
            return [engine.found(table, query)[0]]  # administrators open every action
        # a coordinator opens every action of their partnership (permissions.visible_actions says so too)
        whole = permissions.partnership_ids(user, Role.COORDINATOR)
        rest = [p for p in permissions.partnership_ids(user) if p not in whole]
        selects = [engine.found(table, query, whole)[0]] if whole else []
        for partnership_id in rest:  # one arm each, so the rule is written with what the person is there
            select, found_id = engine.found(table, query, [partnership_id])
            # each found action read by its key and put to the rule; OFFSET 0 keeps PostgreSQL from turning this
            # into a scan of every action to hash them (it prices the rule's subqueries as if run per action)
            readable = sa.select(Action.id).where(
                Action.id == found_id, permissions.visible_actions(user, within=partnership_id)).offset(0)
            selects.append(select.where(readable.exists()))
        return selects
    select, found_id = engine.found(table, query)
    if kind == "recommendation":
        select = select.join(Recommendation, Recommendation.id == found_id).join(
            Review, Review.id == Recommendation.review_id).where(
            _within(user, Review.partnership_id), permissions.visible_reviews(user))
    elif kind == "review":
        select = select.join(Review, Review.id == found_id).where(
            _within(user, Review.partnership_id), permissions.visible_reviews(user))
    elif kind == "finding":
        select = select.join(Finding, Finding.id == found_id).join(
            Benchmark, Benchmark.id == Finding.benchmark_id).where(_within(user, Benchmark.partnership_id))
    else:
        select = select.join(Agency, Agency.id == found_id).where(_within(user, Agency.partnership_id))
    return [select]


def _shown(kind):
    """For a page's records of a kind, the columns a result shows beside its text: its id, its partnership's id and
    name, the id its link needs, and two notes (a status, a number and reference, a component…)."""
    text = sa.String
    if kind == "action":
        return sa.select(Action.id, Action.partnership_id, Partnership.name, Action.id, sa.cast(Action.status, text),
                         sa.cast(sa.null(), text)).join(Partnership, Partnership.id == Action.partnership_id)
    if kind == "recommendation":
        return sa.select(Recommendation.id, Review.partnership_id, Partnership.name, Review.id,
                         sa.cast(Recommendation.number, text), sa.cast(Review.reference, text)).join(
            Review, Review.id == Recommendation.review_id).join(Partnership, Partnership.id == Review.partnership_id)
    if kind == "review":
        return sa.select(Review.id, Review.partnership_id, Partnership.name, Review.id, sa.cast(Review.status, text),
                         sa.cast(sa.null(), text)).join(Partnership, Partnership.id == Review.partnership_id)
    if kind == "finding":
        return sa.select(Finding.id, Benchmark.partnership_id, Partnership.name, Benchmark.id,
                         sa.cast(Component.key, text), sa.cast(Component.title, text)).join(
            Benchmark, Benchmark.id == Finding.benchmark_id).join(
            Partnership, Partnership.id == Benchmark.partnership_id).outerjoin(
            Component, Component.id == Finding.component_id)
    return sa.select(Agency.id, Agency.partnership_id, Partnership.name, Agency.partnership_id,
                     sa.cast(Agency.sector, text), sa.cast(sa.null(), text)).join(
        Partnership, Partnership.id == Agency.partnership_id)


# ---------------------------------------------------------------------------------------------- the search

@dataclass
class Result:
    """One record found: what it is, where its link goes, its heading and a snippet with the matches marked."""

    kind: Kind
    id: int
    heading: Markup
    snippet: Markup
    endpoint: str
    values: dict
    partnership: str
    notes: list = field(default_factory=list)


@dataclass
class Results:
    query: Query
    #: kind key -> how many of that kind the person may open; every kind, whatever the filter
    counts: dict
    kind: Kind | None
    page: "ResultPage"

    @property
    def total(self):
        return sum(self.counts.values())


class ResultPage(Pagination):
    """A page of results, as the pagination macro reads it."""

    def _query_items(self):
        return self._query_args["items"]

    def _query_count(self):
        return self._query_args["total"]


def search(user, query, kind=None, page=1, per_page=PER_PAGE):
    """The records this person may open that match `query` (a Query, or text to parse), best first; `kind` (a key
    of KINDS) narrows the page to one kind, while the counts stay those of every kind. Two statements: the matches
    are found once and both counted and ranked; then the page's records are read with their matches marked."""
    if isinstance(query, str):
        query = parse_query(query)
    engine = index.for_dialect(db.session.get_bind().dialect.name)
    engine.prepare(db.session)
    order = list(KIND_BY_KEY)
    arms = [select.add_columns(sa.literal(order.index(key)).label("kind"))
            for key in order for select in _found(key, user, engine, query)]
    found = sa.union_all(*arms).cte("found").prefix_with("MATERIALIZED")
    chosen = [order.index(kind)] if kind in KIND_BY_KEY else list(range(len(order)))
    ranked = sa.select(found.c.kind, found.c.id, found.c.score).where(found.c.kind.in_(chosen)).order_by(
        found.c.score.desc(), found.c.kind, found.c.id.desc()).limit(per_page).offset((page - 1) * per_page) \
        .subquery()
    rows = db.session.execute(sa.union_all(
        sa.select(found.c.kind, sa.cast(sa.null(), sa.Integer).label("id"), sa.func.count().label("n"),
                  sa.cast(sa.null(), sa.Float).label("score")).group_by(found.c.kind),
        sa.select(ranked.c.kind, ranked.c.id, sa.cast(sa.null(), sa.Integer), ranked.c.score))).all()
    counts = dict.fromkeys(order, 0) | {order[row.kind]: row.n for row in rows if row.id is None}
    on_page = sorted((row for row in rows if row.id is not None), key=lambda row: (-row.score, row.kind, -row.id))
    partnerships = None if permissions.can(user, "manage") else permissions.partnership_ids(user)
    items = _results([(order[row.kind], row.id) for row in on_page], engine, query, partnerships)
    total = sum(counts[order[k]] for k in chosen)
    return Results(query=query, counts=counts, kind=KIND_BY_KEY.get(kind),
                   page=ResultPage(page=page, per_page=per_page, max_per_page=None, error_out=False, items=items,
                                   total=total))


def _results(found, engine, query, partnerships):
    """The page's records in rank order, read in one statement with their text marked."""
    if not found:
        return []
    keys = list(dict.fromkeys(key for key, _id in found))
    width = max(len(index.INDEXED[key]) for key in keys)
    arms = []
    for key in keys:
        table, ids = TABLES[key], [record_id for k, record_id in found if k == key]
        select, marked = engine.highlighted(_shown(key).where(table.c.id.in_(ids)), table, query, ids,
                                            partnerships)
        padding = [sa.cast(sa.null(), sa.String)] * (width - len(marked))
        arms.append(select.add_columns(sa.literal(key).label("kind"), *marked, *padding))
    rows = db.session.execute(sa.union_all(*arms) if len(arms) > 1 else arms[0]).all()
    by_key = {(row[6], row[0]): row for row in rows}
    return [_result(key, by_key[key, record_id]) for key, record_id in found if (key, record_id) in by_key]


def _result(key, row):
    record_id, partnership_id, partnership, link_id, note, note2, _key, *texts = row
    kind = KIND_BY_KEY[key]
    if key == "action":
        title, outcome, measure = texts[:3]
        parts = [(label, text) for label, text in ((gettext("Outcome"), outcome), (gettext("Measure"), measure))
                 if index.START in text]
        return Result(kind, record_id, marked(title), _joined(parts), "actions.show_action",
                      {"action_id": record_id}, partnership, [ActionStatus(note).label])
    if key == "recommendation":
        text, external_body = texts[:2]
        parts = [(None, text)] + ([(gettext("For"), external_body)] if index.START in external_body else [])
        heading = gettext("Recommendation %(number)s of %(review)s", number=note, review=note2)
        return Result(kind, record_id, escape(heading), _joined(parts),
                      "reviews.show_review", {"review_id": link_id}, partnership)
    if key == "review":
        reference, pseudonyms = texts[:2]
        return Result(kind, record_id, marked(reference), _joined([(gettext("Pseudonym"), pseudonyms)]),
                      "reviews.show_review", {"review_id": record_id}, partnership, [ReviewStatus(note).label])
    if key == "finding":
        values = {"benchmark_id": link_id} | ({"_anchor": f"component-{note}"} if note else {})
        return Result(kind, record_id, marked(cropped(texts[0])), Markup(""), "benchmarks.show_benchmark", values,
                      partnership, [note2 or gettext("Overall key issue")])
    return Result(kind, record_id, marked(texts[0]), Markup(""), "partnerships.show_partnership",
                  {"partnership_id": link_id}, partnership, [Sector(note).label])


# ---------------------------------------------------------------------------------------------- marking matches

def cropped(text):
    """A long text cut to the words around its first match (or its opening words), with "…" where cut."""
    words = text.split()
    if len(words) <= WHOLE_WORDS:
        return " ".join(words)
    first = next((n for n, word in enumerate(words) if index.START in word), 0)
    start = max(0, first - CONTEXT_WORDS) if first else 0
    end = min(len(words), start + 2 * CONTEXT_WORDS + 1)
    return ("… " if start else "") + " ".join(words[start:end]) + (" …" if end < len(words) else "")


def marked(text):
    """The record's text made safe for HTML, then its matched words put in <mark>: what the record says is never
    markup, whatever it contains."""
    safe = str(escape(text or ""))
    safe = re.sub(f"{index.START}([^{index.START}{index.END}]*){index.END}", r"<mark>\1</mark>", safe)
    # bandit B704: the text was escaped above; only the <mark> tags added here are markup
    return Markup(safe.replace(index.START, "").replace(index.END, ""))  # nosec B704


def _joined(parts):
    """Labelled texts (the label may be None) as one snippet, each cropped and marked."""
    shown = [Markup("{}: ").format(label) + marked(cropped(text)) if label else marked(cropped(text))
             for label, text in parts if text]
    return Markup(" · ").join(shown)
