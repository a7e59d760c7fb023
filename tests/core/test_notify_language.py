"""E-mails and notifications are rendered in each recipient's language (the one stored on the account)."""

from __future__ import annotations

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.auth import services as auth
from portal.notify import services
from portal.notify.models import Notification, OutboxMail
from tests.factories import make_user

pytestmark = pytest.mark.db


@pytest.fixture
def readers(session):
    """An English-preferring user, a Chinese-preferring one, and one who never chose."""
    english, chinese, unset = make_user(session, "staff"), make_user(session, "staff"), make_user(session, "staff")
    auth.remember_language(session, english, "en")
    auth.remember_language(session, chinese, "zh_Hans_CN")
    session.commit()
    return english, chinese, unset


def outbox_of(session, address: str) -> OutboxMail:
    return session.scalars(select(OutboxMail).where(OutboxMail.to_address == address)).one()


def test_a_mail_is_rendered_in_the_language_of_the_recipients_account(app, session, readers):
    english, chinese, unset = readers
    for user in readers:
        services.queue_mail(session, user.email, _l("重置密码"), "reset_password", token="tok", minutes=60)
    session.commit()

    en, zh, default = (outbox_of(session, u.email) for u in (english, chinese, unset))
    assert en.subject == "Reset password"
    assert "within 60 minutes" in en.body
    assert "http://portal.test/reset/tok" in en.body
    assert zh.subject == "重置密码"
    assert "请在60分钟内" in zh.body
    assert default.subject == "重置密码"


def test_a_mail_to_an_address_without_account_is_chinese_unless_told(app, session):
    services.queue_mail(session, "nobody@example.cn", _l("重置密码"), "reset_password", token="t", minutes=5)
    services.queue_mail(
        session, "told@example.cn", _l("重置密码"), "reset_password", language="en", token="t", minutes=5
    )
    session.commit()

    assert outbox_of(session, "nobody@example.cn").subject == "重置密码"
    assert outbox_of(session, "told@example.cn").subject == "Reset password"


def test_a_template_without_english_version_falls_back_to_chinese(app, session, readers, monkeypatch):
    from jinja2 import ChoiceLoader, DictLoader

    english = readers[0]
    only_chinese = DictLoader({"mail/only_chinese.txt": "{{ name }}：仅有中文版本。"})
    monkeypatch.setattr(app.jinja_env, "loader", ChoiceLoader([only_chinese, app.jinja_env.loader]))

    mail = services.queue_mail(session, english.email, _l("重置密码"), "only_chinese", name="Alpha Co")

    assert mail.body == "Alpha Co：仅有中文版本。"
    assert mail.subject == "Reset password"


def test_one_notification_reaches_each_reader_in_their_language(app, session, readers):
    english, chinese, unset = readers
    services.notify(session, [u.id for u in readers], _l("会员资格已恢复"), _l("白名单信息核实申请"), link="/account")
    session.commit()

    by_user = {n.user_id: n for n in session.scalars(select(Notification))}
    assert by_user[english.id].title == "Membership reinstated"
    assert by_user[english.id].body == "Whitelist verification request"
    assert by_user[chinese.id].title == "会员资格已恢复"
    assert by_user[unset.id].title == "会员资格已恢复"


def test_an_enumeration_label_in_a_message_follows_the_reader(app, session, readers):
    from portal.core.enums import TIERS

    english, chinese, _unset = readers
    services.notify(session, [english.id, chinese.id], _l("%(tier)s", tier=TIERS.lazy_label("council")))
    session.commit()

    titles = {n.user_id: n.title for n in session.scalars(select(Notification))}
    assert titles == {english.id: "Council member", chinese.id: "理事单位"}


def test_a_reset_asked_for_in_chinese_reaches_an_english_reader_in_english(app, client, session, readers):
    english, chinese, _unset = readers

    for user in (english, chinese):
        client.post("/forgot", data={"email": user.email})

    assert outbox_of(session, english.email).subject == "Reset password"
    assert "Please open the link below within" in outbox_of(session, english.email).body
    assert outbox_of(session, chinese.email).subject == "重置密码"


def test_applying_in_english_gets_the_verification_mail_in_english(app, client, session, outbox):
    from tests.members.test_apply import form, post

    staff = make_user(session, "staff")
    session.commit()
    client.get("/lang/en")

    response = post(client, form())

    assert response.status_code == 303
    [mail] = outbox()
    assert mail.subject == "Please verify your e-mail address"
    assert "Please open the link below to verify your e-mail address" in mail.body
    notice = session.scalars(select(Notification).where(Notification.user_id == staff.id)).one()
    assert notice.title.startswith("新的入会申请")  # the staff member never chose English
