"""Small helpers for the membership tests: real image payloads, reading pages, counting rows."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

from sqlalchemy import func, select

from portal.db import get_db


def image_bytes(kind: str = "PNG") -> bytes:
    """A small but real PNG or JPEG image."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 60)).save(out, format=kind)
    return out.getvalue()


class Page(HTMLParser):
    """What a user sees on a form page: error messages per field and the values shown in the fields."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.errors: dict[str, list[str]] = {}
        self.values: dict[str, list[str]] = {}
        self.alerts: list[str] = []
        self._fields: list[dict | None] = []  # one entry per open <div>; a dict for class="field"
        self._error_text: list[str] | None = None
        self._alert_text: list[str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self.feed(html)

    def _current_field(self) -> dict | None:
        for item in reversed(self._fields):
            if item is not None:
                return item
        return None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        field = self._current_field()
        if tag == "div":
            self._fields.append({"names": [], "errors": []} if "field" in classes else None)
        elif tag in ("input", "select", "textarea") and a.get("name"):
            name = a["name"]
            if field is not None and name not in field["names"]:
                field["names"].append(name)
            if tag == "input":
                kind = a.get("type", "text")
                if kind in ("checkbox", "radio"):
                    if "checked" in a:
                        self.values.setdefault(name, []).append(a.get("value", "on"))
                elif kind not in ("password", "file", "hidden", "submit"):
                    self.values.setdefault(name, []).append(a.get("value", ""))
            elif tag == "select":
                self._select = name
            else:
                self._textarea = name
                self.values.setdefault(name, []).append("")
        elif tag == "option" and self._select and "selected" in a:
            self.values.setdefault(self._select, []).append(a.get("value", ""))
        elif tag == "p" and "error" in classes:
            self._error_text = []
        if a.get("role") == "alert" and tag != "p":
            self._alert_text = []

    def handle_endtag(self, tag):
        if tag == "div" and self._fields:
            item = self._fields.pop()
            if item is not None:
                for name in item["names"]:
                    self.errors.setdefault(name, []).extend(item["errors"])
            if self._alert_text is not None and item is None:
                self.alerts.append("".join(self._alert_text).strip())
                self._alert_text = None
        elif tag == "p" and self._error_text is not None:
            text = "".join(self._error_text).strip()
            field = self._current_field()
            if field is not None:
                field["errors"].append(text)
            else:
                self.alerts.append(text)
            self._error_text = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._error_text is not None:
            self._error_text.append(data)
        if self._alert_text is not None:
            self._alert_text.append(data)
        if self._textarea is not None:
            self.values[self._textarea][-1] += data

    def value(self, name: str) -> str | None:
        values = self.values.get(name) or []
        return values[0] if values else None


def text_of(response) -> str:
    """The visible text of a page (tags removed, white space collapsed)."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def count(model, *where) -> int:
    """Rows of a model in the database (a fresh reading session, so only what is committed)."""
    with get_db().session(write=False) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def flashes(client) -> list[str]:
    """The flashed messages waiting in the client's session (without consuming them)."""
    with client.session_transaction() as sess:
        return [message for _category, message in sess.get("_flashes", [])]
