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
FONT_NAME = "Pretendard GOV"
MIME = {
    "hwpx": "application/hwp+zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
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
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = str(value)
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
    out.add_heading(doc.title, level=0)
    out.add_paragraph(doc.subtitle)
    for block in doc.blocks:
        if isinstance(block, Heading):
            out.add_heading(block.text, level=block.level)
        elif isinstance(block, Para):
            out.add_paragraph(block.text)
        elif isinstance(block, Table):
            if block.caption:
                out.add_paragraph(block.caption)
            table = out.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block.header):
                cell.text = text
                cell.paragraphs[0].runs[0].bold = True
            for r, row in enumerate(block.rows):
                cells = table.add_row().cells
                for c, (cell, text) in enumerate(zip(cells, row)):
                    cell.text = str(text)
                    if c in block.numeric:
                        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
                    if block.total and r == len(block.rows) - 1 and cell.paragraphs[0].runs:
                        cell.paragraphs[0].runs[0].bold = True
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def to_pdf(doc: Document) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(format="A4")
    pdf.set_title(doc.title)
    pdf.set_creator("hyeopchi")
    pdf.add_font("PretendardGOV", "", str(FONT_DIR / "PretendardGOV-Regular.ttf"))
    pdf.add_font("PretendardGOV", "B", str(FONT_DIR / "PretendardGOV-Bold.ttf"))
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_font("PretendardGOV", "B", 20)
    pdf.multi_cell(0, 11, doc.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("PretendardGOV", "", 10)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(0, 6, doc.subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    header_style = FontFace(emphasis="BOLD", fill_color=(236, 242, 254))
    for block in doc.blocks:
        if isinstance(block, Heading):
            if block.level == 1:
                pdf.ln(4)
            pdf.set_font("PretendardGOV", "B", 16 if block.level == 1 else 13)
            pdf.multi_cell(0, 9 if block.level == 1 else 8, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("PretendardGOV", "", 10)
        elif isinstance(block, Para):
            pdf.set_font("PretendardGOV", "", 10)
            pdf.multi_cell(0, 6, block.text, new_x="LMARGIN", new_y="NEXT")
        elif isinstance(block, Table):
            pdf.set_font("PretendardGOV", "", 9)
            if block.caption:
                pdf.set_text_color(90, 90, 90)
                pdf.multi_cell(0, 5, block.caption, new_x="LMARGIN", new_y="NEXT")
                pdf.set_text_color(0, 0, 0)
            align = tuple("RIGHT" if i in block.numeric else "LEFT" for i in range(len(block.header)))
            with pdf.table(text_align=align, headings_style=header_style, line_height=5.5,
                           padding=1.2) as table:
                row = table.row()
                for text in block.header:
                    row.cell(text)
                for r, values in enumerate(block.rows):
                    row = table.row()
                    bold = block.total and r == len(block.rows) - 1
                    for text in values:
                        row.cell(str(text), style=FontFace(emphasis="BOLD") if bold else None)
            pdf.ln(3)
    return bytes(pdf.output())


def to_html(doc: Document) -> bytes:
    """A standalone HTML file (no scripts, no styles: it opens anywhere)."""
    return render_template("plans/export.html", doc=doc, Heading=Heading, Para=Para, Table=Table).encode("utf-8")


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
