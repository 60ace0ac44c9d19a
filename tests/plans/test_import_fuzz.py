"""Any file, however odd, gives a preview or a clear error: never a 500, never a partial save."""
import io
import os

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.plans import files
from tracker.actions.models import Action
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.plans import services
from tracker.plans.columns import FIELDS
from tracker.reviews.models import Recommendation, Review

HEADERS = [f.header for f in FIELDS] + [n for f in FIELDS for n in f.names[:2]] + ["Notes", "", "Comments"]
CELLS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["1", "4.1", "R10", "Local", "National", "County", "Completed: 31 October 2016", "Ongoing",
                     "October 2016", "31/02/2017", "MK Housing", "MPS / Health", "£1,500", "-5", "1e999", "yes",
                     "Closed", "=1+1", "n/a", "x" * 400]),
    st.dates().map(lambda d: d.isoformat()),
)
TABLES = st.tuples(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8),
                   st.lists(st.lists(CELLS, max_size=9), max_size=8))

FUZZ = settings(max_examples=int(os.environ.get("IMPORT_FUZZ_EXAMPLES", 40)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _counts():
    return (db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation)),
            db.session.scalar(sa.select(sa.func.count()).select_from(Action)),
            db.session.scalar(sa.select(sa.func.count()).select_from(Review)))


def _preview_or_clear_error(p, review, filename, data, mapping):
    before = _counts()
    try:
        plan = services.build_preview(p, review, filename, data, mapping, {"number_by_position": True})
    except ValidationFailed as failure:
        assert all(isinstance(m, str) and m for m in failure.errors.values())
    else:
        for problem in plan.problems:
            assert problem.message and problem.column is not None
    db.session.rollback()
    assert _counts() == before, "a preview saves nothing"


def test_any_csv_table_gives_a_preview_or_a_clear_error(ctx, make):
    p = make.partnership()
    make.agency(p, name="MK Housing")
    review = make.review(p)

    @FUZZ
    @given(table=TABLES, mapping=st.dictionaries(st.sampled_from(["notes", "comments"]),
                                                 st.sampled_from(["ignore", "title", "text"])))
    def check(table, mapping):
        header, rows = table
        _preview_or_clear_error(p, db.session.get(Review, review.id), "plan.csv", files.csv_file(rows, header),
                                mapping)

    check()


def test_any_workbook_gives_a_preview_or_a_clear_error_and_confirming_it_saves_all_or_nothing(ctx, make):
    p = make.partnership()
    make.agency(p, name="MK Housing")
    review = make.review(p)

    @FUZZ
    @given(table=TABLES, title_rows=st.integers(0, 3), flips=st.lists(st.integers(0, 10_000), max_size=3))
    def check(table, title_rows, flips):
        header, rows = table
        rows = [[ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row] for row in rows]  # a workbook cannot hold them
        data = bytearray(files.xlsx(rows, header=header, title_rows=[("Action plan",)] * title_rows))
        for position in flips:
            data[position % len(data)] ^= 0x55
        _preview_or_clear_error(p, db.session.get(Review, review.id), "plan.xlsx", bytes(data), {})
        try:
            plan = services.build_preview(p, db.session.get(Review, review.id), "plan.xlsx", bytes(data), {},
                                          {"number_by_position": True})
        except ValidationFailed:
            return
        before = _counts()
        if plan.can_confirm:
            services.apply_preview(p, plan, None)
            db.session.flush()
        db.session.rollback()
        assert _counts() == before

    check()


def test_the_upload_page_never_fails_on_random_bytes(app, make, as_user):
    p = make.partnership()
    chair = make.member(p, "panel_member")
    review = make.review(p, panel=[(chair, True)])
    browser = as_user(chair)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.binary(max_size=2000), name=st.sampled_from(["p.csv", "p.xlsx", "p.docx", "p.txt"]))
    def check(data, name):
        response = browser.upload(f"/reviews/{review.id}/import", {"file": (io.BytesIO(data), name)})
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert browser.get(response.headers["Location"]).status_code in (200, 302)

    check()
