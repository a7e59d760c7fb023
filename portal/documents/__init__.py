"""The register of issued documents (文件登记): numbers, public verification /verify, staff revoke and reissue, API."""

from __future__ import annotations

from flask import Blueprint
from werkzeug.routing import BaseConverter

bp = Blueprint("documents", __name__)


class DocumentNumberConverter(BaseConverter):
    """Something shaped like a document number (any case, with or without separators).

    /verify/<token> is the e-mail confirmation link of auth: the lower weight makes a number-shaped
    segment reach the register first; anything else still goes to auth as before.
    """

    regex = r"[A-Za-z]{2,4}[-\s]*\d{4}(?:[-\s]*[0-9A-Za-z]){11}[-\s]*"
    weight = 40


def init_app(app) -> None:
    """The number converter, then the blueprint (its rules use the converter)."""
    app.url_map.converters["docnumber"] = DocumentNumberConverter
    app.register_blueprint(bp)


from portal.documents import api, kinds, views  # noqa: E402,F401
