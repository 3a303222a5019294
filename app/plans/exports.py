"""Writers that turn the plan's :mod:`document` into HWPX, DOCX, PDF and HTML files, and the export task.

HWPX is written with python-hwpx (the format district offices use; its own
validator checks the result in the tests), DOCX with python-docx, PDF with
fpdf2 and Pretendard GOV embedded (app/plans/fonts, SIL OFL 1.1).
"""
from __future__ import annotations

import io
import secrets
from pathlib import Path
from typing import Callable

from celery import shared_task
from flask import current_app, render_template

from app.plans.document import Document, Heading, Para, Table

FONT_DIR = Path(__file__).resolve().parent / "fonts"
RENDERER = "2"  # bump when the writers change what a file looks like: exports are cached by content and this
FONT_NAME = "Pretendard GOV"
MIME = {
    "hwpx": "application/hwp+zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html",  # werkzeug adds "; charset=utf-8" to text types itself
}


def to_hwpx(doc: Document) -> bytes:
    from hwpx import HwpxDocument

    out = HwpxDocument.new()
    out.add_heading(doc.title, level=1)
    out.add_paragraph(doc.subtitle)
    for block in doc.blocks:
        if isinstance(block, Heading):
            out.add_heading(block.text, level=min(block.level + 1, 10))
        elif isinstance(block, Para):
            out.add_paragraph(block.text)
        elif isinstance(block, Table):
            if block.caption:
                out.add_paragraph(block.caption)
            rows = [block.header] + block.rows
            table = out.add_table(len(rows), len(block.header))
            # Row by row: table.cell() rebuilds the cell grid on every call (quadratic in big tables).
            for row, values in zip(table.rows, rows):
                for cell, value in zip(row.cells, values):
                    cell.text = str(value)
    return out.to_bytes()


def to_docx(doc: Document) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    out = docx.Document()
    for style_name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3"):
        style = out.styles[style_name]
        style.font.name = FONT_NAME
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), FONT_NAME)

    # Style ids are set on the XML directly: looking a style up by name scans every style each time.
    def paragraph(text: str, style_id: str | None = None):
        p = out.add_paragraph(text)
        if style_id:
            p._p.get_or_add_pPr().style = style_id
        return p

    paragraph(doc.title, "Title")
    paragraph(doc.subtitle)
    for block in doc.blocks:
        if isinstance(block, Heading):
            paragraph(block.text, f"Heading{block.level}")
        elif isinstance(block, Para):
            paragraph(block.text)
        elif isinstance(block, Table):
            if block.caption:
                paragraph(block.caption)
            rows = [block.header] + block.rows
            table = out.add_table(rows=len(rows), cols=len(block.header))
            table._tbl.tblPr.style = "TableGrid"
            last = len(rows) - 1
            for r, (row, values) in enumerate(zip(table.rows, rows)):
                for c, (cell, value) in enumerate(zip(row.cells, values)):
                    p = cell.paragraphs[0]
                    run = p.add_run(str(value))
                    if r == 0 or (block.total and r == last):
                        run.bold = True
                    if r and c in block.numeric:
                        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


class _PdfWriter:
    """Headings, paragraphs and tables on A4 with fpdf2: tables are laid out here, with cached glyph
    widths, because fpdf2's own table measures every cell twice, character by character."""

    MARGIN = 18
    PAD = 1.4
    LINE = 5.2

    def __init__(self, title: str):
        from fpdf import FPDF

        self.pdf = pdf = FPDF(format="A4")
        pdf.set_title(title)
        pdf.set_creator("hyeopchi")
        pdf.add_font("PretendardGOV", "", str(FONT_DIR / "PretendardGOV-Regular.ttf"))
        pdf.add_font("PretendardGOV", "B", str(FONT_DIR / "PretendardGOV-Bold.ttf"))
        pdf.set_margins(self.MARGIN, self.MARGIN, self.MARGIN)
        pdf.set_auto_page_break(True, margin=self.MARGIN)
        pdf.add_page()
        self.widths: dict[tuple[str, float], dict[str, float]] = {}

    def font(self, style: str, size: float) -> None:
        self.pdf.set_font("PretendardGOV", style, size)

    def width(self, text: str) -> float:
        key = (self.pdf.font_style, self.pdf.font_size_pt)
        table = self.widths.setdefault(key, {})
        total = 0.0
        for ch in text:
            w = table.get(ch)
            if w is None:
                w = table[ch] = self.pdf.get_string_width(ch)
            total += w
        return total

    def wrap(self, text: str, limit: float) -> list[str]:
        """Greedy line breaking: at spaces where possible, else between characters (Korean allows both)."""
        lines: list[str] = []
        for raw in str(text).split("\n"):
            line, used = "", 0.0
            for word in raw.split(" "):
                piece = (" " if line else "") + word
                w = self.width(piece)
                if used + w <= limit:
                    line, used = line + piece, used + w
                    continue
                if line:
                    lines.append(line)
                line, used = "", 0.0
                for ch in word:
                    cw = self.width(ch)
                    if used + cw > limit and line:
                        lines.append(line)
                        line, used = "", 0.0
                    line, used = line + ch, used + cw
            lines.append(line)
        return lines or [""]

    def text_block(self, text: str, style: str, size: float, line: float, color=(0, 0, 0)) -> None:
        pdf = self.pdf
        self.font(style, size)
        pdf.set_text_color(*color)
        pdf.multi_cell(0, line, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)

    def table(self, block: Table) -> None:
        pdf = self.pdf
        self.font("", 9)
        if block.caption:
            self.text_block(block.caption, "", 9, 5, (90, 90, 90))
        usable = pdf.w - 2 * self.MARGIN
        cols = len(block.header)
        # Column widths follow the longest text in each column, within bounds.
        self.font("", 9)
        natural = [max(self.width(str(r[c])) for r in [block.header] + block.rows) + 2 * self.PAD for c in range(cols)]
        floor = usable / cols * 0.45
        natural = [max(w, floor) for w in natural]
        scale = usable / sum(natural)
        widths = [w * scale for w in natural]
        self._row(block.header, widths, block.numeric, header=True)
        for r, values in enumerate(block.rows):
            bold = block.total and r == len(block.rows) - 1
            self._row(values, widths, block.numeric, bold=bold, header_again=block.header)
        pdf.ln(3)

    def _row(self, values, widths, numeric, *, header=False, bold=False, header_again=None) -> None:
        pdf = self.pdf
        self.font("B" if header or bold else "", 9)
        cells = [self.wrap(str(v), w - 2 * self.PAD) for v, w in zip(values, widths)]
        height = max(len(c) for c in cells) * self.LINE + 2 * self.PAD
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            if header_again is not None:
                self._row(header_again, widths, set(), header=True)
                self.font("B" if bold else "", 9)
        x, y = pdf.l_margin, pdf.get_y()
        if header:
            pdf.set_fill_color(236, 242, 254)
        for c, (lines, w) in enumerate(zip(cells, widths)):
            pdf.rect(x, y, w, height, style="DF" if header else "D")
            for i, line in enumerate(lines):
                tx = x + w - self.PAD - self.width(line) if (c in numeric and not header) else x + self.PAD
                pdf.text(tx, y + self.PAD + (i + 0.78) * self.LINE, line)
            x += w
        pdf.set_xy(pdf.l_margin, y + height)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def to_pdf(doc: Document) -> bytes:
    writer = _PdfWriter(doc.title)
    writer.text_block(doc.title, "B", 20, 11)
    writer.text_block(doc.subtitle, "", 10, 6, (90, 90, 90))
    for block in doc.blocks:
        if isinstance(block, Heading):
            if block.level == 1:
                writer.pdf.ln(4)
            writer.text_block(block.text, "B", 16 if block.level == 1 else 13, 9 if block.level == 1 else 8)
        elif isinstance(block, Para):
            writer.text_block(block.text, "", 10, 6)
        elif isinstance(block, Table):
            writer.table(block)
    return writer.output()


def to_html(doc: Document) -> bytes:
    """A standalone HTML file (no scripts, no styles: it opens anywhere)."""
    from flask import has_request_context

    if has_request_context():
        return render_template("plans/export.html", doc=doc).encode("utf-8")
    with current_app.test_request_context():  # a worker has no request; the templates expect one
        return render_template("plans/export.html", doc=doc).encode("utf-8")


WRITERS: dict[str, Callable[[Document], bytes]] = {"hwpx": to_hwpx, "docx": to_docx, "pdf": to_pdf, "html": to_html}


def export_folder() -> Path:
    """Where export files live (PLAN_EXPORT_DIR, default instance/exports): outside the web root."""
    return Path(current_app.config.get("PLAN_EXPORT_DIR") or Path(current_app.instance_path) / "exports")


def export_path(export) -> Path:
    return export_folder() / export.storage_key


def run_export(export_id: int) -> None:
    """Make the file of one export (idempotent: a finished export is left alone)."""
    from app.extensions import db
    from app.plans import document
    from app.plans.models import ExportStatus, PlanExport
    from app.utils import now

    export = db.session.get(PlanExport, export_id)
    if export is None or export.status is ExportStatus.DONE:
        return
    export.status, export.progress, export.error = ExportStatus.RUNNING, 5, None
    db.session.commit()

    def progress(value: int) -> None:
        export.progress = value
        db.session.commit()

    try:
        doc = document.build(export.plan, progress=progress)
        progress(60)
        data = WRITERS[export.format.value](doc)
        progress(90)
        key = export.storage_key or secrets.token_hex(16)
        folder = export_folder()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / key).write_bytes(data)
        export.storage_key, export.size = key, len(data)
        export.status, export.progress, export.finished_at = ExportStatus.DONE, 100, now()
        db.session.commit()
    except Exception as exc:  # the export shows as failed and can be asked for again
        db.session.rollback()
        export = db.session.get(PlanExport, export_id)
        export.status, export.error = ExportStatus.FAILED, str(exc)[:500]
        db.session.commit()
        current_app.logger.exception("plan export %s failed", export_id)


@shared_task(name="app.plans.run_export")
def run_export_task(export_id: int) -> None:
    run_export(export_id)
