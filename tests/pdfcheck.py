"""What a reader sees of a rendered PDF: every word inside the page's margins (nothing off the edge)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

MM = 72 / 25.4  # PDF points per millimetre
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def words_outside(data: bytes, margin_mm: float, edge_mm: float = 4) -> list[str]:
    """Words (with their page) drawn closer than margin_mm to the left or right edge, or than edge_mm to
    the top or bottom (where the page numbers sit, in the margin boxes); [] when everything is inside.

    Uses poppler's pdftotext -bbox (poppler-utils, installed by scripts/system-deps.sh --test).
    """
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    margin, edge = margin_mm * MM - 0.5, edge_mm * MM - 0.5  # half a point of rounding
    outside = []
    for number, page in enumerate(html.split("<page ")[1:], start=1):
        width, height = (float(v) for v in _PAGE.match("<page " + page).groups())
        for x0, y0, x1, y1, word in _WORD.findall(page):
            x0, y0, x1, y1 = float(x0), float(y0), float(x1), float(y1)
            if x0 < margin or x1 > width - margin or y0 < edge or y1 > height - edge:
                outside.append(
                    f"page {number}: {word!r} at x {x0:.0f}–{x1:.0f}, y {y0:.0f}–{y1:.0f} of {width:.0f}×{height:.0f}"
                )
    return outside


def pages_inked_in_side_margins(data: bytes, margin_mm: float) -> list[int]:
    """Pages with anything drawn (text, a border, a cell's background) in the outer margin_mm at the left
    or right edge: the page rendered by pdftoppm at 36 dpi, the two strips checked for non-white pixels."""
    import io

    from PIL import Image

    pages = []
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-r", "36", "-gray", "-png", "-", f"{folder}/p"], input=data, check=True)
        for number, path in enumerate(sorted(Path(folder).glob("p-*.png")), start=1):
            image = Image.open(io.BytesIO(path.read_bytes())).convert("L")
            strip = max(1, int(margin_mm / 25.4 * 36) - 1)
            width, height = image.size
            for box in ((0, 0, strip, height), (width - strip, 0, width, height)):
                if image.crop(box).getextrema()[0] < 250:
                    pages.append(number)
                    break
    return pages
