"""Mail and notifications: every feature posts through these functions, none sends mail itself."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

from flask import current_app, render_template
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.core import clock
from portal.notify.models import Notification, OutboxMail

log = logging.getLogger("portal.mail")
MAX_ATTEMPTS = 5


def queue_mail(session: Session, to: str, subject: str, template: str, **context) -> OutboxMail:
    """Render templates/mail/<template>.txt and put the e-mail in the outbox (sent by a job)."""
    context.setdefault("base_url", current_app.config["PORTAL_BASE_URL"].rstrip("/"))
    body = render_template(f"mail/{template}.txt", **context)
    mail = OutboxMail(to_address=to, subject=subject, body=body)
    session.add(mail)
    session.flush()
    return mail


def notify(session: Session, user_ids, title: str, body: str = "", link: str | None = None) -> None:
    """Post a notification to each user."""
    for user_id in set(user_ids):
        session.add(Notification(user_id=user_id, title=title, body=body, link=link))
    session.flush()


def unread_count(session: Session, user_id: int) -> int:
    return (
        session.scalar(select(func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None))) or 0
    )


def notifications_query(user_id: int):
    return select(Notification).where(Notification.user_id == user_id).order_by(Notification.id.desc())


def mark_read(session: Session, user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or all) of the user's notifications read; returns how many changed."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return session.execute(stmt.values(read_at=clock.now())).rowcount


def _send(mail: OutboxMail) -> None:
    config = current_app.config
    if config["MAIL_BACKEND"] != "smtp":
        log.info("e-mail to %s: %s\n%s", mail.to_address, mail.subject, mail.body)
        return
    message = EmailMessage()
    name, address = parseaddr(config["MAIL_DEFAULT_SENDER"])
    message["From"] = formataddr((name, address))
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def deliver_pending(session: Session, limit: int = 100) -> int:
    """Send what waits in the outbox; returns how many were sent. Failures are retried later."""
    pending = session.scalars(
        select(OutboxMail)
        .where(OutboxMail.sent_at.is_(None), OutboxMail.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMail.id)
        .limit(limit)
    ).all()
    sent = 0
    for mail in pending:
        mail.attempts += 1
        try:
            _send(mail)
        except (OSError, smtplib.SMTPException) as exc:
            mail.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            log.warning("sending mail %s failed: %s", mail.id, exc)
            continue
        mail.sent_at = clock.now()
        sent += 1
    session.flush()
    return sent
