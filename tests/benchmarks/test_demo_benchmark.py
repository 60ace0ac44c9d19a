"""The demo's benchmark: Milton Keynes' real 2012 scores and key issues, the report's strengths needing no action, and
the reviewer's commentary for each component summarised in the tracker's own words."""
import json
import re

import sqlalchemy as sa

from tracker import ROOT
from tracker.benchmarks import services
from tracker.benchmarks.models import Benchmark
from tracker.enums import DeliveryState
from tracker.extensions import db

MK = json.loads((ROOT.parent / "shared" / "data" / "milton-keynes-2012-benchmark.json").read_text())
REPORT = (ROOT.parent / "shared" / "seeds" / "004_8c4e0e2a8a6116b5.txt").read_text(encoding="utf-8")
DEMO = json.loads((services.DATA / "milton-keynes-2012-demo.json").read_text(encoding="utf-8"))


def _words(text):
    return re.findall(r"[a-z0-9']+", text.lower())


def test_the_demo_benchmark_carries_the_report_in_its_own_words(app):
    result = app.test_cli_runner().invoke(args=["tracker", "demo", "--password", "demo-password-for-test"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        [benchmark_id] = db.session.scalars(sa.select(Benchmark.id)).all()
        benchmark = services.load_benchmark(benchmark_id)
        assert {s.component.key: float(s.score) for s in benchmark.scores} == {
            c["component"]: c["score"] for c in MK["components"]}
        assert sorted(f.text for f in benchmark.findings) == sorted(
            MK["overall"]["key_issues"] + [i for c in MK["components"] for i in c["key_issues"]])
        commentary = {s.component.key: s.commentary for s in benchmark.scores}
        assert all(len(text.split("\n\n")) >= 2 for text in commentary.values()), commentary
        assert benchmark.overall_commentary.startswith("The reviewer found")
        strengths = {f.text: f.no_action_reason for f in benchmark.findings if f.is_no_action_needed}
        answered = [f for f in benchmark.findings if services.finding_state(f) not in (None,
                                                                                      DeliveryState.NO_ACTION)]
        assert len(services.without_action(benchmark)) == 44 - len(strengths) - len(answered)
    assert strengths == DEMO["strengths"]
    assert {"Clear structure", "Excellent commissioned service", "Outstanding refuge facilities",
            "LSCB training highly regarded", "Importance of role recognised and functioning well"} <= set(strengths)
    # no sentence of the report copied: no run of eight words of any commentary is the report's
    report = _words(REPORT)
    runs = {tuple(report[n:n + 8]) for n in range(len(report) - 7)}
    for text in [benchmark.overall_commentary, *commentary.values()]:
        words = _words(text)
        copied = [" ".join(words[n:n + 8]) for n in range(len(words) - 7) if tuple(words[n:n + 8]) in runs]
        assert copied == [], copied
