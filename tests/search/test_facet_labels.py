"""Facet values on /search are shown in the reader's language, from the facet's own enumeration first."""

from __future__ import annotations

import pytest

from portal.core import enums
from portal.search.views import facet_label


@pytest.mark.parametrize("lang", ["zh_Hans_CN", "en"])
def test_a_facet_value_is_labelled_from_its_own_enumeration_first(app, lang):
    with app.test_request_context("/", query_string={"lang": lang}):
        app.preprocess_request()
        english = lang == "en"
        for _ in range(2):  # looked up, then remembered: the same answer, in the language of the moment
            assert facet_label("level", "national") == ("National standard" if english else "国家标准")
            # "status" is offered by standards and outlets: a standard's state is labelled as one
            assert facet_label("status", "upcoming") == enums.STANDARD_STATES.label("upcoming")
            assert facet_label("status", "compliant") == enums.OUTLET_STATES.label("compliant")
            assert facet_label("year", "2024") == "2024"  # no enumeration has it: shown as it is
            assert facet_label("kind", "standard") == ("Standards" if english else "标准")
