"""The benchmark as the guides wrote it: places as Appendix 1 gives them, half points, the reference spread, every
key issue counted, the reviewer's commentary, and a 2020 benchmark compared with the 2013 one before it."""
import copy
import csv
import io
import json
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.conftest import text
from tracker import ROOT
from tracker.benchmarks import services
from tracker.benchmarks.models import ComponentScore, Finding, Framework
from tracker.extensions import db

SEEDS = ROOT.parent / "shared" / "seeds"
SHARED = ROOT.parent / "shared" / "data"
MK = json.loads((SHARED / "milton-keynes-2012-benchmark.json").read_text())
COMPONENTS_2013 = ["shared_objective", "structure", "strategy", "representation", "resources", "coordination",
                   "training", "data", "policies", "specialist_services", "diversity", "survivors_voices"]


def appendix_1():
    """{label: (the 13 scores: overall then the 12 components, printed total, printed position)} from the 2013
    guide's Appendix 1, read at test time."""
    lines = (SEEDS / "000_96a647850ae83240.txt").read_text(encoding="utf-8").splitlines()
    start = lines.index("Anonymised Partnership Scores")
    rows = {}
    for line in lines[start:]:
        if line.startswith("Av."):
            break
        row = re.match(r"^\(([A-Z]+)\)\t(.*)$", line)
        if row:
            cells = row[2].split("\t")
            rows[row[1]] = ([Decimal(c) for c in cells[:13]], Decimal(cells[13]), cells[15].strip() if
                            len(cells) > 15 else "")
    return rows


@pytest.fixture
def reference(app):
    with app.app_context():
        services.load_frameworks()
        services.load_reference_scores()


@pytest.fixture
def setting(app, make, as_user, reference):
    p = make.partnership(name="Milton Keynes")
    coordinator = make.member(p, "coordinator")
    return dict(p=p, coordinator=as_user(coordinator))


def _import(browser, partnership, data):
    response = browser.upload(f"/partnerships/{partnership.id}/benchmarks/import",
                              {"file": (io.BytesIO(json.dumps(data).encode()), "benchmark.json")})
    assert response.status_code == 302, text(response)[:400]
    return int(response.headers["Location"].split("/")[-1])


# Places as Appendix 1 gives them


def test_the_reference_the_app_loads_is_appendix_1(app, reference):
    guide = appendix_1()
    assert len(guide) == 39
    with open(services.REFERENCE_CSV, newline="", encoding="utf-8") as handle:
        loaded = {row["partnership"]: [Decimal(row[k]) for k in ["overall", *COMPONENTS_2013]]
                  for row in csv.DictReader(handle)}
    assert loaded == {label: scores for label, (scores, _total, _place) in guide.items()}
    # the guide's total is the overall score and the twelve component scores added up
    assert all(sum(scores) == total for scores, total, _place in guide.values())


def test_every_place_in_appendix_1_is_reproduced(app, reference):
    """Each reference partnership placed among the other 38, from the scores the app loads, as the guide placed it:
    equal totals share a place ("14=") and the next lower total takes the next place.

    The guide departs from its own rule once: it gives M, whose 28.5 no other partnership has, "15=" with the
    partnerships on 28, and counts every place below from there (28 is "15=", 27.5 is 16 ... 19 is 22). By the
    rule, 28.5 is 15th alone and each lower total one place further down; AM, on 25.5 like C and AA, has no place
    printed. The test holds the app to every printed place above M and to the rule's place, one lower than printed,
    from M down."""
    guide = appendix_1()
    with app.app_context():
        framework = services.framework_by_key("isoe-2013")
        totals = dict(services.reference_totals(framework))
    assert {label: Decimal(total) for label, total in totals.items()} == {k: t for k, (_s, t, _p) in guide.items()}
    erratum = Decimal("28.5")
    for label, (_scores, total, printed) in guide.items():
        others = [t for other, t in totals.items() if other != label]
        rank, is_tied = services.place_among(totals[label], others)
        place = f"{rank}{'=' if is_tied else ''}"
        if total > erratum:
            assert place == printed, (label, total, place, printed)
        elif total == erratum:
            assert (place, printed) == ("15", "15="), label
        elif printed:
            assert place == f"{int(printed.rstrip('=')) + 1}{'=' if printed.endswith('=') else ''}", (label, place)
        else:
            assert (label, place) == ("AM", "19="), "AM shares C's and AA's place"
    assert services.place_among(Decimal(29), totals.values()) == (14, True)  # "a total of 29 is 14="
    assert services.place_among(Decimal(50), totals.values()) == (1, False)
    assert services.place_among(Decimal("43.5"), totals.values()) == (3, False)


def test_a_benchmark_is_placed_out_of_the_reference_set_with_a_translated_label(app, setting):
    benchmark_id = _import(setting["coordinator"], setting["p"], MK)
    with app.app_context():
        position = services.position_of(services.load_benchmark(benchmark_id))
        assert (position.rank, position.is_tied, position.out_of) == (14, True, 39)
        assert position.label == "14= of 39"
    source = (ROOT / "tracker" / "benchmarks" / "services.py").read_text(encoding="utf-8")
    assert 'gettext("%(place)s of %(num)d"' in source  # the label goes through the catalogue, so Welsh can order it


# Half points, the reference spread, above and below the mean


@pytest.mark.parametrize("score, meaning", [
    ("1", "poor"), ("2", "satisfactory"), ("2.5", "between satisfactory and good"),
    ("3.5", "between good and excellent"), ("4", "excellent"), ("1.5", "between poor and satisfactory")])
def test_a_half_point_is_labelled_as_lying_between_two_words(app, score, meaning):
    with app.test_request_context():
        assert str(services.score_meaning(Decimal(score))) == meaning
        assert services.described_score(Decimal(score)) == f"{score}, {meaning}"


def test_half_points_on_the_page_and_in_the_score_lists(app, setting):
    data = copy.deepcopy(MK)
    data["overall"]["score"] = 2.5
    data["components"][0]["score"] = 3.5
    benchmark_id = _import(setting["coordinator"], setting["p"], data)
    page = text(setting["coordinator"].get(f"/benchmarks/{benchmark_id}"))
    assert "2.5 overall score (between satisfactory and good)" in page
    assert "1. Shared objective: 3.5, between good and excellent" in page
    assert "(satisfactory)" not in page.split("overall score")[1][:40]
    with app.app_context():
        component_id = db.session.scalar(sa.select(ComponentScore.component_id).where(
            ComponentScore.benchmark_id == benchmark_id).limit(1))
    form = setting["coordinator"].get(f"/benchmarks/{benchmark_id}/components/{component_id}").get_data(as_text=True)
    assert ">2.5 (between satisfactory and good)</option>" in form and ">3 (good)</option>" in form


def test_above_or_below_the_mean_only_a_quarter_point_away(app):
    stats = services.describe([2, 2, 2, 2.12])  # a mean of 2.03
    assert services.compared_with_mean(Decimal(2), stats) == 0
    assert services.compared_with_mean(Decimal("1.5"), stats) == -1
    assert services.compared_with_mean(Decimal("2.5"), stats) == 1
    exact = services.describe([2, 2.5])  # 2.25: a quarter point either side counts
    assert services.compared_with_mean(Decimal(2), exact) == -1
    assert services.compared_with_mean(Decimal("2.5"), exact) == 1
    assert services.compared_with_mean(None, stats) == 0 and services.compared_with_mean(Decimal(1), None) == 0


def test_the_spread_has_median_lowest_and_highest(app, setting):
    stats = services.describe([1, 2, 2, 3, 4])
    assert (stats.mean, stats.median, stats.minimum, stats.maximum) == (2.4, 2, 1, 4)
    data = copy.deepcopy(MK)
    for component in data["components"]:
        if component["component"] == "specialist_services":
            component["score"] = 3.5  # the reference mean is 2.82
    benchmark_id = _import(setting["coordinator"], setting["p"], data)
    page = setting["coordinator"].get(f"/benchmarks/{benchmark_id}")
    body = text(page)
    assert "Reference mean Reference median Reference middle half Reference lowest to highest" in body
    # structure scores 2 against 2.17: not flagged; strategy 1 against 2.09 is below; specialist services above
    table = body[body.index("Component scores beside the reference partnerships Component"):]
    assert re.search(r"Structure 2 2\.17 2 2\.00 to 2\.25 1 to 4", table), table[:600]
    assert "Strategy Below the reference mean 1 2.09" in body
    assert "Specialist services Above the reference mean 3.5 2.82" in body
    assert "Specialist services: 3.5, reference mean 2.8, median 3, lowest 2, highest 4, above the reference mean." \
        in body
    assert "▲ above reference mean" in page.get_data(as_text=True)
    assert "Structure: 2, reference mean 2.2, median 2, lowest 1, highest 4." in body  # no flag at 2 against 2.17


# Every key issue counted, the overall ones too


def test_the_key_issues_without_action_include_the_overall_ones(app, setting, make):
    benchmark_id = _import(setting["coordinator"], setting["p"], MK)
    total = len(MK["overall"]["key_issues"]) + sum(len(c["key_issues"]) for c in MK["components"])
    assert total == 44  # 5 overall and 39 on components
    page = text(setting["coordinator"].get(f"/benchmarks/{benchmark_id}"))
    assert "44 key issues with no action yet" in page
    with app.app_context():
        finding = db.session.scalar(sa.select(Finding).where(Finding.text == "Partnership impetus lost"))
        finding_id = finding.id
    setting["coordinator"].post(f"/findings/{finding_id}/no-action", {"reason": "Answered by the new strategy"})
    assert "43 key issues with no action yet" in text(setting["coordinator"].get(f"/benchmarks/{benchmark_id}"))
    make.member(setting["p"], "strategic_member")
    report = text(setting["coordinator"].get(f"/partnerships/{setting['p'].id}/reports/progress"))
    # the overall row first: 5 key issues, 4 of them without action
    assert re.search(r"Benchmark components Component Score Key issues Without action Actions Actions done "
                     r"Overall 2 5 4 0 0 Shared objective 2 2 2 0 0", report)
    spreadsheet = setting["coordinator"].get(f"/partnerships/{setting['p'].id}/reports/progress.csv")
    rows = list(csv.reader(io.StringIO(spreadsheet.get_data(as_text=True).lstrip("\ufeff"))))
    assert ["Benchmark components", "Overall", "2", "5", "4", "0", "0"] in rows


# The reviewer's commentary, in and out


def test_commentary_goes_in_by_json_shows_on_the_page_and_comes_back_from_an_export(app, setting):
    data = copy.deepcopy(MK)
    data["overall"]["commentary"] = "Impetus has faded.\n\nThe potential is large."
    data["components"][2]["commentary"] = "The strategy has dated.\n\nWrite a short new one."
    benchmark_id = _import(setting["coordinator"], setting["p"], data)
    page = setting["coordinator"].get(f"/benchmarks/{benchmark_id}").get_data(as_text=True)
    assert '<p class="govuk-body">Impetus has faded.</p><p class="govuk-body">The potential is large.</p>' in page
    assert '<p class="govuk-body">The strategy has dated.</p><p class="govuk-body">Write a short new one.</p>' in page
    exported = setting["coordinator"].get(f"/benchmarks/{benchmark_id}/export.csv").get_data()
    with app.app_context():
        framework_id = db.session.scalar(sa.select(Framework.id).where(Framework.key == "isoe-2013"))
    again = setting["coordinator"].upload(f"/partnerships/{setting['p'].id}/benchmarks/import-spreadsheet", {
        "framework_id": str(framework_id), "started_on": "1/7/2014", "ended_on": "", "reviewer": "",
        "file": (io.BytesIO(exported), "export.csv")})
    assert again.status_code == 302, text(again)[:400]
    copy_id = int(again.headers["Location"].split("/")[-1])
    with app.app_context():
        first, second = services.load_benchmark(benchmark_id), services.load_benchmark(copy_id)
        assert second.overall_commentary == first.overall_commentary == data["overall"]["commentary"]
        assert {s.component.key: s.commentary for s in second.scores} == \
            {s.component.key: s.commentary for s in first.scores}
        assert next(s for s in second.scores if s.component.key == "strategy").commentary == \
            data["components"][2]["commentary"]


def test_commentary_is_entered_on_the_component_page(app, setting):
    benchmark_id = _import(setting["coordinator"], setting["p"], MK)
    with app.app_context():
        entry = db.session.scalar(sa.select(ComponentScore).where(ComponentScore.benchmark_id == benchmark_id)
                                  .limit(1))
        component_id, key_issues = entry.component_id, "\n".join(
            f.text for f in services.load_benchmark(benchmark_id).findings if f.component_id == entry.component_id)
    form = setting["coordinator"].get(f"/benchmarks/{benchmark_id}/components/{component_id}")
    assert "The reviewer's narrative on this component. Leave a blank line between paragraphs." in text(form)
    setting["coordinator"].post(f"/benchmarks/{benchmark_id}/components/{component_id}", {
        "score": "2", "commentary": "A clear wish to act.\r\n\r\nNo stated vision yet.", "key_issues": key_issues})
    page = setting["coordinator"].get(f"/benchmarks/{benchmark_id}").get_data(as_text=True)
    assert '<p class="govuk-body">A clear wish to act.</p><p class="govuk-body">No stated vision yet.</p>' in page


# A 2020 benchmark after a 2013 one


def _benchmark_2020(**scores):
    return {"framework": "isoe-2020", "review_dates": {"start": "2021-05-04", "end": "2021-05-06"},
            "reviewer": "Standing Together", "overall": {"score": 3, "key_issues": ["A renewed drive"]},
            "components": [{"component": key, "score": scores.get(key, 2), "key_issues": []} for key in (
                "survivor_voice", "intersectionality", "shared_objective", "structure", "strategy",
                "specialist_services", "representation", "resources", "coordination", "training", "data",
                "policies")]}


def test_a_2020_benchmark_is_compared_with_the_2013_one_on_corresponding_components(app, setting, make):
    first = _import(setting["coordinator"], setting["p"], MK)
    later = _import(setting["coordinator"], setting["p"], _benchmark_2020(strategy=3, survivor_voice=3.5))
    with app.app_context():
        benchmark = services.load_benchmark(later)
        rows, previous, _overall = services.picture(benchmark)
        assert previous.id == first
        changes = {row.component.key: (row.previous, row.change) for row in rows}
    assert changes["strategy"] == (Decimal(1), Decimal(2))
    assert changes["survivor_voice"] == (Decimal(2), Decimal("1.5"))  # from 2013's survivors' voices
    assert changes["intersectionality"] == (Decimal(2), Decimal(0))  # from 2013's diversity
    assert changes["resources"] == (Decimal(3), Decimal(-1))
    page = text(setting["coordinator"].get(f"/benchmarks/{later}"))
    assert "Benchmark of July 2012 , on the In Search of Excellence (2013) framework: its scores are compared only" \
           " on the components that carry on into this framework" in page, \
        page[page.index("Compared with"):][:300]
    assert "+2" in page and "+1.5" in page


def test_only_corresponding_components_are_compared(app, setting, monkeypatch):
    _import(setting["coordinator"], setting["p"], MK)
    later = _import(setting["coordinator"], setting["p"], _benchmark_2020())
    mapping = services.correspondence()
    earlier, components = mapping["isoe-2020"]
    trimmed = {k: v for k, v in components.items() if k != "intersectionality"}
    trimmed["structure"] = ["structure", "coordination"]  # one component carrying on two: their mean
    monkeypatch.setattr(services, "correspondence", lambda: {"isoe-2020": (earlier, trimmed)})
    with app.app_context():
        rows, _previous, _overall = services.picture(services.load_benchmark(later))
        previous = {row.component.key: row.previous for row in rows}
    assert previous["intersectionality"] is None
    assert previous["structure"] == Decimal("2.5")


def test_a_2013_benchmark_is_not_compared_with_a_later_2020_one(app, setting):
    _import(setting["coordinator"], setting["p"], _benchmark_2020())
    first = _import(setting["coordinator"], setting["p"], MK)
    with app.app_context():
        assert services.previous_of(services.load_benchmark(first)) is None


def test_a_new_benchmark_shows_what_became_of_the_previous_key_issues(app, setting, make):
    first = _import(setting["coordinator"], setting["p"], MK)
    with app.app_context():
        findings = {f.text: f.id for f in services.load_benchmark(first).findings}
    setting["coordinator"].post(f"/findings/{findings['Clear structure']}/no-action", {"reason": "A strength"})
    response = setting["coordinator"].post(f"/findings/{findings['Lack of a clear vision']}/actions/new", {
        "title": "Agree a shared vision for the partnership", "component": "shared_objective",
        "outcome": "", "measure": "", "deadline": "", "estimated_cost": "", "lead_agency_id": "", "owner_id": ""})
    assert response.status_code == 302
    later = _import(setting["coordinator"], setting["p"], _benchmark_2020())
    page = text(setting["coordinator"].get(f"/benchmarks/{later}"))
    section = page[page.index("What became of the key issues of the benchmark of July 2012"):]
    assert "44 key issues 1 needing no action 0 with every action completed or closed 1 with actions in progress " \
           "42 never acted on" in section
    assert "Clear structure No action needed A strength" in section
    assert "Lack of a clear vision In progress Agree a shared vision for the partnership" in section
    assert "Add an action for: Lack of a clear vision" not in section  # the earlier benchmark is read, not edited
    with app.app_context():
        assert services.fates(services.load_benchmark(first)) == dict(no_action_needed=1, no_action=42,
                                                                        in_progress=1, done=0)
    first_page = text(setting["coordinator"].get(f"/benchmarks/{first}"))
    assert "What became of the key issues" not in first_page
