"""Simplified Chinese is the default; English comes from the compiled catalogue."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[2] / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[-.0-9]*[sdf]")


def test_chinese_by_default_english_on_request(client):
    assert "山东省动力电池回收利用公共服务平台" in client.get("/").get_data(as_text=True)
    english = client.get("/", query_string={"lang": "en"}).get_data(as_text=True)
    assert "Shandong Power Battery Recycling Public Service Portal" in english
    assert 'lang="en"' in english


def test_the_choice_is_remembered_in_the_session(client):
    client.get("/lang/en")
    assert "Shandong Power Battery Recycling Public Service Portal" in client.get("/").get_data(as_text=True)
    client.get("/lang/zh_Hans_CN")
    assert "山东省动力电池回收利用公共服务平台" in client.get("/").get_data(as_text=True)


def test_every_message_has_an_english_translation_with_the_same_placeholders():
    catalogue = read_po(CATALOGUE.open("rb"))
    missing, broken = [], []
    for message in catalogue:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        if not target or message.fuzzy:
            missing.append(source)
        elif sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(target)):
            broken.append(source)
    assert not missing, f"untranslated (run `make translations` and translate): {missing[:10]}"
    assert not broken, f"placeholders differ: {broken[:10]}"
