"""Notices: validation, publishing, editing, deleting (attachments removed once the deletion commits)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal import search
from portal.core import audit
from portal.core.actors import require_staff
from portal.core.dates import collect_date
from portal.core.enums import Enumeration, Item
from portal.core.files import CheckedUpload, check_uploads, remove_after_commit
from portal.errors import DomainError, NotFound
from portal.notices.models import Notice, NoticeAttachment
from portal.notices.queries import get_notice

KIND = "notice"
NOTICE_KINDS = Enumeration(
    "notice_kind",
    [
        Item("policy", "政策文件", "Policy document"),
        Item("notice", "通知公告", "Notice"),
        Item("news", "协会动态", "Association news"),
    ],
)
ATTACHMENT_KINDS = ("pdf",)
FIELDS = ("kind", "title", "source", "body", "published_on", "expires_on")


@dataclass(frozen=True)
class NoticeInput:
    """Raw values as a person gives them."""

    kind: str = ""
    title: str = ""
    source: str = ""
    body: str = ""
    published_on: str | dt.date = ""
    expires_on: str | dt.date = ""


def validate(data: NoticeInput) -> dict:
    """Clean values or DomainError with a Chinese message per field."""
    errors: dict[str, str] = {}
    kind = NOTICE_KINDS.parse(data.kind)
    if kind is None:
        errors["kind"] = _("请选择类别：政策文件、通知公告或协会动态。")
    title = " ".join((data.title or "").split())
    if not (2 <= len(title) <= 300):
        errors["title"] = _("请填写标题（2至300字）。")
    body = (data.body or "").strip()
    if len(body) > 200_000:
        errors["body"] = _("正文过长。")
    published = collect_date(data.published_on, errors, "published_on", required_message=_("请填写发布日期。"))
    expires = collect_date(data.expires_on, errors, "expires_on")
    if published and expires and expires < published:
        errors["expires_on"] = _("有效期不能早于发布日期。")
    if errors:
        raise DomainError(_("通知信息有误。"), errors)
    return {
        "kind": kind,
        "title": title,
        "source": (data.source or "").strip()[:200],
        "body": body,
        "published_on": published,
        "expires_on": expires,
    }


def check_files(file_storages) -> list[CheckedUpload]:
    """The uploaded attachments, checked as PDFs within UPLOAD_MAX_NOTICE_ATTACHMENT and _FILES."""
    return check_uploads(
        file_storages,
        field="attachments",
        allowed=ATTACHMENT_KINDS,
        max_bytes=current_app.config["UPLOAD_MAX_NOTICE_ATTACHMENT"],
        limit=current_app.config["UPLOAD_MAX_NOTICE_FILES"],
    )


def _check_attachments(attachments: Sequence[CheckedUpload], existing: int = 0) -> None:
    limit = current_app.config["UPLOAD_MAX_NOTICE_FILES"]
    if existing + len(attachments) > limit:
        message = _("附件最多%(n)d个。", n=limit)
        raise DomainError(message, {"attachments": message})
    if any(a.kind not in ATTACHMENT_KINDS for a in attachments):
        message = _("附件只接受 PDF 文件。")
        raise DomainError(message, {"attachments": message})


def _attach(session: Session, notice: Notice, attachments: Sequence[CheckedUpload]) -> None:
    for upload in attachments:
        stored = upload.save(session)
        notice.attachments.append(
            NoticeAttachment(file=stored.name, original_name=stored.original_name, mime=stored.mime, size=stored.size)
        )


def publish(
    session: Session,
    actor,
    data: NoticeInput,
    attachments: Sequence[CheckedUpload] = (),
    *,
    needs_check: bool = False,
    is_demo: bool = False,
) -> Notice:
    """Staff publish a policy document, notice or news item with its PDF attachments."""
    require_staff(actor)
    values = validate(data)
    _check_attachments(attachments)
    notice = Notice(**values, needs_check=needs_check, is_demo=is_demo, created_by_id=actor.id)
    session.add(notice)
    session.flush()
    _attach(session, notice, attachments)
    search.enqueue(session, KIND, notice.id)
    audit.record(session, actor, "notice.publish", "notice", notice.id, None, audit.snapshot(notice, FIELDS))
    session.flush()
    return notice


def update(
    session: Session, actor, notice_id: int, data: NoticeInput, attachments: Sequence[CheckedUpload] = ()
) -> Notice:
    """Staff edit a notice and may add attachments."""
    require_staff(actor)
    notice = get_notice(session, notice_id)
    values = validate(data)
    _check_attachments(attachments, len(notice.attachments))
    before = audit.snapshot(notice, FIELDS)
    for key, value in values.items():
        setattr(notice, key, value)
    _attach(session, notice, attachments)
    search.enqueue(session, KIND, notice.id)
    audit.record(session, actor, "notice.update", "notice", notice.id, before, audit.snapshot(notice, FIELDS))
    session.flush()
    return notice


def remove_attachment(session: Session, actor, attachment_id: int) -> Notice:
    """Staff remove one attachment; its file goes once the change commits."""
    require_staff(actor)
    attachment = session.get(NoticeAttachment, attachment_id)
    if attachment is None:
        raise NotFound(_("附件不存在。"))
    notice = get_notice(session, attachment.notice_id)
    notice.attachments.remove(attachment)
    remove_after_commit(session, [attachment.file])
    audit.record(
        session, actor, "notice.remove_attachment", "notice", notice.id, {"attachment": attachment.original_name}
    )
    session.flush()
    return notice


def delete(session: Session, actor, notice_id: int) -> None:
    """Staff delete a notice; its attachment files are removed once the deletion commits."""
    require_staff(actor)
    notice = get_notice(session, notice_id)
    files = [a.file for a in notice.attachments]
    before = audit.snapshot(notice, FIELDS)
    session.delete(notice)
    search.enqueue(session, KIND, notice_id)
    audit.record(session, actor, "notice.delete", "notice", notice_id, before, None)
    remove_after_commit(session, files)
    session.flush()
