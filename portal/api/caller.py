"""Who is calling the API: a member system with a token, or a person logged in through the browser.

Reads accept either; writes (POST) need a token, since the API takes no CSRF form tokens.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from portal.api import tokens
from portal.core import uow
from portal.core.actors import TokenActor
from portal.errors import Unauthorized

_KEY = "portal.api_actor"


def api_actor():
    """The caller of this request: a TokenActor, the logged-in user, or None (the public)."""
    # Kept on the request itself (an application context, and its g, may outlive one request).
    if _KEY not in request.environ:
        header = request.headers.get("Authorization")
        if header:
            actor = tokens.authenticate(uow.session(), header, touch=request.method == "POST")
        elif current_user.is_authenticated:
            actor = current_user._get_current_object()
        else:
            actor = None
        request.environ[_KEY] = actor
    return request.environ[_KEY]


def caller(scope: str):
    """The authenticated caller holding scope (a token's scope; people in the browser have their role).

    401 without credentials (and for a POST without a token), 403 for a token without the scope.
    """
    actor = api_actor()
    if actor is None:
        raise Unauthorized(_("请提供接口令牌（Authorization: Bearer <令牌>）或先登录。"))
    if request.method == "POST" and not isinstance(actor, TokenActor):
        raise Unauthorized(_("写入接口须使用接口令牌（Authorization: Bearer <令牌>）。"))
    tokens.require_scope(actor, scope)
    return actor


def caller_key() -> str | None:
    """A stable name of the caller for idempotency keys (None for the public)."""
    actor = api_actor()
    if isinstance(actor, TokenActor):
        return f"token:{actor.token_id}"
    if actor is not None:
        return f"user:{actor.id}"
    return None
