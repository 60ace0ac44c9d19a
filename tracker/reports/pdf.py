"""Reports as A4 PDFs for the meeting pack: partnership and title on every page, the protective marking at top
and bottom, page X of Y and the date generated in the footer.

A PDF summarises: counts, and the first rows of any list that can run to thousands, with a line saying how many
more there are and which spreadsheet or page holds them all. ReportLab lays text out in Python, so a PDF's cost
follows its cells: bounded lists keep a 100,000-action partnership's pack to a few pages and seconds.

Its fixed words are in the language of the moment (the reader's, or an email recipient's), in Liberation Sans:
Helvetica's metrics, so the layout is Helvetica's, with the letters Welsh needs (ŵ, ŷ), which the PDF standard
fonts cannot draw.
"""
import io
from datetime import date
from pathlib import Path

# bandit B406: escapes text for ReportLab's markup; parses nothing
from xml.sax.saxutils import escape  # nosec B406

from babel.dates import format_date
from flask_babel import gettext, ngettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import registerFont, stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tracker.enums import Rag
from tracker.i18n import N_, current_language
from tracker.reports.services import LISTED, Listed, download_name, learning_table

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR, BOLD = "LiberationSans", "LiberationSans-Bold"
registerFont(TTFont(REGULAR, FONTS / "LiberationSans-Regular.ttf"))
registerFont(TTFont(BOLD, FONTS / "LiberationSans-Bold.ttf"))

STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("Body", parent=STYLES["BodyText"], fontName=REGULAR, fontSize=9, leading=11.5,
                      alignment=TA_LEFT)
CELL = ParagraphStyle("Cell", parent=BODY, fontSize=8, leading=10)
HEAD = ParagraphStyle("Head", parent=CELL, fontName=BOLD)
H1 = ParagraphStyle("H1", parent=STYLES["Heading1"], fontName=BOLD, fontSize=18, leading=22)
H2 = ParagraphStyle("H2", parent=STYLES["Heading2"], fontName=BOLD, fontSize=13, leading=16, spaceBefore=10)
#: the width between the margins
FRAME_WIDTH = A4[0] - 30 * mm
#: a table cell's left and right padding
PADDING = 3


def _text(value):
    if value is None:
        return ""
    if isinstance(value, date):
        return format_date(value, "d MMM y", locale=current_language())
    return str(value)


class Document:
    """Collects headings, paragraphs and tables, then renders them."""

    def __init__(self, title, partnership, marking, generated_on):
        self.title, self.partnership, self.marking, self.generated_on = title, partnership, marking, generated_on
        self.flow = [Paragraph(escape(title), H1), Paragraph(escape(partnership), BODY),
                     Paragraph(escape(gettext("Generated %(date)s", date=_text(generated_on))), BODY),
                     Spacer(1, 4 * mm)]

    def heading(self, text):
        self.flow.append(Paragraph(escape(text), H2))

    def paragraph(self, text):
        self.flow.append(Paragraph(escape(text), BODY))

    def note(self, text):
        """A line that may be empty, such as what the reader may not open."""
        if text:
            self.paragraph(text)

    def table(self, header, rows, widths=None, empty=None):
        """Columns share the width equally unless `widths` says otherwise; `empty` is what an empty table says."""
        if not rows:
            self.paragraph(empty or gettext("None."))
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
                                     author=self.partnership, subject=self.marking,
                                     initialFontName=REGULAR)  # each page starts in it: no Helvetica at all
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
            self.setFont(BOLD, 9)
            self.drawCentredString(width / 2, height - 10 * mm, doc.marking)
            self.drawCentredString(width / 2, 8 * mm, doc.marking)
            self.setFont(REGULAR, 8)
            self.drawString(15 * mm, 13 * mm, f"{doc.partnership}: {doc.title}")
            self.drawRightString(width - 15 * mm, 13 * mm, gettext(
                "Page %(page)d of %(pages)d · generated %(date)s", page=self._pageNumber, pages=total,
                date=_text(doc.generated_on)))

    return NumberedCanvas


def _more(doc, listed, sentence, **values):
    """The line under a list cut short: how many more (`count` in the sentence), and where they all are."""
    if listed.more > 0:
        doc.paragraph(gettext(sentence, count=format(listed.more, ","), **values))


def _spreadsheet(doc, report):
    return download_name(doc.partnership, report, doc.generated_on, "xlsx")


def add_glance(doc, progress, overdue, changes, responses):
    """The figures a chair opens the meeting with, each of which a later section explains."""
    doc.heading(gettext("At a glance"))
    doc.note(progress.withheld_note)
    rag = ", ".join(f"{rag.label.lower()} {number:,}" for rag, number in progress.by_rag.items())
    doc.table([gettext("Measure"), gettext("Now")], [
        [gettext("Actions"), f"{progress.total:,} ({rag})"],
        [gettext("Completed or closed"), f"{progress.done:,} ({progress.completion_rate}%)"],
        [gettext("Overdue"), gettext("%(count)s (the longest %(days)s days late)", count=format(overdue.total, ","),
                                     days=format(overdue.longest, ",")) if overdue.total else f"{overdue.total:,}"],
        [gettext("Completed, for the strategic group to decide on"), f"{changes.awaiting_sign_off.total:,}"],
        [gettext("Newly overdue since the last meeting"), f"{changes.newly_overdue.total:,}"],
        [gettext("RAG changed since the last meeting"), f"{changes.rag_changes.total:,}" if changes.since else
         gettext("First pack: no comparison yet")],
        [gettext("Deadlines moved since the last meeting"), f"{changes.deadlines_moved.total:,}"],
        [responses.title, f"{responses.total:,}"],
    ], widths=[95 * mm, 85 * mm])


def add_overdue(doc, report):
    """Overdue actions counted by lead agency and by source, and the most overdue in full; the full register is
    the overdue report's spreadsheet."""
    doc.heading(gettext("Overdue actions"))
    doc.paragraph(ngettext("%(num)d overdue action; on average %(average)d days late; the longest %(longest)d days.",
                           "%(num)d overdue actions; on average %(average)d days late; the longest %(longest)d "
                           "days.", report.total, average=report.average, longest=report.longest))
    doc.note(report.withheld_note)
    if not report.total:
        doc.paragraph(gettext("No action is overdue."))
        return
    counts = [gettext("Overdue"), gettext("Longest (days)"), gettext("Average (days)")]
    doc.heading(gettext("By lead agency"))
    doc.table([gettext("Lead agency"), *counts],
              [[g.name, g.count, g.longest, g.average] for g in report.by_agency.values()],
              widths=[90 * mm, 30 * mm, 30 * mm, 30 * mm])
    doc.heading(gettext("By source"))
    sources = report.sources
    doc.table([gettext("Source"), *counts], [[g.name, g.count, g.longest, g.average] for g in sources.rows],
              widths=[90 * mm, 30 * mm, 30 * mm, 30 * mm])
    _more(doc, sources, N_("%(count)s more sources not listed here: the overdue report's spreadsheet, "
                                  "%(file)s, gives the source of every overdue action."),
          file=_spreadsheet(doc, "overdue-actions"))
    doc.heading(gettext("The %(num)d most overdue", num=len(report.rows)) if report.more
                else gettext("Every overdue action"))
    doc.table([gettext("Source"), gettext("Action"), gettext("Lead agency"), gettext("Owner"), gettext("Deadline"),
               gettext("Days late"), gettext("Last update"), gettext("Escalation")],
              [[r.source, r.title, r.agency, r.owner, r.deadline, r.days_overdue,
                f"{_text(r.last_update_on)} {r.last_update}".strip() or gettext("None"), r.escalation]
               for r in report.rows],
              # room to say an escalation fell back
              widths=[24 * mm, 38 * mm, 22 * mm, 20 * mm, 16 * mm, 10 * mm, 26 * mm, 24 * mm])
    _more(doc, report, N_("%(count)s more not listed here: every overdue action is in the overdue report's "
                          "spreadsheet, %(file)s (Reports, Overdue actions, Excel or CSV)."),
          file=_spreadsheet(doc, "overdue-actions"))


def add_responses(doc, responses):
    doc.heading(responses.title)
    doc.note(responses.withheld_note)
    header, rows = responses.table()
    listed = Listed(rows[:LISTED], responses.total)
    doc.table(header, listed.rows, widths=[30 * mm, 26 * mm, 50 * mm, 22 * mm, 22 * mm, 20 * mm],
              empty=gettext("No response is overdue."))
    _more(doc, listed, N_("%(count)s more not listed here: the overdue report's spreadsheet, %(file)s, lists them "
                          "all."), file=_spreadsheet(doc, "overdue-actions"))


def add_progress(doc, report):
    doc.heading(gettext("Progress"))
    doc.paragraph(gettext("%(total)d actions; %(done)d completed or closed (%(rate)d%%). %(on_time)d completed on "
                          "time, %(late)d late. %(not_smart)d open actions are not SMART.",
                          total=report.total, done=report.done, rate=report.completion_rate,
                          on_time=report.on_time, late=report.late, not_smart=report.not_smart))
    doc.note(report.withheld_note)
    plans = Listed(report.reviews[:LISTED], len(report.reviews))
    for title, header, rows in report.tables(reviews=plans.rows):
        doc.heading(title)
        doc.table(header, rows)
        if title == report.plans_title:
            _more(doc, plans, N_("%(count)s more reviews not listed here: the progress report's spreadsheet, "
                                 "%(file)s, lists them all."), file=_spreadsheet(doc, "progress"))


def add_learning(doc, report):
    doc.heading(gettext("Learning across reviews"))
    doc.paragraph(gettext("Recommendations of the partnership's %(num)d reviews by theme. A theme recurs when more "
                          "than one review raised it.", num=report["reviews"]))
    doc.note(report["withheld_note"])
    doc.table(*learning_table(report))
    doc.heading(gettext("By agency"))
    doc.table([gettext("Agency"), gettext("Recommendations"), gettext("Reviews")],
              [[a["agency"], a["recommendations"], a["reviews"]] for a in report["agencies"]])


def add_changes(doc, changes):
    """What changed since the last pack, each list counted in full and its first rows shown."""
    doc.heading(gettext("Changes since the last meeting (%(date)s)", date=_text(changes.since)) if changes.since
                else gettext("Changes since the last meeting"))
    listed = [gettext("Action"), gettext("Lead agency"), gettext("Deadline")]
    awaiting = changes.awaiting_sign_off
    doc.heading(gettext("Decisions for this meeting: completed actions for the strategic group to sign off"))
    if awaiting.more:
        doc.paragraph(gettext("%(count)s completed actions await sign-off; the %(num)d with the earliest deadlines:",
                              count=format(awaiting.total, ","), num=len(awaiting.rows)))
    doc.table(listed, [[r["title"], r["agency"], r["deadline"]] for r in awaiting.rows])
    _more(doc, awaiting, N_("%(count)s more not listed here: the tracker's list of closures to sign off holds them "
                            "all."))
    newly = changes.newly_overdue
    doc.heading(gettext("Newly overdue"))
    if newly.more:
        doc.paragraph(gettext("%(count)s actions went overdue; the %(num)d most overdue:",
                              count=format(newly.total, ","), num=len(newly.rows)))
    doc.table(listed, [[r["title"], r["agency"], r["deadline"]] for r in newly.rows])
    _more(doc, newly, N_("%(count)s more not listed here: the overdue report's spreadsheet, %(file)s, lists every "
                         "overdue action."), file=_spreadsheet(doc, "overdue-actions"))
    was, now = gettext("Was"), gettext("Now")
    doc.heading(gettext("RAG changes"))
    if changes.rag_moves:
        order = list(Rag)  # red first, by what it is now
        moves = sorted(changes.rag_moves.items(), key=lambda move: (order.index(move[0][1]), order.index(move[0][0])))
        doc.table([was, now, gettext("Actions")],
                  [[before.label, after.label, number] for (before, after), number in moves],
                  widths=[60 * mm, 60 * mm, 60 * mm])
        if changes.rag_changes.more:
            doc.paragraph(gettext("The first %(num)d, those turned red first:", num=len(changes.rag_changes.rows)))
    doc.table([gettext("Action"), gettext("Lead agency"), was, now],
              [[r["title"], r["agency"], r["before"].label, r["after"].label] for r in changes.rag_changes.rows],
              empty=gettext("None since the last pack.") if changes.since
              else gettext("This is the first pack: no comparison yet."))
    _more(doc, changes.rag_changes, N_("%(count)s more not listed here: the table above counts every change; the "
                                       "tracker's action list filtered by RAG shows each action's RAG now."))
    moved = changes.deadlines_moved
    doc.heading(gettext("Deadlines moved"))
    if moved.more:
        doc.paragraph(gettext("%(count)s deadlines moved; the latest %(num)d:", count=format(moved.total, ","),
                              num=len(moved.rows)))
    doc.table([gettext("Action"), gettext("From"), gettext("To"), gettext("Why")],
              [[r["title"], r["before"], r["after"], r["reason"]] for r in moved.rows])
    _more(doc, moved, N_("%(count)s more not listed here: each action's history records every move, and the action "
                         "list's CSV gives every action's original and current deadline."))
