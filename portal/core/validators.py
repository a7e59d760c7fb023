"""Field rules shared by forms, imports and the API (phone numbers, URLs)."""

from __future__ import annotations

import re

MOBILE = re.compile(r"^(?:\+86|0086|86)?(1[3-9]\d{9})$")
# Area codes: 010, 02x, or four digits 03xx-09xx. After +86 the trunk 0 is usually dropped
# (+86 531 8888 8888). A local number never starts with 0 (that would be a doubled trunk prefix).
LANDLINE = re.compile(
    r"^(?:(?:\+86|0086)-?\(?0?|\(?0)(10|2\d|[3-9]\d{2})\)?-?([1-9]\d{6,7})(?:(?:-|转|ext\.?)(\d{1,6}))?$", re.I
)


def normalise_phone(raw: str) -> str | None:
    """A mainland mobile (13800138000) or landline (0531-88888888, extension allowed), else None.

    Spaces are ignored and a +86/0086 prefix is accepted; returns the number in a standard form.
    """
    text = re.sub(r"[\s\u3000]", "", raw or "").replace("（", "(").replace("）", ")")
    mobile = MOBILE.match(text.replace("-", ""))
    if mobile:
        return mobile.group(1)
    landline = LANDLINE.match(text)
    if landline:
        area, number, ext = landline.groups()  # the area code without its trunk 0
        return f"0{area}-{number}" + (f"-{ext}" if ext else "")
    return None


# An absolute http(s) URL as people paste it (links to videos, a standard's own page, ...).
HTTP_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
URL_MAX_LENGTH = 500


def is_http_url(text: str) -> bool:
    """An absolute http(s) URL of at most URL_MAX_LENGTH characters."""
    return bool(HTTP_URL.match(text or "")) and len(text) <= URL_MAX_LENGTH


def normalise_url(raw: str) -> str | None:
    """An http(s) URL; a bare host gets https://; '' stays ''; None when it is not a URL."""
    text = (raw or "").strip()
    if not text:
        return ""
    if not re.match(r"^https?://", text, re.I):
        text = "https://" + text
    if re.match(r"^https?://[A-Za-z0-9\-.\u4e00-\u9fff]+\.[A-Za-z\u4e00-\u9fff]{2,}(:\d+)?(/\S*)?$", text):
        return text
    return None
