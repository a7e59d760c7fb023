"""A standard's full text: a PDF (its text goes into the index) or a link to the official source."""

from __future__ import annotations

import io
import logging

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal import search
from portal.core import audit
from portal.core.actors import require_staff
from portal.core.files import CheckedUpload, check_upload, remove_after_commit
from portal.core.validators import is_http_url
from portal.errors import DomainError, NotFound
from portal.library.models import StandardAttachment
from portal.library.queries import get_standard

log = logging.getLogger(__name__)
KIND = "standard"
MAX_INDEXED_CHARS = 500_000


def check_pdf(file_storage) -> CheckedUpload:
    """The uploaded full text, checked as a PDF within UPLOAD_MAX_ATTACHMENT (DomainError on ``file``)."""
    return check_upload(
        file_storage, field="file", allowed=("pdf",), max_bytes=current_app.config["UPLOAD_MAX_ATTACHMENT"]
    )


def extract_pdf_text(data: bytes) -> tuple[str, str]:
    """The PDF's text and how it went: ``indexed``, ``no_text`` (a scan) or ``unparsable``."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        parts, size = [], 0
        for page in reader.pages:
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
            if size > MAX_INDEXED_CHARS:
                break
    except Exception:  # pypdf raises many kinds of errors on damaged files
        log.info("PDF text could not be extracted", exc_info=True)
        return "", "unparsable"
    text = "\n".join(parts)[:MAX_INDEXED_CHARS].replace("\x00", "")
    return (text, "indexed") if text.strip() else ("", "no_text")


def add_pdf(session: Session, actor, standard_id: int, upload: CheckedUpload, label: str = "") -> StandardAttachment:
    """Store the full text PDF (checked already) and index its text; a PDF without text is kept too."""
    require_staff(actor)
    standard = get_standard(session, standard_id)
    if upload.kind != "pdf":
        raise DomainError(_("只接受 PDF 文件。"), {"file": _("只接受 PDF 文件。")})
    text, text_status = extract_pdf_text(upload.data)
    stored = upload.save(session)
    attachment = StandardAttachment(
        standard_id=standard.id,
        kind="pdf",
        label=(label or "").strip()[:200] or _("标准全文"),
        file_name=stored.name,
        original_name=stored.original_name,
        mime=stored.mime,
        size=stored.size,
        text=text,
        text_status=text_status,
    )
    session.add(attachment)
    session.flush()
    session.refresh(standard, ["attachments"])
    search.enqueue(session, KIND, standard.id)
    audit.record(
        session,
        actor,
        "standard.attachment.add",
        "standard",
        standard.id,
        None,
        {"attachment": attachment.id, "file": stored.original_name, "size": stored.size, "text": text_status},
    )
    return attachment


def add_link(session: Session, actor, standard_id: int, url: str, label: str = "") -> StandardAttachment:
    """A link to the official source of the full text."""
    require_staff(actor)
    standard = get_standard(session, standard_id)
    url = (url or "").strip()
    if not is_http_url(url):
        raise DomainError(_("链接应以 http:// 或 https:// 开头。"), {"url": _("链接应以 http:// 或 https:// 开头。")})
    attachment = StandardAttachment(
        standard_id=standard.id, kind="link", url=url, label=(label or "").strip()[:200] or _("官方全文公开")
    )
    session.add(attachment)
    session.flush()
    audit.record(session, actor, "standard.attachment.add", "standard", standard.id, None, {"url": url})
    return attachment


def delete_attachment(session: Session, actor, standard_id: int, attachment_id: int) -> None:
    """Delete an attachment; its file leaves the disk once the deletion commits."""
    require_staff(actor)
    attachment = session.get(StandardAttachment, attachment_id)
    if attachment is None or attachment.standard_id != standard_id:
        raise NotFound(_("附件不存在。"))
    standard = get_standard(session, standard_id)
    remove_after_commit(session, [attachment.file_name])
    before = {"attachment": attachment.id, "file": attachment.original_name, "url": attachment.url}
    session.delete(attachment)
    session.flush()
    session.refresh(standard, ["attachments"])
    search.enqueue(session, KIND, standard.id)
    audit.record(session, actor, "standard.attachment.delete", "standard", standard_id, before, None)
