"""Control characters and the calendar feed: whatever a title holds, the feed stays one valid iCalendar line per
property and one event per action; and no way in (a form, a plan in CSV, Excel or Word, a benchmark spreadsheet
or JSON file) lets a control character into a title, or a line break into a one-line field."""
import io
import json
import re
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import Browser, text
from tests.plans import files
from tracker import ROOT
from tracker.actions.models import Action
from tracker.actions.services import refresh_smart
from tracker.audit.models import AuditEntry
from tracker.benchmarks.models import Benchmark, Framework
from tracker.benchmarks.services import load_frameworks
from tracker.extensions import db
from tracker.reminders.feed import calendar_for

#: every C0 and C1 control, DEL, both kinds of line break together, and Unicode's line and paragraph separators
CONTROLS = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))] + ["\r\n", "\u2028", "\u2029"]
#: a content line (RFC 5545 3.1) once unfolded: a name, parameters, then a value with no control but a tab
CONTENT_LINE = re.compile(r"[A-Z][A-Z0-9-]*(?:;[A-Z0-9-]+=[^\x00-\x1f\x7f;:,\"]*)*:[^\x00-\x08\x0a-\x1f\x7f]*")
PRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\s]")
MK = json.loads((ROOT / "tracker" / "benchmarks" / "data" / "milton-keynes-2012-benchmark.json").read_text())


def _content_lines(feed):
    """The feed's lines unfolded, after checking each physical line ends in CR LF and is at most 75 octets."""
    assert feed.endswith("\r\n")
    physical = feed[:-2].split("\r\n")
    assert all("\r" not in line and "\n" not in line and len(line.encode()) <= 75 for line in physical)
    lines = []
    for line in physical:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def _unescaped(value):
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _titles(database_url):
    # PostgreSQL stores no NUL in text, whatever the layer above: that one is refused by the database itself
    controls = [c for c in CONTROLS if c != "\x00" or database_url.startswith("sqlite")]
    piece = st.one_of(st.sampled_from(controls), st.text(st.characters(blacklist_categories=("Cs",)), max_size=20))
    return st.lists(piece, min_size=1, max_size=12).map("".join)


def test_any_control_character_in_a_title_leaves_one_valid_event_per_action(ctx, make, database_url):
    p = make.partnership()
    owner = make.member(p, "coordinator")

    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(titles=st.lists(_titles(database_url), min_size=1, max_size=4))
    @example(titles=["Deliver\rBEGIN:VEVENT\rSUMMARY:Injected\rEND:VEVENT", "Plain\nSUMMARY:x", "a\x85b\u2028c"])
    @example(titles=["é" * 37 + "\r" + "😀" * 40])
    def check(titles):
        db.session.execute(sa.delete(Action))
        for n, title in enumerate(titles):
            action = Action(partnership_id=p.id, title=title, owner_id=owner.id, deadline=date(2031, 1, 1 + n),
                            original_deadline=date(2031, 1, 1 + n), status="in_progress")
            refresh_smart(action)
            db.session.add(action)
        db.session.commit()
        lines = _content_lines(calendar_for(db.session.merge(owner)))
        assert all(CONTENT_LINE.fullmatch(line) for line in lines), lines
        assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == len(titles)
        summaries = [_unescaped(line[len("SUMMARY:Deadline: "):]) for line in lines if line.startswith("SUMMARY:")]
        # in deadline order, as the feed lists them: every visible character of each title, and nothing else
        assert [PRINTABLE.sub("", s) for s in summaries] == [PRINTABLE.sub("", t) for t in titles]

    check()


# The ways in

@pytest.fixture
def place(app, make):
    p = make.partnership()
    make.agency(p, name="Police")
    coordinator = make.member(p, "coordinator")
    review = make.review(p, reference="DHR 2026-09")
    browser = Browser(app.test_client())
    browser.sign_in(coordinator.email)
    with app.app_context():
        load_frameworks()
        framework_id = db.session.scalar(sa.select(Framework.id).where(Framework.key == "isoe-2013"))
    return dict(p=p, coordinator=coordinator, review=review, browser=browser, framework_id=framework_id)


HEADER = ["Recommendation number", "Recommendation", "Scope", "Lead agency", "Action"]
CELL_REFUSED = "holds an invisible control character: retype that cell, or delete it, and try again"
#: (file kind, control): XML cannot carry a C0 control at all, so Excel and Word files are tried with C1 ones
FILE_CONTROLS = [("csv", c) for c in ("\x01", "\x0b", "\x1b", "\x7f", "\x85", "\x9b")] + [
    (kind, c) for kind in ("xlsx", "docx") for c in ("\x85", "\x9b")]


def _plan(kind, title):
    rows = [["1", "Agencies should share risk information.", "Local", "Police", title]]
    if kind == "csv":
        return "plan.csv", files.csv_file(rows, HEADER)
    if kind == "xlsx":
        return "plan.xlsx", files.xlsx(rows, header=HEADER, title_rows=())
    return "plan.docx", files.docx(rows, header=HEADER)


def _refused(response, message):
    assert response.status_code == 200
    assert 'id="file-error"' in response.get_data(as_text=True), text(response)[:2000]
    assert message in text(response)


def _count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize(("kind", "control"), FILE_CONTROLS)
def test_a_plan_with_a_control_character_in_a_cell_is_refused_where_it_is(app, place, kind, control):
    filename, data = _plan(kind, f"Publish the{control} protocol")
    sheet = {"csv": "plan", "xlsx": "Action plan", "docx": "Table 1"}[kind]
    for url in (f"/reviews/{place['review'].id}/import", f"/partnerships/{place['p'].id}/import-register"):
        _refused(place["browser"].upload(url, {"file": (io.BytesIO(data), filename)}),
                 f"The cell in row 2, column E of ‘{sheet}’ {CELL_REFUSED}")
    assert _count(app, Action) == 0


def test_the_command_line_import_refuses_it_too(app, place, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_bytes(_plan("csv", "Publish the\x1b protocol")[1])
    result = app.test_cli_runner().invoke(args=["tracker", "import-plan", "--partnership", str(place["p"].id),
                                                "--review", "DHR 2026-09", str(path)])
    assert result.exit_code == 1
    assert f"The cell in row 2, column E of ‘plan’ {CELL_REFUSED}" in result.output
    assert _count(app, Action) == 0


@pytest.mark.parametrize(("filename", "data"), [
    ("plan.csv", files.csv_file([["1", "Share risk.", "Local", "Police", "Publish the protocol\rBEGIN:VEVENT"]],
                                HEADER)),
    ("plan.xlsx", files.xlsx([["1", "Share risk.", "Local", "Police", "Publish the protocol\r\nBEGIN:VEVENT"]],
                             header=HEADER, title_rows=())),
    ("plan.docx", files.docx([["1", "Share risk.", "Local", "Police", "Publish the protocol\nBEGIN:VEVENT"]],
                             header=HEADER)),
], ids=["csv", "xlsx", "docx"])
def test_a_title_on_several_lines_is_imported_on_one_and_its_history_says_so(app, place, filename, data):
    browser = place["browser"]
    uploaded = browser.upload(f"/reviews/{place['review'].id}/import", {"file": (io.BytesIO(data), filename)})
    assert uploaded.status_code == 302, text(uploaded)[:2000]
    preview = browser.get(uploaded.headers["Location"])
    assert "Publish the protocol BEGIN:VEVENT" in text(preview)
    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    confirmed = browser.post(preview.request.path, {"fingerprint": fingerprint, "confirm": "yes"})
    assert confirmed.status_code == 302, text(confirmed)[:2000]
    with app.app_context():
        assert db.session.scalars(sa.select(Action.title)).all() == ["Publish the protocol BEGIN:VEVENT"]
        note = db.session.scalar(sa.select(AuditEntry.note).where(AuditEntry.entity_type == "Action"))
        assert "the plan said action ‘Publish the protocol\nBEGIN:VEVENT’ on several lines" in note


@pytest.mark.parametrize("control", ["\x07", "\x1b", "\x85"])
def test_a_benchmark_spreadsheet_with_a_control_character_is_refused(app, place, control):
    data = files.csv_file([["Data", "2", f"No shared{control} dataset", ""]],
                          ["Component", "Score", "Key issues", "Commentary"])
    response = place["browser"].upload(f"/partnerships/{place['p'].id}/benchmarks/import-spreadsheet", {
        "framework_id": str(place["framework_id"]), "started_on": "2/3/2026", "reviewer": "Standing Together",
        "file": (io.BytesIO(data), "benchmark.csv")})
    _refused(response, f"The cell in row 2, column C of ‘benchmark’ {CELL_REFUSED}")
    assert _count(app, Benchmark) == 0


def _with(change):
    data = json.loads(json.dumps(MK))
    change(data)
    return json.dumps(data).encode()


@pytest.mark.parametrize(("data", "message"), [
    (_with(lambda d: d["components"][0]["key_issues"].append("Lack of\u001b data")),
     "a key issue holds an invisible control character: remove it"),
    (_with(lambda d: d["overall"].update(commentary="Good\u009b work")),
     "The file’s overall commentary holds an invisible control character: remove it"),
    (_with(lambda d: d.update(reviewer="Standing\u0007 Together")),
     "The file’s reviewer holds an invisible control character: remove it"),
], ids=["key issue", "commentary", "reviewer"])
def test_a_benchmark_file_with_a_control_character_is_refused(app, place, data, message):
    response = place["browser"].upload(f"/partnerships/{place['p'].id}/benchmarks/import",
                                       {"file": (io.BytesIO(data), "benchmark.json")})
    _refused(response, message)
    assert _count(app, Benchmark) == 0


def test_a_benchmark_file_keeps_one_kind_of_line_break_and_its_reviewer_on_one_line(app, place):
    data = _with(lambda d: (d.update(reviewer="Standing\r\nTogether"),
                            d["overall"].update(commentary="First\r\nSecond\rThird")))
    response = place["browser"].upload(f"/partnerships/{place['p'].id}/benchmarks/import",
                                       {"file": (io.BytesIO(data), "benchmark.json")})
    assert response.status_code == 302, text(response)[:2000]
    with app.app_context():
        benchmark = db.session.scalar(sa.select(Benchmark))
        assert (benchmark.reviewer, benchmark.overall_commentary) == ("Standing Together", "First\nSecond\nThird")


@pytest.mark.parametrize(("title", "message"), [
    ("Publish the protocol\rBEGIN:VEVENT", "Keep this to one line: remove the line break"),
    ("Publish the protocol\nBEGIN:VEVENT", "Keep this to one line: remove the line break"),
    ("Publish the\x1b protocol", "Remove the invisible control character from this text"),
    ("Publish the\x9b protocol", "Remove the invisible control character from this text"),
])
def test_the_action_form_refuses_a_control_character_or_line_break_in_a_title(app, place, title, message):
    response = place["browser"].post(f"/partnerships/{place['p'].id}/actions/new", {
        "title": title, "outcome": "Safer\r\nfamilies", "measure": "", "deadline": "1/1/2031", "milestones": ""})
    assert response.status_code == 200
    assert 'id="title-error"' in response.get_data(as_text=True) and message in text(response)
    assert "outcome-error" not in response.get_data(as_text=True)  # a text area keeps its lines
    assert _count(app, Action) == 0
