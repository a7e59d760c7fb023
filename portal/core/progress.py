"""Progress of a long request (a bulk upload), readable by any worker on the machine while it runs.

The request that does the work writes a small JSON file under the instance folder after each step;
the page polls ``read`` through another request, which any worker process can answer. Files are
named by a random id the browser makes, so one upload cannot read another's progress.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from flask import current_app

_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_AGE_SECONDS = 24 * 3600


def _path(progress_id: str) -> Path | None:
    if not progress_id or not _ID.match(progress_id):
        return None
    folder = Path(current_app.instance_path) / "progress"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{progress_id}.json"


def update(progress_id: str | None, *, done: int, total: int, phase: str) -> None:
    """Record how far the work is (atomically: a reader never sees half a file)."""
    path = _path(progress_id or "")
    if path is None:
        return
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"done": done, "total": total, "phase": phase, "at": time.time()}))
    os.replace(tmp, path)


def read(progress_id: str) -> dict | None:
    """The latest progress of that id, or None when there is none (yet)."""
    path = _path(progress_id)
    if path is None or not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def finish(progress_id: str | None) -> None:
    """Forget the progress once the work has answered; also sweep files older than a day."""
    path = _path(progress_id or "")
    if path is not None:
        path.unlink(missing_ok=True)
        cutoff = time.time() - MAX_AGE_SECONDS
        for old in path.parent.glob("*.json"):
            try:
                if old.stat().st_mtime < cutoff:
                    old.unlink(missing_ok=True)
            except OSError:
                continue


class PhaseBars:
    """``fn(phase, done, total)`` shown on a terminal: one labelled bar per phase, in turn.

    For commands (``flask outlets import``, ``flask search reindex``): each phase a long job goes
    through (reading, validating, writing, indexing) gets its own bar as soon as it starts.
    """

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels
        self.phase: str | None = None
        self.bar = None
        self.pos = 0

    def __call__(self, phase: str, done: int, total: int) -> None:
        import click

        if phase != self.phase:
            self.close()
            self.phase, self.pos = phase, 0
            self.bar = click.progressbar(length=max(total, 1), label=self.labels.get(phase, phase))
            self.bar.__enter__()
        self.bar.length = max(total, done, 1)
        self.bar.update(done - self.pos)
        self.pos = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __enter__(self) -> PhaseBars:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
