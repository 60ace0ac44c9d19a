"""Reports as A4 PDFs for the meeting pack: partnership and title on every page, the protective marking at top
and bottom, page X of Y and the date generated in the footer.

A PDF summarises: counts, and the first rows of any list that can run to thousands, with a line saying how many
more there are and which spreadsheet or page holds them all. ReportLab lays text out in Python, so a PDF's cost
follows its cells: bounded lists keep a 100,000-action partnership's pack to a few pages and seconds.
"""
import io
from datetime import date

# bandit B406: escapes text for ReportLab's markup; parses nothing
from xml.sax.saxutils import escape  # nosec B406

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tracker.enums import Rag
from tracker.reports.services import LISTED, Listed, download_name, learning_table

STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("Body", parent=STYLES["BodyText"], fontName="Helvetica", fontSize=9, leading=11.5,
                      alignment=TA_LEFT)
CELL = ParagraphStyle("Cell", parent=BODY, fontSize=8, leading=10)
HEAD = ParagraphStyle("Head", parent=CELL, fontName="Helvetica-Bold")
H1 = ParagraphStyle("H1", parent=STYLES["Heading1"], fontName="Helvetica-Bold", fontSize=18, leading=22)
H2 = ParagraphStyle("H2", parent=STYLES["Heading2"], fontName="Helvetica-Bold", fontSize=13, leading=16,
                    spaceBefore=10)
#: the width between the margins
FRAME_WIDTH = A4[0] - 30 * mm
#: a table cell's left and right padding
PADDING = 3


def _text(value):
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value.day} {value:%b %Y}"
    return str(value)


class Document:
    """Collects headings, paragraphs and tables, then renders them."""

    def __init__(self, title, partnership, marking, generated_on):
        self.title, self.partnership, self.marking, self.generated_on = title, partnership, marking, generated_on
        self.flow = [Paragraph(escape(title), H1), Paragraph(escape(partnership), BODY),
                     Paragraph(f"Generated {_text(generated_on)}", BODY), Spacer(1, 4 * mm)]

    def heading(self, text):
        self.flow.append(Paragraph(escape(text), H2))

    def paragraph(self, text):
        self.flow.append(Paragraph(escape(text), BODY))

    def note(self, text):
        """A line that may be empty, such as what the reader may not open."""
        if text:
            self.paragraph(text)

    def table(self, header, rows, widths=None, empty="None."):
        """Columns share the width equally unless `widths` says otherwise."""
        if not rows:
            self.paragraph(empty)
            return
        widths = widths or [FRAME_WIDTH / len(header)] * len(header)
        data = [[_cell(h, width, HEAD) for h, width in zip(header, widths, strict=True)]] + [
            [_cell(value, width, CELL) for value, width in zip(row, widths, strict=True)] for row in rows]
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, 0), HEAD.fontName, HEAD.fontSize, HEAD.leading),
            ("FONT", (0, 1), (-1, -1), CELL.fontName, CELL.fontSize, CELL.leading),
            ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#b1b4b6")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), PADDING), ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ]))
        self.flow.append(table)
        self.flow.append(Spacer(1, 3 * mm))

    def keep(self, *parts):
        self.flow.append(KeepTogether(list(parts)))

    def render(self):
        output = io.BytesIO()
        document = SimpleDocTemplate(output, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                                     topMargin=20 * mm, bottomMargin=18 * mm, title=self.title,
                                     author=self.partnership, subject=self.marking)
        document.build(self.flow, canvasmaker=_numbered(self))
        return output.getvalue()


def _cell(value, width, style):
    """Text that fits its column on one line goes in as it is; only longer text becomes a Paragraph, which
    ReportLab must parse and wrap word by word. Measuring is one stringWidth call (C code where the rl_accel
    package is installed)."""
    text = _text(value)
    if "\n" not in text and stringWidth(text, style.fontName, style.fontSize) <= width - 2 * PADDING:
        return text
    return Paragraph(escape(text), style)


def _numbered(doc):
    class NumberedCanvas(canvas.Canvas):
        """Two passes: pages are kept until the end, when the total is known for 'page X of Y'."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # noqa: N802 (ReportLab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for page in self._pages:
                self.__dict__.update(page)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total):
            width, height = A4
            self.setFont("Helvetica-Bold", 9)
            self.drawCentredString(width / 2, height - 10 * mm, doc.marking)
            self.drawCentredString(width / 2, 8 * mm, doc.marking)
            self.setFont("Helvetica", 8)
            self.drawString(15 * mm, 13 * mm, f"{doc.partnership}: {doc.title}")
            self.drawRightString(width - 15 * mm, 13 * mm,
                                 f"Page {self._pageNumber} of {total} · generated {_text(doc.generated_on)}")

    return NumberedCanvas


def _more(doc, listed, where):
    """The line under a list cut short: how many more, and where they all are."""
    if listed.more > 0:
        doc.paragraph(f"{listed.more:,} more not listed here: {where}")


def _spreadsheet(doc, report):
    return download_name(doc.partnership, report, doc.generated_on, "xlsx")


def add_glance(doc, progress, overdue, changes, responses):
    """The figures a chair opens the meeting with, each of which a later section explains."""
    doc.heading("At a glance")
    doc.note(progress.withheld_note)
    rag = ", ".join(f"{rag.label.lower()} {number:,}" for rag, number in progress.by_rag.items())
    doc.table(["Measure", "Now"], [
        ["Actions", f"{progress.total:,} ({rag})"],
        ["Completed or closed", f"{progress.done:,} ({progress.completion_rate}%)"],
        ["Overdue", f"{overdue.total:,}" + (f" (the longest {overdue.longest:,} days late)" if overdue.total
                                           else "")],
        ["Completed, for the strategic group to decide on", f"{changes.awaiting_sign_off.total:,}"],
        ["Newly overdue since the last meeting", f"{changes.newly_overdue.total:,}"],
        ["RAG changed since the last meeting", f"{changes.rag_changes.total:,}" if changes.since else
         "First pack: no comparison yet"],
        ["Deadlines moved since the last meeting", f"{changes.deadlines_moved.total:,}"],
        ["Responses overdue from bodies outside the partnership", f"{responses.total:,}"],
    ], widths=[95 * mm, 85 * mm])


def add_overdue(doc, report):
    """Overdue actions counted by lead agency and by source, and the most overdue in full; the full register is
    the overdue report's spreadsheet."""
    doc.heading("Overdue actions")
    doc.paragraph(f"{report.total} overdue action{'s' if report.total != 1 else ''}; on average "
                  f"{report.average} days late; the longest {report.longest} days.")
    doc.note(report.withheld_note)
    if not report.total:
        doc.paragraph("No action is overdue.")
        return
    doc.heading("By lead agency")
    doc.table(["Lead agency", "Overdue", "Longest (days)", "Average (days)"],
              [[g.name, g.count, g.longest, g.average] for g in report.by_agency.values()],
              widths=[90 * mm, 30 * mm, 30 * mm, 30 * mm])
    doc.heading("By source")
    doc.table(["Source", "Overdue", "Longest (days)", "Average (days)"],
              [[g.name, g.count, g.longest, g.average] for g in report.by_source.values()],
              widths=[90 * mm, 30 * mm, 30 * mm, 30 * mm])
    doc.heading(f"The {len(report.rows)} most overdue" if report.more else "Every overdue action")
    doc.table(["Source", "Action", "Lead agency", "Owner", "Deadline", "Days late", "Last update", "Escalation"],
              [[r.source, r.title, r.agency, r.owner, r.deadline, r.days_overdue,
                f"{_text(r.last_update_on)} {r.last_update}".strip() or "None", r.escalation] for r in report.rows],
              # room to say an escalation fell back
              widths=[24 * mm, 38 * mm, 22 * mm, 20 * mm, 16 * mm, 10 * mm, 26 * mm, 24 * mm])
    _more(doc, report, f"every overdue action is in the overdue report's spreadsheet, "
                       f"{_spreadsheet(doc, 'overdue-actions')} (Reports, Overdue actions, Excel or CSV).")


def add_responses(doc, responses):
    doc.heading(responses.TITLE)
    doc.note(responses.withheld_note)
    header, rows = responses.table()
    listed = Listed(rows[:LISTED], len(rows))
    doc.table(header, listed.rows, widths=[30 * mm, 26 * mm, 50 * mm, 22 * mm, 22 * mm, 20 * mm],
              empty="No response is overdue.")
    _more(doc, listed, f"the overdue report's spreadsheet, {_spreadsheet(doc, 'overdue-actions')}, lists them all.")


def add_progress(doc, report):
    doc.heading("Progress")
    doc.paragraph(f"{report.total} actions; {report.done} completed or closed ({report.completion_rate}%). "
                  f"{report.on_time} completed on time, {report.late} late. {report.not_smart} open actions are "
                  f"not SMART.")
    doc.note(report.withheld_note)
    for title, header, rows in report.tables():
        doc.heading(title)
        doc.table(header, rows)


def add_learning(doc, report):
    doc.heading("Learning across reviews")
    doc.paragraph(f"Recommendations of the partnership's {report['reviews']} reviews by theme. A theme recurs when "
                  "more than one review raised it.")
    doc.note(report["withheld_note"])
    doc.table(*learning_table(report))
    doc.heading("By agency")
    doc.table(["Agency", "Recommendations", "Reviews"],
              [[a["agency"], a["recommendations"], a["reviews"]] for a in report["agencies"]])


def add_changes(doc, changes):
    """What changed since the last pack, each list counted in full and its first rows shown."""
    doc.heading("Changes since the last meeting" + (f" ({_text(changes.since)})" if changes.since else ""))
    awaiting = changes.awaiting_sign_off
    doc.heading("Decisions for this meeting: completed actions for the strategic group to sign off")
    if awaiting.more:
        doc.paragraph(f"{awaiting.total:,} completed actions await sign-off; the {len(awaiting.rows)} with the "
                      "earliest deadlines:")
    doc.table(["Action", "Lead agency", "Deadline"],
              [[r["title"], r["agency"], r["deadline"]] for r in awaiting.rows])
    _more(doc, awaiting, "the tracker's list of closures to sign off holds them all.")
    newly = changes.newly_overdue
    doc.heading("Newly overdue")
    if newly.more:
        doc.paragraph(f"{newly.total:,} actions went overdue; the {len(newly.rows)} most overdue:")
    doc.table(["Action", "Lead agency", "Deadline"], [[r["title"], r["agency"], r["deadline"]] for r in newly.rows])
    _more(doc, newly, f"the overdue report's spreadsheet, {_spreadsheet(doc, 'overdue-actions')}, lists every "
                      "overdue action.")
    doc.heading("RAG changes")
    if changes.rag_moves:
        order = list(Rag)  # red first, by what it is now
        moves = sorted(changes.rag_moves.items(), key=lambda move: (order.index(move[0][1]), order.index(move[0][0])))
        doc.table(["Was", "Now", "Actions"], [[before.label, after.label, number] for (before, after), number in moves],
                  widths=[60 * mm, 60 * mm, 60 * mm])
        if changes.rag_changes.more:
            doc.paragraph(f"The first {len(changes.rag_changes.rows)}, those turned red first:")
    doc.table(["Action", "Lead agency", "Was", "Now"],
              [[r["title"], r["agency"], r["before"].label, r["after"].label] for r in changes.rag_changes.rows],
              empty="None since the last pack." if changes.since else "This is the first pack: no comparison yet.")
    _more(doc, changes.rag_changes, "the table above counts every change; the tracker's action list filtered by "
                                    "RAG shows each action's RAG now.")
    moved = changes.deadlines_moved
    doc.heading("Deadlines moved")
    if moved.more:
        doc.paragraph(f"{moved.total:,} deadlines moved; the latest {len(moved.rows)}:")
    doc.table(["Action", "From", "To", "Why"],
              [[r["title"], r["before"], r["after"], r["reason"]] for r in moved.rows])
    _more(doc, moved, "each action's history records every move, and the action list's CSV gives every action's "
                      "original and current deadline.")
