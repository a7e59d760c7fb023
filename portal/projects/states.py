"""The project state machine, written once as data: the states, their labels, and the allowed moves.

Pure: no database. ``check`` is the only gate every state change passes (services call it); a move
that is not in TRANSITIONS does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.core.enums import Enumeration, Item

STATES = Enumeration(
    "project_state",
    [
        Item("draft", "草稿", "Draft"),
        Item("applied", "申报", "Applied"),
        Item("under_review", "评审中", "Under review"),
        Item("approved", "立项", "Approved"),
        Item("rejected", "未通过", "Rejected"),
        Item("in_construction", "建设中", "In construction"),
        Item("operating", "运行中", "Operating"),
        Item("accepted", "验收", "Accepted", ("已验收",)),
        Item("stopped", "终止", "Stopped", ("已终止",)),
    ],
)

LEAD, STAFF = "lead", "staff"  # who may make a move: the lead enterprise's users, or association staff


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    by: frozenset[str]  # LEAD and/or STAFF
    needs_reason: bool
    verb: object  # the button's words (a lazy_gettext string)


def _t(source: str, target: str, by: tuple[str, ...], needs_reason: bool, verb) -> Transition:
    return Transition(source, target, frozenset(by), needs_reason, verb)


TRANSITIONS: tuple[Transition, ...] = (
    _t("draft", "applied", (LEAD,), False, _l("提交申报")),
    _t("applied", "draft", (STAFF,), True, _l("退回修改")),
    _t("applied", "under_review", (STAFF,), False, _l("开始评审")),
    _t("under_review", "approved", (STAFF,), True, _l("批准立项")),
    _t("under_review", "rejected", (STAFF,), True, _l("不予立项")),
    _t("approved", "in_construction", (LEAD, STAFF), False, _l("开工建设")),
    _t("in_construction", "operating", (LEAD, STAFF), False, _l("投入运行")),
    _t("operating", "accepted", (STAFF,), True, _l("通过验收")),
    _t("approved", "stopped", (STAFF,), True, _l("终止项目")),
    _t("in_construction", "stopped", (STAFF,), True, _l("终止项目")),
    _t("operating", "stopped", (STAFF,), True, _l("终止项目")),
)
_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}

# Shown to the public, in the API and the search index: approved and after (a stopped project is not).
PUBLIC = ("approved", "in_construction", "operating", "accepted")
# Milestones run and progress is reported in these states; a milestone can be late only here.
ACTIVE = ("approved", "in_construction", "operating")
EDITABLE = ("draft",)  # the lead enterprise edits its application only as a draft
FINAL = ("rejected", "accepted", "stopped")


class TransitionRefused(Exception):
    """The move does not exist, the actor may not make it, or its reason is missing."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # no_such_move | not_allowed | reason_missing


def transition(source: str, target: str) -> Transition | None:
    """The allowed move from source to target, or None."""
    return _BY_PAIR.get((source, target))


def check(source: str, target: str, actor_kinds: frozenset[str] | set[str], reason: str = "") -> Transition:
    """The move if it exists, one of actor_kinds may make it and its reason is given; else TransitionRefused."""
    move = transition(source, target)
    if move is None:
        raise TransitionRefused("no_such_move")
    if not (move.by & set(actor_kinds)):
        raise TransitionRefused("not_allowed")
    if move.needs_reason and not (reason or "").strip():
        raise TransitionRefused("reason_missing")
    return move


def moves_from(source: str, actor_kinds: frozenset[str] | set[str]) -> list[Transition]:
    """The moves actor_kinds may make from source, in the table's order."""
    return [t for t in TRANSITIONS if t.source == source and t.by & set(actor_kinds)]


def reachable(start: str = "draft") -> set[str]:
    """Every state some sequence of allowed moves leads to from start."""
    seen, todo = {start}, [start]
    while todo:
        state = todo.pop()
        for t in TRANSITIONS:
            if t.source == state and t.target not in seen:
                seen.add(t.target)
                todo.append(t.target)
    return seen
