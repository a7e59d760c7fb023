"""Idempotent POSTs for every /api/v1 endpoint, in one place.

A POST with an ``Idempotency-Key`` header is answered once: its status and body are kept (in the
same transaction as the writes, for an answer below 400; in a transaction of their own for a
refusal, which wrote nothing) and the same key with the same body gets that answer again, writing
nothing. The same key with another body is refused (422). Keys belong to their caller and are kept
for IDEMPOTENCY_TTL_HOURS; a job forgets older ones.

Concurrent requests with one key: the unique (caller, key) constraint lets one commit; the other's
transaction is retried by the request loop (portal.PortalFlask) and then finds the kept answer.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re

from flask import Response, current_app, request
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, insert, select

from portal import jobs
from portal.api.caller import api_actor, caller_key
from portal.api.models import IdempotentRequest
from portal.core import audit, clock, uow
from portal.core.actors import TokenActor
from portal.core.pipeline import pipelined
from portal.errors import DomainError, api_error

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"


def fingerprint() -> str:
    """Method, path and body; a JSON body is compared by its content, not its spacing or key order."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw or b"null"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        body = raw.decode("utf-8", "replace")
    text = f"{request.method} {request.path}?{request.query_string.decode('latin-1')}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


KEY_PATTERN = re.compile(r"[!-~]{1,255}")  # visible ASCII, as the OpenAPI document says (a UUID fits)


def _checked_key(raw: str) -> str:
    key = raw
    if not KEY_PATTERN.fullmatch(key):
        message = _("Idempotency-Key 应为1至255个可见的ASCII字符（如UUID）。")
        raise DomainError(message, {HEADER: message})
    return key


# Statements built once (every POST runs them), on the table's columns (Core: no ORM compile and load
# steps): the kept answer's columns, the row.
_KEPT_TABLE = IdempotentRequest.__table__
KEPT = select(_KEPT_TABLE.c.fingerprint, _KEPT_TABLE.c.status, _KEPT_TABLE.c.body).where(
    _KEPT_TABLE.c.caller == bindparam("who"), _KEPT_TABLE.c.key == bindparam("key")
)
KEEP = insert(IdempotentRequest.__table__).inline()  # inline: no RETURNING, so it may be pipelined


def _kept(session, who: str, key: str):
    """The kept answer (fingerprint, status, body) of this caller's key, or None."""
    return session.execute(KEPT, {"who": who, "key": key}).first()


def _replay(kept) -> Response:
    response = Response(kept.body, status=kept.status, mimetype="application/json")
    response.headers[REPLAYED] = "true"
    return response


def _audit_call(session, actor, status: int, key: str | None) -> None:
    """Attribute a writing call to its token in the audit log."""
    if isinstance(actor, TokenActor):
        after = {"method": request.method, "path": request.path, "status": status, "idempotency_key": key}
        audit.append(session, actor, "api.call", "api_token", actor.token_id, after=after)


def idempotent(view):
    """Wrap an API view answering POST (done for every one by ``apply``)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "POST":
            return view(*args, **kwargs)
        raw_key = request.headers.get(HEADER)
        if raw_key is None:
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code < 400:
                _audit_call(uow.session(), api_actor(), response.status_code, None)
            return response
        key = _checked_key(raw_key)
        who = caller_key()
        if who is None:
            # Anonymous callers cannot own keys; the view refuses them (401) in any case.
            return view(*args, **kwargs)
        print_ = fingerprint()
        session = uow.session()
        kept = _kept(session, who, key)
        if kept is not None:
            if kept.fingerprint != print_:
                raise DomainError(
                    _("此 Idempotency-Key 已用于另一个请求（内容不同）；新的请求请使用新的键。"),
                    {HEADER: _("此键已用于内容不同的请求。")},
                )
            return _replay(kept)
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except DomainError as err:
            # The refusal wrote nothing; keep it in a transaction of its own, then answer it.
            response = api_error(err.status, err.code, err.message, err.fields)
            uow.discard_request()
            session = uow.session()
            if _kept(session, who, key) is None:
                session.execute(KEEP, _row(who, key, print_, response))
            uow.commit()
            return response
        if response.status_code < 500:
            with pipelined(session):  # the answer and the audit entry in one round trip (PostgreSQL)
                session.execute(KEEP, [_row(who, key, print_, response)])
                if response.status_code < 400:
                    _audit_call(session, api_actor(), response.status_code, key)
        return response

    return wrapper


def _row(who: str, key: str, print_: str, response: Response) -> dict:
    body = response.get_data(as_text=True)
    return {"caller": who, "key": key, "fingerprint": print_, "status": response.status_code, "body": body}


def apply(app, blueprint_name: str) -> None:
    """Make every POST view of the blueprint idempotent (called once the blueprint is registered)."""
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith(f"{blueprint_name}.") and endpoint in posting:
            app.view_functions[endpoint] = idempotent(view)


@jobs.register("api.forget_idempotency_keys", every=dt.timedelta(hours=1))
def forget_idempotency_keys(session, now: dt.datetime | None = None) -> int:
    """Forget kept answers older than IDEMPOTENCY_TTL_HOURS."""
    now = now or clock.now()
    cutoff = now - dt.timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    result = session.execute(delete(IdempotentRequest).where(IdempotentRequest.created_at < cutoff))
    return result.rowcount or 0
