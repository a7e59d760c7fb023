"""Campaign tests run on a fixed day inside the 2026 campaign period of the helpers."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fixed_day(at):
    at("2026-06-10 09:00")
