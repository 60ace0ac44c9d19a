"""The frameworks as the guides define them: for every component, one question in the app for each key question the
guide lists, read from the guides themselves (../shared/seeds) each time the tests run."""
import html
import json
import re

import pytest
import sqlalchemy as sa

from tracker import ROOT
from tracker.benchmarks import services
from tracker.benchmarks.models import Component, Framework
from tracker.extensions import db

SEEDS = ROOT.parent / "shared" / "seeds"
GUIDE_2013 = SEEDS / "000_96a647850ae83240.txt"
SUMMARY_2020 = SEEDS / "001_62b8dcea0ae5763d.txt"
#: rows of the 2020 summary's table that are not CCR components (its DHR section has key questions of its own)
NOT_COMPONENTS_2020 = {"Domestic Homicide Reviews"}


def _plain(cell):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())


def key_questions_2013():
    """{component heading: {number: question}} from "The key questions:" of each of the guide's twelve components
    (its DHR chapter, before the components begin, has key questions too)."""
    lines = GUIDE_2013.read_text(encoding="utf-8").splitlines()
    start = lines.index("The Components of Excellent Partnerships")
    components = {}
    for at, line in enumerate(lines[start:], start=start):
        if line.strip() != "The key questions:":
            continue
        heading = [above for above in lines[start:at] if above.strip()][-2].strip()  # then the strapline
        questions = {}
        for below in lines[at + 1:]:
            numbered = re.match(r"^- (\d+)\) (.+)$", below.strip())
            if numbered:
                questions[int(numbered[1])] = numbered[2]
            elif below.strip() and questions:
                break
        components[heading] = questions
    return components


def key_questions_2020():
    """{component: {number: question}} from the summary's table "CCR component key questions and recommendations at
    a glance": a row whose first cell is empty carries on the component above it over a page break."""
    lines = SUMMARY_2020.read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("CCR component\tKey questions"))
    components, current = {}, None
    for line in lines[start + 1:]:
        if line.startswith("STANDING TOGETHER"):
            break
        cells = line.split("\t")
        if len(cells) < 2:
            continue
        name = _plain(cells[0])
        if name and not name.startswith("-"):
            current = components.setdefault(name, {})
        for number, question in re.findall(r"(?:^|\s)(\d+)\.\s+(.+?)(?=\s+\d+\.\s|$)", _plain(cells[1])):
            current[int(number)] = question
    return {name: questions for name, questions in components.items() if name not in NOT_COMPONENTS_2020}


def _framework(key):
    return next(f for f in services.framework_data()["frameworks"] if f["key"] == key)


def mismatches(framework, seed):
    """What keeps a framework from asking exactly the guide's key questions: a component the guide does not have
    or has not, a count that differs, a key question asked twice or not at all, a question copied word for word."""
    problems = []
    if sorted(c["seed"] for c in framework["components"]) != sorted(seed):
        problems.append(f"components {sorted(c['seed'] for c in framework['components'])} != {sorted(seed)}")
    for component in framework["components"]:
        questions = seed.get(component["seed"], {})
        asked = sorted(q["seed"] for q in component["questions"])
        if len(component["questions"]) != len(questions):
            problems.append(f"{component['key']}: {len(component['questions'])} questions, the guide has "
                            f"{len(questions)}")
        if asked != sorted(questions):
            problems.append(f"{component['key']}: asks the guide's questions {asked}, not {sorted(questions)}")
        problems += [f"{component['key']}: copied {q['text']!r}" for q in component["questions"]
                     if q["text"] == questions.get(q["seed"])]
    return problems


@pytest.mark.parametrize("key, read", [("isoe-2013", key_questions_2013), ("isoe-2020", key_questions_2020)])
def test_each_component_asks_each_key_question_of_the_guide_once(key, read):
    seed = read()
    assert len(seed) == 12 and all(seed.values()), seed
    assert all(sorted(questions) == list(range(1, len(questions) + 1)) for questions in seed.values()), seed
    assert mismatches(_framework(key), seed) == []
    assert all(q["text"].endswith("?") for c in _framework(key)["components"] for q in c["questions"])


def test_the_guides_give_the_counts_the_issue_measured():
    """The 2020 summary's questions as its table lists them, its page breaks mended: structure and governance and
    training carry a third question over the break."""
    counts = {name: len(questions) for name, questions in key_questions_2020().items()}
    assert counts["Strategy and leadership"] == 5 and counts["Resources"] == 4
    assert counts["Structure and governance"] == 3 and counts["Training"] == 3
    assert "How is the learning from DHRs embedded in your local strategy?" in \
        key_questions_2020()["Strategy and leadership"].values()
    assert {name: len(q) for name, q in key_questions_2013().items()}["Structure and Governance"] == 4


def test_a_component_with_a_question_too_many_or_too_few_fails():
    """The check itself: a framework that drops, repeats or copies a question does not match the guide."""
    seed = key_questions_2020()
    for change, expected in [
        (lambda questions: questions.pop(), "resources: 3 questions, the guide has 4"),
        (lambda questions: questions.append(dict(questions[0])), "resources: 5 questions, the guide has 4"),
        (lambda questions: questions[1].update(seed=1), "resources: asks the guide's questions [1, 1, 3, 4]"),
        (lambda questions: questions[0].update(text=seed["Resources"][1]), "resources: copied"),
    ]:
        framework = json.loads(json.dumps(_framework("isoe-2020")))
        change(next(c for c in framework["components"] if c["key"] == "resources")["questions"])
        assert any(problem.startswith(expected) for problem in mismatches(framework, seed)), expected


def test_loading_the_frameworks_again_brings_an_existing_database_up_to_date(app):
    with app.app_context():
        services.load_frameworks()
        component = db.session.scalar(sa.select(Component).join(Framework).where(
            Framework.key == "isoe-2020", Component.key == "structure"))
        component.questions = ["An old question?", "Another?", "A third?", "A fourth?"]
        db.session.commit()
        assert services.load_frameworks() == 2
        db.session.refresh(component)
        assert component.questions == [q["text"] for q in next(
            c for c in _framework("isoe-2020")["components"] if c["key"] == "structure")["questions"]]
        counts = {c.key: len(c.questions) for c in db.session.scalars(
            sa.select(Component).join(Framework).where(Framework.key == "isoe-2020"))}
        assert counts == {name: len(questions) for name, questions in (
            (c["key"], seed) for c in _framework("isoe-2020")["components"]
            for seed in [key_questions_2020()[c["seed"]]])}


def test_the_component_page_lists_the_guide_questions(app, make, as_user):
    with app.app_context():
        services.load_frameworks()
        framework = db.session.scalar(sa.select(Framework).where(Framework.key == "isoe-2020"))
        strategy = next(c for c in framework.components if c.key == "strategy")
        framework_id, strategy_id = framework.id, strategy.id
    p = make.partnership()
    coordinator = as_user(make.member(p, "coordinator"))
    response = coordinator.post(f"/partnerships/{p.id}/benchmarks/new", {
        "framework_id": str(framework_id), "started_on": "2/3/2026", "ended_on": "", "reviewer": "",
        "overall_score": "", "overall_commentary": "", "key_issues": ""})
    page = coordinator.get(f"{response.headers['Location']}/components/{strategy_id}").get_data(as_text=True)
    questions = re.findall(r"<li>([^<]+\?)</li>", page)
    assert len(questions) == 5
    assert "How does the local strategy take in what Domestic Homicide Reviews have taught?" in \
        [html.unescape(q) for q in questions]


def test_the_correspondence_names_real_components():
    """Each 2020 component that carries on 2013 components names components both frameworks have."""
    data = json.loads((services.DATA / "correspondence.json").read_text(encoding="utf-8"))
    keys = {f["key"]: {c["key"] for c in f["components"]} for f in services.framework_data()["frameworks"]}
    for later, spec in data.items():
        if later == "about":
            continue
        assert set(spec["components"]) <= keys[later]
        assert {k for earlier in spec["components"].values() for k in earlier} <= keys[spec["earlier"]]
