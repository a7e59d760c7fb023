"""Each web process's warm render workers: started on first use, reused, recycled, killed on the time limit.

* A worker is a fresh interpreter (``python worker.py``, spawned, never a fork of the web process,
  whose other threads may hold locks a forked child would inherit), with a minimal environment
  (no database URL or secret key reaches the process that reads user content).
* The pool belongs to one process: it remembers its PID, and a forked child (gunicorn forks its
  workers from the arbiter) gets a pool of its own, never its parent's pipes or workers.
* Thread-safe: each worker is a slot taken from a queue, so two threads never share one; a thread
  finding every worker busy waits, within its own time limit.
* A worker is replaced after ``max_renders`` documents (in the background: the replacement starts
  loading while the caller gets its document); one that overruns the time limit is killed and
  replaced at the next render; one that dies at start or mid-render is reported at once.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from portal.pdf.worker import HEADER, MAX_MESSAGE, write_message

WORKER_SCRIPT = Path(__file__).resolve().with_name("worker.py")
PASSED_ENVIRONMENT = (
    "PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ",
    "FONTCONFIG_FILE", "FONTCONFIG_PATH", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_DIRS",
)  # fmt: skip


class WorkerTimeout(Exception):
    """The document was not ready within the time limit."""


class WorkerFailed(Exception):
    """The worker could not start or died; the text is for the log."""


class DocumentFailed(WorkerFailed):
    """The worker could not render this document (it carries on with the next)."""


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    worker_pid: int
    renders: int  # documents this worker has rendered, this one included


def worker_command() -> list[str]:
    """The command that starts a worker (tests replace it to inject a failing start)."""
    return [sys.executable, "-E", "-s", str(WORKER_SCRIPT)]


def _environment() -> dict[str, str]:
    return {key: os.environ[key] for key in PASSED_ENVIRONMENT if key in os.environ}


def _read_exactly(fd: int, size: int, deadline: float) -> bytes:
    chunks, missing = [], size
    poller = select.poll()  # not select(): a busy web process may hold descriptors past 1024
    poller.register(fd, select.POLLIN)
    while missing:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not poller.poll(max(1, int(remaining * 1000))):
            raise WorkerTimeout
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            raise WorkerFailed("the worker exited")
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


class Worker:
    """One worker process and our ends of its pipes."""

    def __init__(self, command: list[str]):
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter and worker script, no user input
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_environment(), close_fds=True
        )
        self.pid = self.process.pid
        self.ready = False
        self.renders = 0

    def _receive(self, deadline: float) -> tuple[bytes, bytes]:
        kind, size = HEADER.unpack(_read_exactly(self.process.stdout.fileno(), HEADER.size, deadline))
        if size > MAX_MESSAGE:
            raise WorkerFailed(f"the worker sent a message of {size} bytes")
        return kind, _read_exactly(self.process.stdout.fileno(), size, deadline)

    def _exit_note(self) -> str:
        try:
            code = self.process.wait(2)
        except subprocess.TimeoutExpired:
            return "the worker stopped answering"
        return f"the worker exited with code {code}"

    def wait_ready(self, deadline: float) -> None:
        if self.ready:
            return
        try:
            kind, payload = self._receive(deadline)
        except WorkerFailed:
            raise WorkerFailed(f"PDF worker {self.pid} died at start: {self._exit_note()}") from None
        if kind != b"R":
            raise WorkerFailed(f"PDF worker {self.pid} failed to start: {payload.decode(errors='replace')}")
        self.ready = True

    def render(self, job: bytes, deadline: float) -> bytes:
        try:
            write_message(self.process.stdin.fileno(), b"J", job)
            kind, payload = self._receive(deadline)
        except (BrokenPipeError, WorkerFailed):
            raise WorkerFailed(f"PDF worker {self.pid} died while rendering: {self._exit_note()}") from None
        self.renders += 1
        if kind != b"O":
            raise DocumentFailed(f"PDF worker {self.pid} could not render: {payload.decode(errors='replace')}")
        return payload

    def stop(self) -> None:
        """Ask the worker to exit (it finishes nothing: it is idle when we ask)."""
        with contextlib.suppress(OSError):
            write_message(self.process.stdin.fileno(), b"Q")
        self._close_pipes()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self._close_pipes()

    def forget(self) -> None:
        """In a forked child: close our copies of the parent's pipes, never signal its worker."""
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()


class Slot:
    """A place for one worker; whoever holds the slot owns its worker."""

    def __init__(self):
        self.worker: Worker | None = None


class WorkerPool:
    """``size`` warm workers for this process."""

    def __init__(self, size: int, command: list[str] | None = None):
        self.pid = os.getpid()
        self.size = size
        self.command = command or worker_command()
        self._slots = [Slot() for _ in range(size)]
        self._idle: queue.LifoQueue[Slot] = queue.LifoQueue()
        for slot in self._slots:
            self._idle.put(slot)
        self._retired: list[Worker] = []
        self._retired_lock = threading.Lock()

    def render(self, job: dict, *, timeout: float, max_renders: int) -> Rendered:
        """Render one document in a warm worker; WorkerTimeout past the limit, WorkerFailed at once."""
        deadline = time.monotonic() + timeout
        payload = json.dumps(job).encode()
        try:
            slot = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise WorkerTimeout from None  # every worker busy for the whole time limit
        try:
            return self._render_in(slot, payload, deadline, max_renders)
        finally:
            self._idle.put(slot)

    def _render_in(self, slot: Slot, payload: bytes, deadline: float, max_renders: int) -> Rendered:
        if slot.worker is None or slot.worker.process.poll() is not None:
            try:
                slot.worker = Worker(self.command)
            except OSError as exc:
                raise WorkerFailed(f"PDF worker could not be started: {exc}") from None
        worker = slot.worker
        try:
            worker.wait_ready(deadline)
            pdf = worker.render(payload, deadline)
        except WorkerTimeout:
            slot.worker = None
            worker.kill()
            raise
        except DocumentFailed:
            raise
        except WorkerFailed:
            slot.worker = None
            worker.kill()
            raise
        if worker.renders >= max_renders:
            self._retire(worker)
            try:
                slot.worker = Worker(self.command)  # loads while this caller sends its document
            except OSError:
                slot.worker = None  # the next render tries again and reports it
        return Rendered(pdf, worker.pid, worker.renders)

    def _retire(self, worker: Worker) -> None:
        worker.stop()
        with self._retired_lock:
            self._retired = [w for w in self._retired if w.process.poll() is None]  # reap the exited
            self._retired.append(worker)

    def worker_pids(self) -> list[int]:
        """PIDs of the workers started and not yet stopped (for tests and the benchmark)."""
        return [slot.worker.pid for slot in self._slots if slot.worker is not None]

    def close(self) -> None:
        """Stop every worker: politely, then for good."""
        workers = [slot.worker for slot in self._slots if slot.worker is not None]
        for slot in self._slots:
            slot.worker = None
        for worker in workers:
            worker.stop()
        for worker in workers + self._retired:
            try:
                worker.process.wait(2)
            except subprocess.TimeoutExpired:
                worker.kill()
        self._retired = []

    def forget(self) -> None:
        """Drop an inherited pool in a forked child without touching the parent's workers."""
        for slot in self._slots:
            if slot.worker is not None:
                slot.worker.forget()
        _inherited.append(self)  # kept referenced: Popen.__del__ would otherwise poll another's child


_lock = threading.Lock()
_pool: WorkerPool | None = None
_inherited: list[WorkerPool] = []


def get_pool(size: int) -> WorkerPool:
    """This process's pool (created on first use, again after a fork or a change of size)."""
    global _pool
    with _lock:
        if _pool is not None and _pool.pid != os.getpid():
            _pool.forget()
            _pool = None
        if _pool is not None and _pool.size != size:
            _pool.close()
            _pool = None
        if _pool is None:
            _pool = WorkerPool(size)
        return _pool


def current_pool() -> WorkerPool | None:
    """The pool if this process has started one."""
    return _pool if _pool is not None and _pool.pid == os.getpid() else None


def shutdown() -> None:
    """Stop this process's workers (at exit; tests call it too)."""
    global _pool
    with _lock:
        if _pool is not None and _pool.pid == os.getpid():
            _pool.close()
        _pool = None


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.Lock()  # another thread may have held it at the fork


atexit.register(shutdown)
os.register_at_fork(after_in_child=_after_fork_in_child)
