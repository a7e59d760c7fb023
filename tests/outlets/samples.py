"""The factories' sample outlets, each with a district of its own city.

tests.factories.outlet_input defaults the district to 开发区 (Yantai's development zone), which the
district check refuses for an outlet of another city: the samples outside Yantai name none.
"""

from __future__ import annotations

from tests.factories import SAMPLE_OUTLETS, make_outlet


def make_samples(session, actor=None) -> dict:
    """SAMPLE_OUTLETS created through the service, an outlet without a district of its own naming none."""
    return {key: make_outlet(session, actor, **{"district": "", **values}) for key, values in SAMPLE_OUTLETS.items()}
