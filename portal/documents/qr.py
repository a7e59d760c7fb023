"""QR codes for documents: a data: URI a PDF template puts in <img src> (the PDF fetcher accepts data: URIs)."""

from __future__ import annotations

from functools import lru_cache

import segno


@lru_cache(maxsize=2048)
def qr_data_uri(text: str) -> str:
    """An SVG data: URI of the QR code of text (error correction M, dark modules on white).

    A pure function of text, so it is kept: making the code costs about 6 ms, most of a cached
    document's answer (a verify URL never changes for its number).
    """
    return segno.make(text, error="m", micro=False).svg_data_uri(scale=4, border=2, dark="#000000", light="#ffffff")
