"""Who is acting: a logged-in user, or an explicit system actor (a command, a job, the demo seed).

Services take an actor and check it with the helpers here. A system actor is a type of its own,
created on purpose by code that runs outside any request; it passes the staff checks and is named
in the log and the audit trail. A plain string is refused: it cannot skip a check by accident.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from portal.core import roles

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SystemActor:
    """The portal itself acting, on behalf of a named command or job (e.g. ``cli:outlets import``)."""

    name: str

    id = None  # no account behind it
    email = ""
    role = "system"
    enterprise_id = None
    is_authenticated = False
    is_member = False
    is_active = True

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a system actor needs a name")

    @property
    def label(self) -> str:
        return f"system:{self.name}"


@dataclass(frozen=True)
class TokenActor:
    """A member enterprise's system calling the API with one of its tokens (portal.api.tokens)."""

    token_id: int
    token_name: str
    enterprise_id: int
    scopes: frozenset[str]

    id = None  # no user account behind it: the token is the actor
    email = ""
    role = "api_token"
    is_authenticated = True
    is_member = True
    is_active = True

    @property
    def label(self) -> str:
        return f"token:{self.token_id}:{self.token_name}"


def system(name: str) -> SystemActor:
    """A system actor for the named command, job or step."""
    return SystemActor(name)


def _checked(actor) -> None:
    if actor is None or isinstance(actor, str):
        raise TypeError(f"an actor must be a user or a SystemActor, not {actor!r}")


def is_system(actor) -> bool:
    _checked(actor)
    return isinstance(actor, SystemActor)


def is_staff(actor) -> bool:
    """Staff or admin (a system actor counts as staff, and is logged)."""
    _checked(actor)
    if isinstance(actor, SystemActor):
        log.info("system actor %s acts with staff rights", actor.name)
        return True
    return bool(getattr(actor, "is_active", False) and getattr(actor, "role", None) in roles.STAFF)


def is_staff_reader(actor) -> bool:
    """Staff, admin or observer (read-only dashboards); a system actor too."""
    _checked(actor)
    if isinstance(actor, SystemActor):
        return True
    return bool(getattr(actor, "is_active", False) and getattr(actor, "role", None) in roles.STAFF_READ)


def require_staff(actor, message: str | None = None) -> None:
    """Raise Forbidden unless actor is staff (or a system actor)."""
    from portal.core.permissions import require

    require(is_staff(actor), message)


def actor_label(actor) -> str:
    """How the actor is named in the audit log and in histories: e-mail, then name, then system name."""
    _checked(actor)
    if isinstance(actor, SystemActor | TokenActor):
        return actor.label
    return getattr(actor, "email", "") or getattr(actor, "name", "") or "system"
