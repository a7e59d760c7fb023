"""Mail and notifications: every feature posts through these functions, none sends mail itself."""

from __future__ import annotations

import logging
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

from flask import current_app, render_template
from flask_babel import LazyString, force_locale
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.core import clock
from portal.core.uow import run_in_transaction
from portal.notify.models import Notification, OutboxMail

log = logging.getLogger("portal.mail")
MAX_ATTEMPTS = 5
DEFAULT_LANGUAGE = "zh_Hans_CN"  # of recipients who never chose one
Text = str | LazyString  # a message: plain, or lazy_gettext's to be translated for each recipient


def _language(code: str | None) -> str:
    return "en" if code == "en" else DEFAULT_LANGUAGE


def mail_language(session: Session, to: str) -> str:
    """The language of the account with this address; Chinese for an address with no account."""
    from portal.auth.queries import user_by_email

    user = user_by_email(session, to)
    return _language(user.locale if user is not None else None)


def queue_mail(
    session: Session, to: str, subject: Text, template: str, *, language: str | None = None, **context
) -> OutboxMail:
    """Render the e-mail in the recipient's language and put it in the outbox (sent by a job).

    The language is the one given, else that of the account with this address, else Chinese. The
    subject may be a lazy string (lazy_gettext): it is translated into that language here. English
    recipients get templates/mail/<template>.en.txt where it exists, the Chinese <template>.txt if not.
    """
    lang = _language(language) if language else mail_language(session, to)
    context.setdefault("base_url", current_app.config["PORTAL_BASE_URL"].rstrip("/"))
    names = ([f"mail/{template}.en.txt"] if lang == "en" else []) + [f"mail/{template}.txt"]
    with force_locale(lang):
        body = render_template(current_app.jinja_env.select_template(names), **context)
        mail = OutboxMail(to_address=to, subject=str(subject), body=body)
    session.add(mail)
    session.flush()
    return mail


def notify(session: Session, user_ids, title: Text, body: Text = "", link: str | None = None) -> None:
    """Post a notification to each user, title and body (plain or lazy strings) in that user's language."""
    from portal.auth.queries import locales_of

    for user_id, locale in sorted(locales_of(session, user_ids).items()):
        with force_locale(_language(locale)):
            session.add(Notification(user_id=user_id, title=str(title), body=str(body or ""), link=link))
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


@dataclass(frozen=True)
class PendingMail:
    """A plain copy of an outbox row, sent outside any transaction."""

    id: int
    to_address: str
    subject: str
    body: str


def _send(mail: PendingMail) -> None:
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


def _pending(session: Session, limit: int) -> list[int]:
    return list(
        session.scalars(
            select(OutboxMail.id)
            .where(OutboxMail.sent_at.is_(None), OutboxMail.attempts < MAX_ATTEMPTS)
            .order_by(OutboxMail.id)
            .limit(limit)
        )
    )


def _take(session: Session, mail_id: int) -> PendingMail | None:
    """Count an attempt on a mail still waiting; None if it was sent or given up meanwhile."""
    claimed = session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None), OutboxMail.attempts < MAX_ATTEMPTS)
        .values(attempts=OutboxMail.attempts + 1)
    ).rowcount
    if claimed != 1:
        return None
    mail = session.get(OutboxMail, mail_id)
    return PendingMail(mail.id, mail.to_address, mail.subject, mail.body)


def _record(session: Session, mail_id: int, error: str | None) -> None:
    values = {"last_error": error} if error else {"sent_at": clock.now(), "last_error": None}
    session.execute(update(OutboxMail).where(OutboxMail.id == mail_id).values(**values))


def deliver_pending(limit: int = 100, *, budget_seconds: float | None = None) -> int:
    """Send what waits in the outbox; returns how many were sent. Failures are retried later.

    Each e-mail is taken and recorded in short transactions of its own and sent outside any: a slow
    or unreachable mail server must not hold SQLite's write lock (every web request that writes
    would wait for it) nor keep a PostgreSQL transaction open. An e-mail is sent at least once: if
    the process dies between sending and recording, it is sent again (its attempt is counted).
    After ``budget_seconds`` no further e-mail is started (the rest wait for the next run).
    """
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    sent = 0
    for mail_id in run_in_transaction(lambda s: _pending(s, limit), write=False):
        if deadline is not None and time.monotonic() > deadline:
            break
        mail = run_in_transaction(lambda s, mail_id=mail_id: _take(s, mail_id))
        if mail is None:
            continue
        try:
            _send(mail)
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
            log.warning("sending mail %s failed: %s", mail.id, exc)
        else:
            error = None
            sent += 1
        run_in_transaction(lambda s, mail_id=mail_id, error=error: _record(s, mail_id, error))
    return sent
