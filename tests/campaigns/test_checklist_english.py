"""The checklist's items and title in English (text_en), also for a version stored before text_en."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import render_template_string
from flask_babel import refresh

from portal.campaigns import services
from portal.campaigns.checklist import CHECKLIST_V1, CHECKLIST_V1_TITLE, checklist_title, item_text

VENTILATION = next(i for i in CHECKLIST_V1 if i["code"] == "ventilation")


def test_every_item_of_version_1_has_english_without_chinese():
    import re

    for item in CHECKLIST_V1:
        assert item["text_en"] and not re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", item["text_en"])


@pytest.mark.parametrize(
    ("lang", "expected"), [("en", "The storage area is well ventilated"), ("zh_Hans_CN", "贮存场所通风良好")]
)
def test_item_text_follows_the_language(lang, expected):
    assert item_text(VENTILATION, lang) == expected


def test_an_item_stored_without_text_en_is_still_english():
    stored = {"code": "ventilation", "text": "贮存场所通风良好", "applies_to": "all"}

    assert item_text(stored, "en") == "The storage area is well ventilated"
    assert item_text({"code": "new", "text": "新的检查项"}, "en") == "新的检查项"  # no English known: as stored


def test_title_in_english():
    version = SimpleNamespace(title=CHECKLIST_V1_TITLE)

    assert checklist_title(version, "en") == "Collection outlet inspection checklist (version 1)"
    assert checklist_title(version, "zh_Hans_CN") == CHECKLIST_V1_TITLE


@pytest.mark.db
def test_the_stored_version_renders_in_the_request_language(app, session):
    version = services.current_checklist(session)
    template = "{{ v|checklist_title }} / {{ v.items[6]|checklist_item }}"

    with app.test_request_context("/?lang=en"):
        refresh()  # the locale is cached on the test's application context
        english = render_template_string(template, v=version)
    with app.test_request_context("/"):
        refresh()
        chinese = render_template_string(template, v=version)

    assert english == "Collection outlet inspection checklist (version 1) / The storage area is well ventilated"
    assert chinese == "回收服务网点核查清单（第1版） / 贮存场所通风良好"
