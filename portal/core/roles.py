"""The portal's roles, named once. Everything that asks "which roles" imports these sets.

anonymous public (no role); member_admin and member_editor (of one enterprise); staff; admin;
reviewer (sees only what is assigned to them); observer (read-only staff dashboards);
financier (金融机构: a bank or investor, sees the projects seeking finance and sends interest).
"""

from __future__ import annotations

MEMBER_ADMIN = "member_admin"
MEMBER_EDITOR = "member_editor"
STAFF_ROLE = "staff"
ADMIN = "admin"
REVIEWER = "reviewer"
OBSERVER = "observer"
FINANCIER = "financier"

ALL = (MEMBER_ADMIN, MEMBER_EDITOR, STAFF_ROLE, ADMIN, REVIEWER, OBSERVER, FINANCIER)
MEMBER = frozenset({MEMBER_ADMIN, MEMBER_EDITOR})
STAFF = frozenset({STAFF_ROLE, ADMIN})
STAFF_READ = frozenset({STAFF_ROLE, ADMIN, OBSERVER})
INTERNAL = frozenset({STAFF_ROLE, ADMIN, OBSERVER, REVIEWER, FINANCIER})  # accounts created by administrators
