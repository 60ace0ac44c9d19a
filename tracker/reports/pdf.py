"""Reports as A4 PDFs for the meeting pack: partnership and title on every page, the protective marking at top
and bottom, page X of Y and the date generated in the footer."""
import io
from datetime import date

# bandit B406: escapes text for ReportLab's markup; parses nothing
from xml.sax.saxutils import escape  # nosec B406

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("Body", parent=STYLES["BodyText"], fontName="Helvetica", fontSize=9, leading=11.5,
                      alignment=TA_LEFT)
CELL = ParagraphStyle("Cell", parent=BODY, fontSize=8, leading=10)
HEAD = ParagraphStyle("Head", parent=CELL, fontName="Helvetica-Bold")
H1 = ParagraphStyle("H1", parent=STYLES["Heading1"], fontName="Helvetica-Bold", fontSize=18, leading=22)
H2 = ParagraphStyle("H2", parent=STYLES["Heading2"], fontName="Helvetica-Bold", fontSize=13, leading=16,
                    spaceBefore=10)


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
        if not rows:
            self.paragraph(empty)
            return
        data = [[Paragraph(escape(_text(h)), HEAD) for h in header]] + [
            [Paragraph(escape(_text(cell)), CELL) for cell in row] for row in rows]
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(TableStyle([
            ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#b1b4b6")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
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


def add_overdue(doc, report):
    doc.heading("Overdue actions")
    doc.paragraph(f"{report.total} overdue action{'s' if report.total != 1 else ''}; on average "
                  f"{report.average} days late; the longest {report.longest} days.")
    doc.note(report.withheld_note)
    header = ["Source", "Action", "Owner", "Deadline", "Days late", "Last update", "Escalation"]
    widths = [28 * mm, 44 * mm, 24 * mm, 18 * mm, 12 * mm, 30 * mm, 24 * mm]  # room to say an escalation fell back
    for agency, rows in report.by_agency.items():
        doc.heading(f"{agency}: {len(rows)}")
        doc.table(header, [[r.source, r.title, r.owner, r.deadline, r.days_overdue,
                            f"{_text(r.last_update_on)} {r.last_update}".strip() or "None",
                            r.escalation] for r in rows], widths)
    if not report.rows:
        doc.paragraph("No action is overdue.")


def add_responses(doc, responses):
    doc.heading(responses.TITLE)
    doc.note(responses.withheld_note)
    doc.table(*responses.table(), widths=[30 * mm, 26 * mm, 50 * mm, 22 * mm, 22 * mm, 20 * mm],
              empty="No response is overdue.")


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
    from tracker.reports.services import learning_table

    doc.heading("Learning across reviews")
    doc.paragraph(f"Recommendations of the partnership's {report['reviews']} reviews by theme. A theme recurs when "
                  "more than one review raised it.")
    doc.note(report["withheld_note"])
    doc.table(*learning_table(report))
    doc.heading("By agency")
    doc.table(["Agency", "Recommendations", "Reviews"],
              [[a["agency"], a["recommendations"], a["reviews"]] for a in report["agencies"]])


def add_changes(doc, changes):
    doc.heading("Changes since the last meeting" + (f" ({_text(changes.since)})" if changes.since else ""))
    doc.heading("Decisions for this meeting: completed actions for the strategic group to sign off")
    doc.table(["Action", "Lead agency", "Deadline"],
              [[r["title"], r["agency"], r["deadline"]] for r in changes.awaiting_sign_off])
    doc.heading("Newly overdue")
    doc.table(["Action", "Lead agency", "Deadline"],
              [[r["title"], r["agency"], r["deadline"]] for r in changes.newly_overdue])
    doc.heading("RAG changes")
    doc.table(["Action", "Lead agency", "Was", "Now"],
              [[r["title"], r["agency"], r["before"].label, r["after"].label] for r in changes.rag_changes],
              empty="None since the last pack." if changes.since else "This is the first pack: no comparison yet.")
    doc.heading("Deadlines moved")
    doc.table(["Action", "From", "To", "Why"],
              [[r["title"], r["before"], r["after"], r["reason"]] for r in changes.deadlines_moved])
