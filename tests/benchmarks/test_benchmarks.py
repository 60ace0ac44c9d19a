"""Benchmarks: the Milton Keynes example end to end, reference statistics, comparisons and refusals."""
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
from tracker.actions.models import Action
from tracker.benchmarks import services
from tracker.benchmarks.models import Benchmark, Finding, Framework
from tracker.extensions import db

SHARED = ROOT.parent / "shared" / "data"
MK = json.loads((SHARED / "milton-keynes-2012-benchmark.json").read_text())


@pytest.fixture
def reference(app):
    with app.app_context():
        services.load_frameworks()
        services.load_reference_scores(SHARED / "isoe-2013-anonymised-partnership-scores.csv")


@pytest.fixture
def setting(app, make, as_user, reference):
    p = make.partnership(name="Milton Keynes")
    coordinator = make.member(p, "coordinator")
    return dict(p=p, coordinator=as_user(coordinator), coordinator_user=coordinator)


def _import(browser, partnership, data):
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return browser.upload(f"/partnerships/{partnership.id}/benchmarks/import",
                          {"file": (io.BytesIO(raw), "benchmark.json")})


def _benchmarks(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Benchmark))


def test_importing_the_milton_keynes_file_gives_its_scores_and_key_issues(app, setting):
    response = _import(setting["coordinator"], setting["p"], MK)
    assert response.status_code == 302, text(response)[:500]
    with app.app_context():
        benchmark = services.load_benchmark(db.session.scalar(sa.select(Benchmark.id)))
        assert benchmark.overall_score == Decimal("2")
        scores = {s.component.key: s.score for s in benchmark.scores}
        assert len(scores) == 12
        assert scores == {c["component"]: Decimal(str(c["score"])) for c in MK["components"]}
        for component in MK["components"]:
            assert [f.text for f in benchmark.findings if f.component and f.component.key == component["component"]] \
                == component["key_issues"]
        assert [f.text for f in benchmark.findings if f.component_id is None] == MK["overall"]["key_issues"]
        rows, _previous, _overall = services.picture(benchmark)
        [lowest] = services.lowest(rows)
        assert (lowest.component.key, lowest.score, lowest.is_below_mean) == ("strategy", Decimal("1"), True)

    page = setting["coordinator"].get(response.headers["Location"])
    body = page.get_data(as_text=True)
    assert "lowest: Strategy" in text(page)
    # the chart's description
    assert "Strategy: 1, reference mean 2.1, median 2, lowest 1, highest 4, below the reference mean." in text(page)
    assert "▼ below reference mean" in body


def test_an_action_from_lack_of_a_clear_vision_links_to_shared_objective(app, setting, make):
    _import(setting["coordinator"], setting["p"], MK)
    with app.app_context():
        finding = db.session.scalar(sa.select(Finding).where(Finding.text == "Lack of a clear vision"))
        finding_id = finding.id
    form = setting["coordinator"].get(f"/findings/{finding_id}/actions/new")
    assert re.search(r'<option (selected value="shared_objective"|value="shared_objective" selected)',
                     form.get_data(as_text=True))
    response = setting["coordinator"].post(f"/findings/{finding_id}/actions/new", {
        "title": "Agree a shared vision for the partnership", "component": "shared_objective",
        "outcome": "", "measure": "", "deadline": "", "estimated_cost": "", "lead_agency_id": "", "owner_id": ""})
    assert response.status_code == 302
    with app.app_context():
        action = db.session.scalar(sa.select(Action))
        assert (action.finding_id, action.component, action.source.value) == (finding_id, "shared_objective",
                                                                              "benchmark")
    page = text(setting["coordinator"].get(f"/benchmarks/{_first_benchmark(app)}"))
    assert "Agree a shared vision for the partnership" in page


def _first_benchmark(app):
    with app.app_context():
        return db.session.scalar(sa.select(Benchmark.id))


def _quartiles_by_hand(values):
    """Linear interpolation between order statistics at (n - 1) * p: computed without the service's code."""
    values = sorted(values)

    def at(p):
        position = (len(values) - 1) * p
        low = int(position)
        high = min(low + 1, len(values) - 1)
        return values[low] + (values[high] - values[low]) * (position - low)

    return at(0.25), at(0.5), at(0.75)


def test_reference_statistics_match_the_csv(app, reference):
    with open(SHARED / "isoe-2013-anonymised-partnership-scores.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 39
    with app.app_context():
        framework = db.session.scalar(sa.select(Framework).where(Framework.key == "isoe-2013"))
        stats = services.reference_statistics(framework)
        for component in framework.components:
            values = [float(row[component.key]) for row in rows]
            q1, median, q3 = _quartiles_by_hand(values)
            got = stats[component.id]
            assert got.n == 39
            assert got.mean == pytest.approx(sum(values) / 39)
            assert (got.q1, got.median, got.q3) == pytest.approx((q1, median, q3))
        overall = [float(row["overall"]) for row in rows]
        assert stats[None].mean == pytest.approx(sum(overall) / 39)


def test_the_milton_keynes_position_among_the_reference_partnerships(app, setting):
    """Its total of 29 shares the place of the guide's partnerships on 29: "14=" (Appendix 1)."""
    _import(setting["coordinator"], setting["p"], MK)
    mk_total = MK["overall"]["score"] + sum(c["score"] for c in MK["components"])
    with app.app_context():
        position = services.position_of(services.load_benchmark(_first_benchmark(app)))
    assert (float(position.total), position.place, position.out_of, position.label) == (mk_total, "14=", 39,
                                                                                        "14= of 39")
    assert "14= place among the 39 reference partnerships (total 29)" in text(
        setting["coordinator"].get(f"/benchmarks/{_first_benchmark(app)}"))


def test_a_second_benchmark_shows_the_change_per_component(app, setting):
    _import(setting["coordinator"], setting["p"], MK)
    later = copy.deepcopy(MK)
    later["review_dates"] = {"start": "2015-03-02", "end": "2015-03-04"}
    for component in later["components"]:
        if component["component"] == "strategy":
            component["score"] = 3
        if component["component"] == "training":
            component["score"] = 2.5
    response = _import(setting["coordinator"], setting["p"], later)
    with app.app_context():
        rows, previous, _ = services.picture(services.load_benchmark(int(response.headers["Location"].split("/")[-1])))
        changes = {row.component.key: row.change for row in rows}
    assert previous is not None
    assert changes["strategy"] == Decimal("2") and changes["training"] == Decimal("-0.5")
    assert changes["data"] == 0
    page = text(setting["coordinator"].get(response.headers["Location"]))
    assert "+2" in page and "-0.5" in page and "Benchmark of July 2012" in page


def _with(change):
    data = copy.deepcopy(MK)
    change(data)
    return data


@pytest.mark.parametrize("data, message", [
    (b'{"framework": "isoe-2013", "components": [', "The file is not valid JSON (line 1"),
    (_with(lambda d: d["components"][2].update(score=5)), "component ‘strategy’: the score 5 is not one of 1"),
    (_with(lambda d: d["components"][2].update(score=0)), "component ‘strategy’: the score 0 is not one of"),
    (_with(lambda d: d["overall"].update(score=4.25)), "the overall score: the score 4.25 is not one of"),
    (_with(lambda d: d["components"][0].update(component="teamwork")), "unknown component ‘teamwork’"),
    (_with(lambda d: d.update(framework="isoe-2099")), "Unknown framework ‘isoe-2099’: use isoe-2013 or isoe-2020"),
    (_with(lambda d: d["components"].pop()), "Missing components: survivors_voices"),
    (_with(lambda d: d["review_dates"].update(start="July 2012")), "review_dates.start ‘July 2012’ is not a date"),
    (b"\xff\xfe not utf8", "The file must be UTF-8 text"),
    (_with(lambda d: d.update(reviewer="R" * 201)), "The reviewer must be 200 characters or fewer"),
])
def test_bad_benchmark_files_are_refused_and_save_nothing(app, setting, data, message):
    response = _import(setting["coordinator"], setting["p"], data)
    assert response.status_code == 200
    assert 'id="file-error"' in response.get_data(as_text=True)
    assert message in text(response)
    assert _benchmarks(app) == 0


def test_recording_a_benchmark_by_hand_one_component_a_page(app, setting):
    with app.app_context():
        framework = db.session.scalar(sa.select(Framework).where(Framework.key == "isoe-2020"))
        framework_id, component = framework.id, framework.components[0]
        component_id = component.id
    coordinator = setting["coordinator"]
    response = coordinator.post(f"/partnerships/{setting['p'].id}/benchmarks/new", {
        "framework_id": str(framework_id), "started_on": "2/3/2026", "ended_on": "", "reviewer": "SafeLives",
        "overall_score": "2.5", "overall_commentary": "", "key_issues": "A strong core\nWeak data sharing"})
    assert response.status_code == 302
    url = response.headers["Location"]
    benchmark_id = int(url.split("/")[-1])
    page = coordinator.post(f"/benchmarks/{benchmark_id}/components/{component_id}", {
        "score": "5", "commentary": "", "key_issues": ""})
    assert "Choose a score from 1 to 4" in text(page)
    coordinator.post(f"/benchmarks/{benchmark_id}/components/{component_id}", {
        "score": "1.5", "commentary": "Survivors are rarely consulted", "key_issues": "No survivor forum\n"})
    with app.app_context():
        benchmark = services.load_benchmark(benchmark_id)
        assert len(benchmark.scores) == 12
        entry = next(s for s in benchmark.scores if s.component_id == component_id)
        assert (entry.score, entry.commentary) == (Decimal("1.5"), "Survivors are rarely consulted")
        assert sorted(f.text for f in benchmark.findings) == ["A strong core", "No survivor forum",
                                                              "Weak data sharing"]


def test_a_strength_is_marked_as_needing_no_action_with_a_reason(app, setting):
    _import(setting["coordinator"], setting["p"], MK)
    with app.app_context():
        finding_id = db.session.scalar(sa.select(Finding.id).where(Finding.text == "Clear structure"))
    refused = setting["coordinator"].post(f"/findings/{finding_id}/no-action", {"reason": ""})
    assert "Say why no action is needed" in text(refused)
    setting["coordinator"].post(f"/findings/{finding_id}/no-action", {"reason": "A strength to keep"})
    with app.app_context():
        finding = db.session.get(Finding, finding_id)
        assert finding.is_no_action_needed and finding.no_action_reason == "A strength to keep"


@pytest.mark.parametrize("role, can_edit", [("strategic_member", False), ("viewer", False),
                                            ("agency_lead", False), ("coordinator", True)])
def test_only_coordinators_edit_while_members_read(app, setting, make, as_user, role, can_edit):
    _import(setting["coordinator"], setting["p"], MK)
    benchmark_id = _first_benchmark(app)
    person = make.member(setting["p"], role, agency=make.agency(setting["p"]) if role == "agency_lead" else None)
    browser = as_user(person)
    assert browser.get(f"/benchmarks/{benchmark_id}").status_code == 200
    assert (browser.get(f"/benchmarks/{benchmark_id}/edit").status_code == 200) is can_edit
    assert (browser.get(f"/partnerships/{setting['p'].id}/benchmarks/import").status_code == 200) is can_edit
    outsider = as_user(make.member(make.partnership(), "coordinator"))
    assert outsider.get(f"/benchmarks/{benchmark_id}").status_code == 403
