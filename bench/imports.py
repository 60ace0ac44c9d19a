"""Importing a 5,000-row action plan workbook: time and peak Python memory of reading, previewing and saving it.

Builds (deterministically) a workbook of 5,000 action rows in the Home Office layout (1,000 recommendations, five
actions each, free-text completion cells, a few lead agencies), then measures in one run:
- reading the file (the bounded XLSX reader),
- the preview (every row checked against the partnership, nothing written),
- the confirmation (the preview built again from the stored file, then everything written in one transaction),
and, as a baseline measured the same way, openpyxl reading the same sheet in read-only mode into a list of tuples.
Times are measured without tracemalloc (it slows Python several times over); peak memory in a second pass with it.

    .venv/bin/python bench/imports.py
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/imports.py
"""
import io
import os
import sys
import tempfile
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reminders import fresh_app  # noqa: E402
from reports import timed  # noqa: E402

from tracker.audit.services import acting_as  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.partnerships.models import Agency, Partnership  # noqa: E402
from tracker.plans import services  # noqa: E402
from tracker.reviews.models import Review  # noqa: E402
from tracker.spreadsheets import read_sheets  # noqa: E402

ROWS = 5000
AGENCIES = ["Thames Valley Police", "MK Housing", "Milton Keynes University Hospital", "MK Act", "Probation"]
HEADER = ["Recommendation", "Scope of recommendation (i.e. local or regional)", "Action to take", "Lead Agency",
          "Key milestones achieved in enacting recommendation", "Target Date", "Date of Completion and Outcome"]


def workbook():
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Action plan")
    sheet.append(["Domestic Homicide Review: action plan"])
    sheet.append(HEADER)
    for n in range(ROWS):
        number, step = divmod(n, 5)
        sheet.append([f"{number + 1}. Agencies should act on lesson {number + 1} of the review." if step == 0 else "",
                      "Local" if step == 0 else "", f"Deliver output {step + 1} for recommendation {number + 1}",
                      AGENCIES[(number + step) % len(AGENCIES)], "Draft, consult, agree",
                      f"{1 + n % 28}/{1 + n % 12}/2027", "Completed: 31 October 2026" if n % 3 == 0 else "Ongoing"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def peak_memory(function):
    tracemalloc.start()
    function()
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def baseline(data):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return rows


def main():
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench-imports.sqlite3"
    app = fresh_app(url)
    data = workbook()
    with app.app_context(), acting_as(None):
        partnership = Partnership(name="Bench partnership")
        db.session.add(partnership)
        db.session.flush()
        db.session.add_all(Agency(partnership_id=partnership.id, name=name, sector="other") for name in AGENCIES)
        reviews = [Review(partnership_id=partnership.id, reference=f"DHR bench {n}", pseudonyms="Adult A")
                   for n in (1, 2)]
        db.session.add_all(reviews)
        db.session.commit()
        figures = {}
        baseline(data)  # warm up: the first parse of the process pays for imports and caches
        for name, function in (("baseline", lambda: baseline(data)),
                               ("read", lambda: read_sheets("plan.xlsx", data, len(data))),
                               ("preview", lambda: services.build_preview(partnership, reviews[0], "plan.xlsx", data,
                                                                          {}, {}))):
            result, elapsed, queries = timed(function)
            figures[name] = (elapsed, peak_memory(function), queries)
        plan = result
        assert plan.can_confirm, plan.problems[:3]

        def save(review):
            result = services.apply_preview(partnership, services.build_preview(
                partnership, review, "plan.xlsx", data, {}, {}), None)
            db.session.commit()
            return result

        result, elapsed, queries = timed(lambda: save(reviews[0]))
        figures["confirm"] = (elapsed, peak_memory(lambda: save(reviews[1])), queries)
    print(f"{url.split(':')[0]}: {ROWS:,} rows, {len(data) / 1024:.0f} KB workbook")
    base = figures["baseline"][0]
    for name, label in (("baseline", "baseline (openpyxl read-only into tuples)"),
                        ("read", "read (bounded reader)"), ("preview", "preview (read, check, compare)"),
                        ("confirm", "confirm (preview again, write, commit)")):
        elapsed, memory, queries = figures[name]
        print(f"  {label:42} {elapsed:6.2f} s  x{elapsed / base:4.2f}  peak {memory:5.1f} MB  {queries} queries")
    print(f"  {result}")


if __name__ == "__main__":
    main()
