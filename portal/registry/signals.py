"""What other features hear from the registry, inside the registry's own transaction.

A listener runs after the registry has flushed what it recorded; if it raises, the whole report is
refused and nothing of it is written (the deposit scheme's refunds are approved this way).
"""

from __future__ import annotations

from collections.abc import Callable

_intake_listeners: list[Callable] = []


def on_intakes(listener: Callable) -> Callable:
    """Register listener(session, actor, events, demo=...) for confirmed intakes (once per function)."""
    if listener not in _intake_listeners:
        _intake_listeners.append(listener)
    return listener


def intakes_recorded(session, actor, events, *, demo: bool = False) -> None:
    """Tell the listeners about events just recorded (they pick the intakes)."""
    for listener in _intake_listeners:
        listener(session, actor, events, demo=demo)
