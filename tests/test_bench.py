"""The benchmark scripts stay runnable as the code they measure changes (a script that no longer runs leaves a
stale table in bench/README.md): each one loads against the current code, and the page benchmark runs end to end
on a small database, checking its own statement counts."""
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.parametrize("script", sorted(path.name for path in BENCH.glob("*.py")))
def test_each_bench_script_loads_against_the_current_code(script, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    names = runpy.run_path(str(BENCH / script), run_name="bench_check")
    assert callable(names.get("main")) or script == "baselines.py"


def test_the_page_bench_measures_pages_on_a_small_database(tmp_path):
    finished = subprocess.run(
        [sys.executable, str(BENCH / "pages.py"), "--scales", "small", "--requests", "2",
         "--pages", "home,action list,progress report"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert finished.returncode == 0, finished.stderr[-3000:]
    rows = [line for line in finished.stdout.splitlines() if line.startswith("| typical | coordinator |")]
    assert [row.split(" | ")[2] for row in rows] == ["home", "action list", "progress report"]
