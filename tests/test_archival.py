"""Archived documents as PDF/A, without a homeserver: what the archive's hash covers must not depend on when the
document was rendered, only on what it says and the moment it is dated."""
import time
from datetime import datetime, timezone

from core.archival import archival_pdf
from core.messages import Msg
from tests.harness import archival_pdf as read_pdf

MOMENT = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def render(moment: datetime = MOMENT) -> bytes:
    return archival_pdf(Msg.of("document.issuer", region="Haaglanden"), "nl", "Proef HGL-2026-0001", "Haaglanden",
                        moment, "proef.pdf")


def test_the_same_document_rendered_again_later_gives_the_same_bytes():
    first = render()
    time.sleep(1.1)  # embedded fonts would otherwise carry the second they were written
    assert render() == first
    assert render(datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)) != first  # the date is part of the document


def test_it_declares_pdf_a_and_carries_its_html_source():
    pdf = read_pdf(render())
    assert pdf.pdfa == ("3", "B")
    assert "Zorg- en Veiligheidshuis Haaglanden" in pdf.text and "Proef HGL-2026-0001" in pdf.source
    assert '<html lang="nl">' in pdf.source
