"""The co-process: ``shellguard serve`` answers one JSON line per request line, in order.

Its stdout is the protocol channel and nothing else may write there: the real
stdout is moved to a private descriptor at start and fd 1 is pointed at stderr,
so a stray print from any library can never corrupt an answer. Bad input gets an
answer with an ``error`` field and the safe action ("confirm"); nothing here
raises to the caller, prints a traceback, or blocks later requests.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

from shellguard.guard import Decision, Guard
from shellguard.protocol import (
    MAX_LINE_BYTES,
    ProtocolError,
    Request,
    Response,
    decode_request,
    encode_response,
)

__all__ = ["serve", "answer"]

_READ_CHUNK = 1 << 16


def _lines(fd: int) -> Iterator[bytes | None]:
    """Lines from ``fd`` without the newline; ``None`` for a line over the size limit."""
    buffer = bytearray()
    skipping = False
    while True:
        try:
            chunk = os.read(fd, _READ_CHUNK)
        except InterruptedError:
            continue
        except OSError:
            chunk = b""
        if not chunk:
            if buffer and not skipping:
                yield bytes(buffer)
            elif skipping:
                yield None
            return
        start = 0
        while True:
            nl = chunk.find(b"\n", start)
            if nl < 0:
                if not skipping:
                    buffer += chunk[start:]
                    if len(buffer) > MAX_LINE_BYTES:
                        buffer.clear()
                        skipping = True
                break
            if skipping:
                skipping = False
                yield None
            else:
                buffer += chunk[start:nl]
                line = bytes(buffer)
                buffer.clear()
                yield None if len(line) > MAX_LINE_BYTES else line
            start = nl + 1


def _response(request_id: int | str | None, decision: Decision, error: str | None = None,
              read_prefixes: tuple[str, ...] = ()) -> Response:
    verdict = decision.verdict
    return Response(request_id, verdict.crud.name, verdict.confidence, verdict.reason,
                    verdict.source, decision.action, error, read_prefixes)


def _audit(guard: Guard, request: Request, decision: Decision) -> None:
    """Log what a shell reports it answered, deny decisions, and every decision under
    ``audit = "all"``. A confirm decision is logged once, when its answer comes back;
    a prefetch (a line still being typed) never."""
    if request.prefetch or (request.answer is None and decision.action == "confirm"):
        return
    if (request.answer is None and decision.action == "allow"
            and guard.config.audit.get("audit") != "all"):
        return  # the common case costs nothing, not even the import
    from shellguard import audit

    audit.record_decision(request.shell or "shell", request.command, request.cwd, decision,
                          request.answer, audit.AuditSettings.from_config(guard.config))


def answer(guard: Guard, line: bytes | None) -> Response:
    """One request line in, one response out; never raises."""
    request_id: int | str | None = None
    try:
        if line is None:
            raise ProtocolError(f"request longer than {MAX_LINE_BYTES} bytes")
        request: Request = decode_request(line)
        request_id = request.id
        guard.reload_if_changed()
        check = guard.prefetch if request.prefetch else guard.check
        decision = check(request.command, request.cwd, request.aliases, request.global_aliases)
        _audit(guard, request, decision)
        return _response(request_id, decision, read_prefixes=guard.read_prefixes(
            request.command, request.aliases, request.global_aliases))
    except ProtocolError as exc:
        rid = exc.request_id if exc.request_id is not None else request_id
        return _response(rid, guard.safe_decision("the request could not be read"), str(exc))
    except Exception as exc:  # the safe answer wins over any bug
        return _response(request_id, guard.safe_decision("shellguard could not classify this"),
                         f"internal error: {type(exc).__name__}")


def _watch_parent(parent: int) -> None:
    """Exit when the shell that started us is gone (EOF normally tells us first)."""
    while True:
        time.sleep(2.0)
        if os.getppid() != parent:
            os._exit(0)


def serve(guard: Guard | None = None, pad: int = 0) -> int:
    """Answer requests on stdin until EOF; ``pad``: see :func:`encode_response`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    proto = os.dup(1)
    os.dup2(2, 1)  # stray prints go to stderr, never into the protocol
    sys.stdout = sys.stderr
    guard = guard or Guard()
    for problem in guard.problems:
        sys.stderr.write(f"shellguard: {problem}\n")
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    for line in _lines(0):
        data = encode_response(answer(guard, line), pad)
        try:
            view = memoryview(data)
            while view:
                written = os.write(proto, view)
                view = view[written:]
        except OSError:
            return 0  # the shell went away
    return 0
