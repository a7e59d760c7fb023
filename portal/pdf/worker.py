"""A warm render worker: loads WeasyPrint and the CJK fonts once, then renders document after document.

The pool (pool.py) starts it as a fresh interpreter running this file (never a fork of the
multi-threaded web process), with a minimal environment, and talks to it over its stdin/stdout with
framed messages (one kind byte, a 4-byte length, the payload; no pickle either way):

    web -> worker   J {"html": ..., "static_dir": ..., "uploads_dir": ..., "timeout": ...}   render this
                    Q                                                        stop
    worker -> web   R <pid>          ready (WeasyPrint imported, fonts loaded by a warm-up render)
                    F <message>      failed to start; the worker then exits
                    O <pdf bytes>    rendered
                    E <message>      this document failed; the worker carries on

Run as a script it imports neither Flask nor the portal package (a lean process); fetcher.py, the
only portal code it needs, is loaded from beside this file.
"""

from __future__ import annotations

import json
import logging
import math
import os
import signal
import struct
import sys
import traceback
from pathlib import Path

HEADER = struct.Struct(">cI")
MAX_MESSAGE = 256 * 1024 * 1024

# Every face the PDF stylesheet uses, so the first real document finds them loaded and parsed.
WARM_UP_HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 10mm }
.serif { font-family: "Noto Serif CJK SC", serif } .sans { font-family: "Noto Sans CJK SC", sans-serif }
</style></head><body>
<p class="serif">山东省动力电池回收利用协会 会员证书 2026年</p><p class="serif"><b>会 员 证 书</b></p>
<p class="sans">统一社会信用代码 Certificate of Membership 0123456789</p><p class="sans"><b>押金对账单</b></p>
</body></html>"""


def write_message(fd: int, kind: bytes, payload: bytes = b"") -> None:
    """Send one framed message on a file descriptor."""
    data = memoryview(HEADER.pack(kind, len(payload)) + payload)
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, missing = [], size
    while missing:
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def read_message(fd: int) -> tuple[bytes, bytes] | None:
    """Receive one framed message (blocking); None when the other side has gone."""
    header = _read_exactly(fd, HEADER.size)
    if header is None:
        return None
    kind, size = HEADER.unpack(header)
    if size > MAX_MESSAGE:
        raise ValueError(f"message of {size} bytes refused")
    payload = _read_exactly(fd, size)
    return None if payload is None else (kind, payload)


def _load_fetcher():
    if __package__:
        from portal.pdf import fetcher

        return fetcher
    import importlib.util

    spec = importlib.util.spec_from_file_location("portal_pdf_fetcher", Path(__file__).with_name("fetcher.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _render(html_class, fetcher, job: dict) -> bytes:
    url_fetcher = fetcher.make_url_fetcher(job["static_dir"], job["uploads_dir"])
    base_url = f"https://{fetcher.PORTAL_ASSET_HOST}/"
    return html_class(string=job["html"], base_url=base_url, url_fetcher=url_fetcher).write_pdf()


def serve(requests: int, replies: int) -> int:
    """Start up (import, warm up), then answer render requests until told to stop or orphaned."""
    try:
        fetcher = _load_fetcher()
        from weasyprint import HTML

        HTML(string=WARM_UP_HTML).write_pdf()
    except BaseException as exc:
        logging.getLogger("portal.pdf.worker").error("start failed\n%s", traceback.format_exc())
        write_message(replies, b"F", f"{type(exc).__name__}: {exc}".encode())
        return 1
    write_message(replies, b"R", str(os.getpid()).encode())
    while True:
        message = read_message(requests)
        if message is None or message[0] == b"Q":
            return 0
        try:
            job = json.loads(message[1])
            # The web process kills us past the limit; should it die first, this alarm ends an orphan.
            signal.alarm(math.ceil(job.get("timeout", 60)) + 10)
            pdf = _render(HTML, fetcher, job)
        except Exception as exc:
            write_message(replies, b"E", f"{type(exc).__name__}: {exc}".encode())
        else:
            write_message(replies, b"O", pdf)
        finally:
            signal.alarm(0)


def main() -> int:
    """Keep the protocol pipes for ourselves; anything printed goes to stderr, not into a message."""
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [entry for entry in sys.path if entry not in (here, "")]  # no sibling shadows a module
    requests, replies = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    logging.basicConfig(level=logging.WARNING, format="pdf-worker[%(process)d] %(levelname)s %(name)s: %(message)s")
    return serve(requests, replies)


if __name__ == "__main__":
    sys.exit(main())
