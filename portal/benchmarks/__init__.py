"""Benchmark enterprises (标杆企业): the yearly selection, its criteria from the portal's data, the public list."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("benchmarks", __name__)


from portal.benchmarks import views  # noqa: E402,F401
