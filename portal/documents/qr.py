"""QR codes for documents: a data: URI a PDF template puts in <img src> (the PDF fetcher accepts data: URIs)."""

from __future__ import annotations

import segno


def qr_data_uri(text: str) -> str:
    """An SVG data: URI of the QR code of text (error correction M, dark modules on white)."""
    return segno.make(text, error="m", micro=False).svg_data_uri(scale=4, border=2, dark="#000000", light="#ffffff")
