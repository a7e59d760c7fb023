"""Secret tokens: made here, stored only as their hash (e-mail links, invitations, API tokens)."""

from __future__ import annotations

import hashlib
import secrets


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token."""
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """The stored form of a token (SHA-256 hex: tokens are random, so no salt or stretching is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()
