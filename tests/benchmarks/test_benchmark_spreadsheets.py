"""Benchmarks in and out as spreadsheets: the rows the import accepts, every refusal at once, the form, and
exports that import again unchanged."""
import copy
import csv
import io
import json
import re
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
import time_machine
from openpyxl import Workbook, load_workbook

from tests.conftest import text
from tests.reports.welsh import make_welsh, use_welsh
from tracker import ROOT
from tracker.benchmarks import services
from tracker.benchmarks.models import Benchmark, ComponentScore, Finding
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.spreadsheets import csv_bytes, label_key, xlsx_bytes

MK = json.loads((ROOT / "tracker" / "benchmarks" / "data" / "milton-keynes-2012-benchmark.json").read_text())
MAX_BYTES = 2 * 1024 * 1024
HEADER = ["Component", "Score", "Key issues", "Commentary"]


@pytest.fixture
def frameworks(app):
    with app.app_context():
        services.load_frameworks()


def _csv(rows, header=HEADER):
    """A CSV file as a spreadsheet program saves it (not through the tracker's own writer)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue().encode("utf-8")


def _xlsx(rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    for row in [header, *rows]:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _contents(data, kind):
    """A CSV's bytes, or each part of a workbook by name: the zip stamps a sheet with its temporary file's
    modification time, which a frozen clock does not reach."""
    if kind == "csv":
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _framework_id(key):
    return services.framework_by_key(key).id


def _values(framework="isoe-2020", **changes):
    return {"framework_id": _framework_id(framework), "started_on": date(2026, 3, 2),
            "ended_on": date(2026, 3, 4), "reviewer": "SafeLives", **changes}


def _import(partnership, rows, filename="benchmark.csv", framework="isoe-2020", **changes):
    data = _xlsx(rows) if filename.endswith(".xlsx") else _csv(rows)
    return services.import_table(partnership, _values(framework, **changes), filename, data, MAX_BYTES)


def _picture(benchmark):
    """{component key (None for the overall): (score, key issues, commentary)}"""
    issues = {}
    for finding in benchmark.findings:
        issues.setdefault(finding.component.key if finding.component else None, []).append(finding.text)
    picture = {None: (benchmark.overall_score, issues.get(None, []), benchmark.overall_commentary)}
    for entry in benchmark.scores:
        key = entry.component.key
        picture[key] = (entry.score, issues.get(key, []), entry.commentary)
    return picture


def _counts():
    return [db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Benchmark, ComponentScore, Finding)]


GOOD_ROWS = [
    ["Overall", "2.5", "Strong specialist services\nWeak data sharing", "A partnership with good foundations."],
    ["Survivor voice", "2", "No survivor forum", "Survivors are rarely consulted."],
    ["Component 3", "3", "", "A clear shared objective."],
    ["data", "1.5", "Agencies count different things\n\n  Nobody  reads the dashboard  ", ""],
    ["Training", "", "", ""],
]


# The service


@pytest.mark.parametrize("filename", ["benchmark.csv", "benchmark.xlsx"])
def test_a_spreadsheet_gives_the_scores_key_issues_and_commentary(ctx, make, frameworks, filename):
    p = make.partnership()
    result = _import(p, GOOD_ROWS, filename)
    benchmark = services.load_benchmark(result.benchmark.id)
    picture = _picture(benchmark)
    assert picture[None] == (Decimal("2.5"), ["Strong specialist services", "Weak data sharing"],
                             "A partnership with good foundations.")
    assert picture["survivor_voice"] == (Decimal("2"), ["No survivor forum"], "Survivors are rarely consulted.")
    assert picture["shared_objective"] == (Decimal("3"), [], "A clear shared objective.")
    assert picture["data"] == (Decimal("1.5"), ["Agencies count different things", "Nobody reads the dashboard"], "")
    # a component named without a score, and those with no row at all, are left unscored as the form leaves them
    assert picture["training"] == (None, [], "")
    assert len(benchmark.scores) == 12 and picture["resources"] == (None, [], "")
    assert (benchmark.framework.key, benchmark.started_on, benchmark.ended_on, benchmark.reviewer) == (
        "isoe-2020", date(2026, 3, 2), date(2026, 3, 4), "SafeLives")
    assert (result.scores, result.key_issues) == (4, 5)


def test_an_excel_workbook_may_hold_numbers_as_numbers(ctx, make, frameworks):
    rows = [["Overall", 2.5, "", ""], [3, 3, "One issue", ""], ["Strategy and leadership", 1.0, "", ""]]
    benchmark = _import(make.partnership(), rows, "benchmark.xlsx").benchmark
    picture = _picture(benchmark)
    assert picture[None][0] == Decimal("2.5")
    assert picture["shared_objective"][:2] == (Decimal("3"), ["One issue"])
    assert picture["strategy"][0] == Decimal("1")


@pytest.mark.parametrize("header", [
    ["Component", "Score", "Key issues", "Commentary"],
    ["COMPONENT", "SCORE", "KEY ISSUES", "COMMENTARY"],
    ["Benchmark component", "Score:", "Key issues:", "Commentary:"],
    ["benchmark_component", " score ", "key-issues", "Commentary"],
    ["Key issues", "Commentary", "Score", "Component"],
])
def test_headings_are_matched_as_people_mean_them(ctx, make, frameworks, header):
    cells = {"Component": "Data", "Score": "2", "Key issues": "No shared dataset", "Commentary": "Thin."}
    row = [cells[services.SHEET_HEADINGS[label_key(h)]] for h in header]
    data = _csv([row], header=header)
    benchmark = services.import_table(make.partnership(), _values(), "b.csv", data, MAX_BYTES).benchmark
    assert _picture(benchmark)["data"] == (Decimal("2"), ["No shared dataset"], "Thin.")


@pytest.mark.parametrize("name, framework, key", [
    ("survivor_voice", "isoe-2020", "survivor_voice"),
    ("1", "isoe-2020", "survivor_voice"),
    ("Component 1", "isoe-2020", "survivor_voice"),
    ("component 12", "isoe-2020", "policies"),
    ("SURVIVOR VOICE", "isoe-2020", "survivor_voice"),
    ("Structure and governance", "isoe-2020", "structure"),
    ("Structure", "isoe-2020", "structure"),  # the 2013 framework's words
    ("Policies, protocols and processes", "isoe-2020", "policies"),
    ("Policies and processes", "isoe-2013", "policies"),  # the 2020 framework's words
    ("Survivors' voices", "isoe-2013", "survivors_voices"),
    ("9", "isoe-2013", "policies"),
])
def test_a_component_is_named_by_key_number_or_title(ctx, make, frameworks, name, framework, key):
    benchmark = _import(make.partnership(), [[name, "3", "An issue", ""]], framework=framework).benchmark
    scored = {k: v for k, v in _picture(benchmark).items() if k and v[0] is not None}
    assert scored == {key: (Decimal("3"), ["An issue"], "")}


def test_several_rows_for_one_component_add_up(ctx, make, frameworks):
    rows = [
        ["Data", "2", "First issue", "The first paragraph."],
        ["Training", "3", "", ""],
        ["data", "", "Second issue\nThird issue", ""],
        ["Component 11", "2", "Fourth issue", "The second paragraph."],
        ["Overall", "", "An overall issue", "Overall, first."],
        ["OVERALL", "2", "Another overall issue", "Overall, second."],
    ]
    result = _import(make.partnership(), rows)
    picture = _picture(result.benchmark)
    assert picture["data"] == (Decimal("2"), ["First issue", "Second issue", "Third issue", "Fourth issue"],
                               "The first paragraph.\n\nThe second paragraph.")
    assert picture[None] == (Decimal("2"), ["An overall issue", "Another overall issue"],
                             "Overall, first.\n\nOverall, second.")
    assert (result.scores, result.key_issues) == (3, 6)


def test_a_file_without_an_overall_row_leaves_the_overall_unscored(ctx, make, frameworks):
    benchmark = _import(make.partnership(), [["Data", "2", "", ""]]).benchmark
    assert _picture(benchmark)[None] == (None, [], "")


def test_every_bad_row_is_listed_and_nothing_is_saved(ctx, make, frameworks):
    p = make.partnership()
    _import(p, GOOD_ROWS)
    before = _counts()
    rows = [
        ["Data", "2", "Weak data sharing", ""],                 # row 2: fine
        ["Teamwork", "2", "", ""],                              # 3: not a component
        ["", "3", "An issue with no component", ""],            # 4: no component
        ["Training", "5", "", ""],                              # 5: out of range
        ["Resources", "2.25", "", ""],                          # 6: not a half point
        ["Coordination", "good", "", ""],                       # 7: words
        ["data", "3", "", ""],                                  # 8: a second, different score
        ["Data", "2", "Weak data sharing", ""],                 # 9: the same score again is fine; the issue is not
        ["Strategy and leadership", "", "Same\nSame", ""],      # 10: repeated within the cell
        ["Overall", "2", "", ""],                               # 11
        ["overall", "3.5", "", ""],                             # 12: a second overall score
        ["Component 13", "9", "", ""],                          # 13: two problems in one row
    ]
    with pytest.raises(ValidationFailed) as failure:
        _import(p, rows, framework="isoe-2020")
    assert failure.value.errors == {
        "row 3": "‘Teamwork’ is not a component of the In Search of Excellence, refreshed (2020) framework: give "
                 "its number (1 to 12) or title, or ‘Overall’.",
        "row 4": "Say which component the row is about: its number or title, or ‘Overall’.",
        "row 5": "The score ‘5’ is not one of 1, 1.5, 2, 2.5, 3, 3.5, 4: correct it, or leave it empty if the "
                 "component was not scored.",
        "row 6": "The score ‘2.25’ is not one of 1, 1.5, 2, 2.5, 3, 3.5, 4: correct it, or leave it empty if the "
                 "component was not scored.",
        "row 7": "The score ‘good’ is not one of 1, 1.5, 2, 2.5, 3, 3.5, 4: correct it, or leave it empty if the "
                 "component was not scored.",
        "row 8": "Data has the score 2 on row 2 and 3 on this one: give it one score.",
        "row 9": "The key issue ‘Weak data sharing’ is listed twice for Data: list it once.",
        "row 10": "The key issue ‘Same’ is listed twice for Strategy and leadership: list it once.",
        "row 12": "Overall has the score 2 on row 11 and 3.5 on this one: give it one score.",
        "row 13": "‘Component 13’ is not a component of the In Search of Excellence, refreshed (2020) framework: "
                  "give its number (1 to 12) or title, or ‘Overall’; the score ‘9’ is not one of 1, 1.5, 2, 2.5, 3, "
                  "3.5, 4: correct it, or leave it empty if the component was not scored.",
    }
    db.session.rollback()
    assert _counts() == before


@pytest.mark.parametrize("header, rows, message", [
    (["Component", "Score", "", "Key issues", "Commentary", "Notes"], [["Data", "2", "y", "", "", "x"]],
     "The file has columns the import does not know: a column with no heading, ‘Notes’. Use only Component (or "
     "Benchmark component), Score, Key issues and Commentary"),
    (["Component", "Score"], [["Data", "2"]],
     "The file lacks the columns Key issues, Commentary. Give it the columns Component (or Benchmark component), "
     "Score, Key issues and Commentary (any may be empty), as the template has"),
    (["Component", "Benchmark component", "Score", "Key issues", "Commentary"], [["Data", "Data", "2", "", ""]],
     "The file has two Component columns (‘Component’ and ‘Benchmark component’): keep one"),
    (HEADER, [], "The file has headings but no rows: add a row for each component"),
])
def test_a_file_in_the_wrong_shape_is_refused_whole(ctx, make, frameworks, header, rows, message):
    p = make.partnership()
    before = _counts()
    with pytest.raises(ValidationFailed) as failure:
        services.import_table(p, _values(), "b.csv", _csv(rows, header=header), MAX_BYTES)
    assert failure.value.errors == {"file": message}
    assert _counts() == before


def test_an_empty_column_at_the_edge_of_a_sheet_is_ignored(ctx, make, frameworks):
    data = _csv([["Data", "2", "", "", ""]], header=[*HEADER, ""])
    benchmark = services.import_table(make.partnership(), _values(), "b.csv", data, MAX_BYTES).benchmark
    assert _picture(benchmark)["data"][0] == Decimal("2")


def test_the_overview_and_the_file_are_checked_together(ctx, make, frameworks):
    values = {"framework_id": None, "started_on": None, "ended_on": None, "reviewer": "x" * 201}
    with pytest.raises(ValidationFailed) as failure:
        services.import_table(make.partnership(), values, "notes.txt", b"Data,2", MAX_BYTES)
    errors = failure.value.errors
    assert errors.pop("file").startswith("The file must be a CSV file or an Excel workbook (.xlsx)")
    assert errors == {
        "framework_id": "Choose the framework the benchmark used",
        "started_on": "Enter the date the review started",
        "reviewer": "Enter the reviewer in 200 characters or fewer",
    }
    with pytest.raises(ValidationFailed) as failure:
        services.import_table(make.partnership(), _values(ended_on=date(2026, 3, 1)), "", b"", MAX_BYTES)
    assert failure.value.errors == {
        "ended_on": "The review cannot end before it started",
        "file": "Choose the spreadsheet to import: a CSV file or an Excel workbook (.xlsx)",
    }
    assert _counts() == [0, 0, 0]


def test_field_lengths_agree_with_the_columns(ctx, make, frameworks):
    assert services.REVIEWER_LENGTH == Benchmark.reviewer.type.length == 200
    benchmark = _import(make.partnership(), [["Data", "2", "", ""]], reviewer="R" * 200).benchmark
    assert db.session.get(Benchmark, benchmark.id).reviewer == "R" * 200


# Exports and the blank template


def test_the_export_has_the_overall_row_then_each_component_in_framework_order(ctx, make, frameworks):
    benchmark = services.load_benchmark(_import(make.partnership(), GOOD_ROWS).benchmark.id)
    header, rows = services.export_rows(benchmark)
    assert header == HEADER
    assert [row[0] for row in rows] == ["Overall", *(c.title for c in benchmark.framework.components)]
    assert rows[0] == ["Overall", "2.5", "Strong specialist services\nWeak data sharing",
                       "A partnership with good foundations."]
    assert rows[1] == ["Survivor voice", "2", "No survivor forum", "Survivors are rarely consulted."]
    assert rows[3] == ["Shared objective", "3", "", "A clear shared objective."]
    assert rows[10][:2] == ["Training", ""]


def test_whole_scores_are_written_as_people_write_them():
    assert [services.score_text(s) for s in (Decimal("3.0"), Decimal("2.5"), Decimal("4"), None)] == \
        ["3", "2.5", "4", ""]


# Through the web


@pytest.fixture
def setting(app, make, as_user, frameworks):
    p = make.partnership(name="Milton Keynes")
    with app.app_context():
        framework_id = _framework_id("isoe-2020")
    return dict(p=p, coordinator=as_user(make.member(p, "coordinator")), framework_id=framework_id)


def _url(partnership):
    return f"/partnerships/{partnership.id}/benchmarks/import-spreadsheet"


def _upload(setting, data, filename="scores.csv", **fields):
    """The coordinator fills in the form and chooses the file, as at a browser."""
    typed = {"framework_id": str(setting["framework_id"]), "started_on": "2/3/2026", "ended_on": "4/3/2026",
             "reviewer": "SafeLives", **fields}
    return setting["coordinator"].upload(_url(setting["p"]), {**typed, "file": (io.BytesIO(data), filename)})


def _benchmarks(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Benchmark))


def test_a_coordinator_imports_a_spreadsheet_through_the_form(app, setting):
    coordinator = setting["coordinator"]
    page = coordinator.get(_url(setting["p"]))
    body = page.get_data(as_text=True)
    assert 'name="csrf_token"' in body and 'enctype="multipart/form-data"' in body
    assert "/benchmarks/template-isoe-2020.csv" in body and "/benchmarks/template-isoe-2013.csv" in body
    response = _upload(setting, _xlsx(GOOD_ROWS), "scores.xlsx")
    assert response.status_code == 302, text(response)[:2000]
    shown = coordinator.get(response.headers["Location"])
    assert "Imported the benchmark: 4 scores and 5 key issues." in text(shown)
    assert "Survivors are rarely consulted." in text(shown)


def test_the_singular_is_used_for_one_score_and_one_key_issue(app, setting):
    response = _upload(setting, _csv([["Data", "2", "One issue", ""]]))
    assert "Imported the benchmark: 1 score and 1 key issue." in text(setting["coordinator"].get(
        response.headers["Location"]))


def test_bad_rows_are_listed_in_a_table_with_the_typed_values_kept(app, setting):
    rows = [["Data", "2", "", ""], ["Teamwork", "2", "", ""], ["Training", "5", "", ""]]
    response = _upload(setting, _csv(rows), reviewer="Standing Together", started_on="2 March 2026")
    assert response.status_code == 200
    page, body = text(response), response.get_data(as_text=True)
    assert "2 rows of the file need correcting. Nothing has been imported." in page
    assert "Rows to correct Row Problem 3 ‘Teamwork’ is not a component" in page
    assert "4 The score ‘5’ is not one of" in page
    assert 'value="Standing Together"' in body
    # the date typed in one box comes back in the day, month and year boxes
    for part, value in (("day", "2"), ("month", "3"), ("year", "2026")):
        assert re.search(rf'name="started_on-{part}"[^>]*value="{value}"', body), part
    assert _benchmarks(app) == 0


def test_form_and_file_errors_show_beside_their_fields(app, setting):
    response = _upload(setting, _csv([["Data", "2", "", "", "x"]], header=[*HEADER, "Notes"]), framework_id="",
                       ended_on="1/3/2026")
    body = response.get_data(as_text=True)
    for field_id in ("framework_id", "ended_on", "file"):
        assert f'id="{field_id}-error"' in body
    assert "The file has columns the import does not know: ‘Notes’" in text(response)
    assert _benchmarks(app) == 0


def test_a_post_without_the_csrf_token_is_refused(app, setting):
    client = setting["coordinator"].client
    response = client.post(_url(setting["p"]), data={
        "framework_id": str(setting["framework_id"]), "started_on": "2/3/2026",
        "file": (io.BytesIO(_csv([["Data", "2", "", ""]])), "scores.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert _benchmarks(app) == 0


def test_an_agency_lead_may_not_import(app, make, as_user, setting):
    p = setting["p"]
    lead = as_user(make.member(p, "agency_lead", agency=make.agency(p)))
    assert lead.get(_url(p)).status_code == 403
    refused = lead.upload(_url(p), {"framework_id": str(setting["framework_id"]), "started_on": "2/3/2026",
                                    "file": (io.BytesIO(_csv([["Data", "2", "", ""]])), "scores.csv")}, form_url="/")
    assert refused.status_code == 403
    assert _benchmarks(app) == 0


def test_the_pages_link_to_the_spreadsheet_import_and_the_exports(app, setting):
    coordinator, p = setting["coordinator"], setting["p"]
    for page in (f"/partnerships/{p.id}/benchmarks", f"/partnerships/{p.id}/benchmarks/import"):
        assert _url(p) in coordinator.get(page).get_data(as_text=True)
    location = _upload(setting, _csv([["Data", "2", "", ""]])).headers["Location"]
    body = coordinator.get(location).get_data(as_text=True)
    benchmark_id = location.rsplit("/", 1)[-1]
    assert f"/benchmarks/{benchmark_id}/export.csv" in body and f"/benchmarks/{benchmark_id}/export.xlsx" in body


def test_the_blank_template_lists_the_overall_row_and_every_component(app, setting):
    response = setting["coordinator"].get("/benchmarks/template-isoe-2013.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "benchmark-template-isoe-2013.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    with app.app_context():
        titles = [c.title for c in services.framework_by_key("isoe-2013").components]
    assert rows == [HEADER, ["Overall", "", "", ""], *[[title, "", "", ""] for title in titles]]
    assert setting["coordinator"].get("/benchmarks/template-isoe-2099.csv").status_code == 404


def test_whole_scores_stay_chosen_when_a_benchmark_is_edited(app, setting):
    coordinator = setting["coordinator"]
    location = _upload(setting, _csv([["Overall", "3", "", ""], ["Data", "2", "", ""]])).headers["Location"]
    benchmark_id = int(location.rsplit("/", 1)[-1])
    with app.app_context():
        data_id = services.framework_by_key("isoe-2020").components[10].id
    for url, score in ((f"/benchmarks/{benchmark_id}/edit", "3"),
                       (f"/benchmarks/{benchmark_id}/components/{data_id}", "2")):
        body = coordinator.get(url).get_data(as_text=True)
        assert re.search(f'<option (selected value="{score}"|value="{score}" selected)', body), url


# Round trips


MESSY = [
    ["overall", "2.5", "Impetus lost\nStrategic support needed", "A fair start."],
    ["Component 2", "1.5", "  Intersectionality   absent ", "First thoughts."],
    ["intersectionality", "1.5", "Few specialist services by and for", "Second thoughts."],
    ["survivor_voice", "", "=SUM(A1:A2) is not a formula here", "- a line that starts with a dash"],
    ["Structure", "3", "", ""],
]


def _export(browser, benchmark_location, kind):
    response = browser.get(f"{benchmark_location}/export.{kind}")
    assert response.status_code == 200
    assert f".{kind}" in response.headers["Content-Disposition"]
    return response.get_data()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_imports_again_and_exports_the_same_bytes(app, setting, kind):
    coordinator = setting["coordinator"]
    # a workbook records when it was written: at one frozen instant two exports hold the same bytes
    with time_machine.travel(datetime.now(UTC), tick=False):
        first = _upload(setting, _csv(MESSY)).headers["Location"]
        exported = _export(coordinator, first, kind)
        second = _upload(setting, exported, f"export.{kind}").headers["Location"]
        again = _export(coordinator, second, kind)
    assert first != second
    assert _contents(again, kind) == _contents(exported, kind)
    if kind == "xlsx":
        rows = list(load_workbook(io.BytesIO(exported)).active.iter_rows(values_only=True))
        assert rows[0] == tuple(HEADER)
        assert rows[1] == ("Overall", "2.5", "Impetus lost\nStrategic support needed", "A fair start.")
        assert rows[2] == ("Survivor voice", None, "'=SUM(A1:A2) is not a formula here",
                           "'- a line that starts with a dash")
    with app.app_context():
        one, two = (services.load_benchmark(int(url.rsplit("/", 1)[-1])) for url in (first, second))
        assert _picture(one) == _picture(two)
        assert _picture(two)["intersectionality"] == (
            Decimal("1.5"), ["Intersectionality absent", "Few specialist services by and for"],
            "First thoughts.\n\nSecond thoughts.")
        assert _picture(two)["survivor_voice"] == (None, ["=SUM(A1:A2) is not a formula here"],
                                                   "- a line that starts with a dash")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_milton_keynes_benchmark_exports_and_imports_unchanged(ctx, make, frameworks, kind):
    data = copy.deepcopy(MK)
    data["overall"]["commentary"] = "Partnership impetus has been lost;\nstrategic support is needed."
    data["components"][2]["commentary"] = "No current strategy."
    p = make.partnership()
    original = services.load_benchmark(services.import_json(p, json.dumps(data)).id)
    header, rows = services.export_rows(original)
    file = csv_bytes(header, rows) if kind == "csv" else xlsx_bytes(header, rows)
    values = {"framework_id": original.framework_id, "started_on": original.started_on,
              "ended_on": original.ended_on, "reviewer": original.reviewer}
    copied = services.import_table(p, values, f"mk.{kind}", file, MAX_BYTES).benchmark
    copied = services.load_benchmark(copied.id)
    assert _picture(copied) == _picture(original)
    assert _picture(copied)["strategy"] == (Decimal("1"), data["components"][2]["key_issues"],
                                            "No current strategy.")
    assert _picture(copied)[None] == (Decimal("2"), MK["overall"]["key_issues"],
                                      "Partnership impetus has been lost;\nstrategic support is needed.")


# In Welsh


WELSH = {"Component": "Cydran", "Score": "Sgôr", "Key issues": "Materion allweddol", "Commentary": "Sylwebaeth",
         "Benchmark component": "Cydran meincnod", "Overall": "Cyffredinol",
         "Component %(number)s": "Cydran %(number)s", "Benchmark": "Meincnod"}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_welsh_export_imports_again_whoever_imports_it(app, make, as_user, setting, monkeypatch, kind):
    use_welsh(monkeypatch, WELSH)
    welsh = make.member(setting["p"], "coordinator")
    make_welsh(app, welsh)
    welsh = as_user(welsh)
    with time_machine.travel(datetime.now(UTC), tick=False):
        first = _upload(setting, _csv(MESSY)).headers["Location"]
        exported = _export(welsh, first, kind)
        second = _upload(setting, exported, f"export.{kind}").headers["Location"]  # by an English reader
        again = _export(welsh, second, kind)
    assert _contents(again, kind) == _contents(exported, kind)
    if kind == "xlsx":
        sheet = load_workbook(io.BytesIO(exported))["Meincnod"]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0] == ("Cydran", "Sgôr", "Materion allweddol", "Sylwebaeth")
        assert rows[1][:2] == ("Cyffredinol", "2.5") and rows[2][0] == "Survivor voice"  # the framework's words
    with app.app_context():
        one, two = (services.load_benchmark(int(url.rsplit("/", 1)[-1])) for url in (first, second))
        assert _picture(one) == _picture(two)


def test_headings_and_names_typed_in_welsh_are_read(ctx, make, frameworks, monkeypatch):
    use_welsh(monkeypatch, WELSH)
    rows = [["CYFFREDINOL", "3", "", "Da."], ["Cydran 11", "2", "Dim data a rennir", ""]]
    data = _csv(rows, header=["Cydran meincnod", "Sgôr:", "Materion allweddol", "Sylwebaeth"])
    benchmark = services.import_table(make.partnership(), _values(), "b.csv", data, MAX_BYTES).benchmark
    picture = _picture(services.load_benchmark(benchmark.id))
    assert picture[None] == (Decimal("3"), [], "Da.") and picture["data"] == (Decimal("2"), ["Dim data a rennir"], "")
