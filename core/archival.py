"""Adopted documents (a plan, minutes, a final report) as archival PDF/A: one rendering, whose bytes are what the
archive holds, what its SHA-256 covers and what the room gets. WeasyPrint lays the page out (print CSS, A4) and
writes PDF/A-3b (fonts embedded, an sRGB output intent, XMP metadata); the HTML it was made from travels inside
the PDF as its source (PDF/A-3 allows that), so the archived file is readable by people and by programs."""
from __future__ import annotations

import html
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from core.messages import Msg
from core.render import render_html

PDF = "application/pdf"
PDF_VARIANT = "pdf/a-3b"
PRINT_CSS = Path(__file__).with_name("print.css")


def archival_html(msg: Msg, lang: str, title: str, region: str, created: datetime) -> str:
    """The document as a stand-alone page for print: language, title, date and issuer in its head and header."""
    issuer = Msg.of("document.issuer", region=region)
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="dcterms.created" content="{created.isoformat(timespec="seconds")}">'
            f'<meta name="generator" content="zvh-bot"><style>{PRINT_CSS.read_text(encoding="utf-8")}</style>'
            f'</head><body><header class="issuer">{render_html(issuer, lang)}</header>'
            f'<main>{render_html(msg, lang)}</main></body></html>')


def archival_pdf(msg: Msg, lang: str, title: str, region: str, created: datetime, filename: str) -> bytes:
    """The document as PDF/A-3b, with its HTML source embedded. Rendered twice from the same message and moment it
    gives the same bytes, so a hash can be checked again by rendering anew."""
    # Imported when a document is made, not at start: WeasyPrint (Pango, fonts, Pillow) costs about half a second
    # and 20 MB, and most days no document is adopted (bench/startup.py).
    from weasyprint import HTML, Attachment

    source = archival_html(msg, lang, title, region, created)
    attachment = Attachment(string=source, name=filename.rsplit(".", 1)[0] + ".html", relationship="Source",
                            created=created, modified=created)
    with source_date(created):
        return HTML(string=source).write_pdf(pdf_variant=PDF_VARIANT, attachments=[attachment])


@contextmanager
def source_date(moment: datetime) -> Iterator[None]:
    """fontTools (WeasyPrint's font subsetter where HarfBuzz's is missing) stamps each embedded font with the time
    it was written, unless SOURCE_DATE_EPOCH says otherwise: the document's own moment keeps the bytes stable.
    Rendering is synchronous, so no other code sees the variable change."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
    try:
        yield
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before
