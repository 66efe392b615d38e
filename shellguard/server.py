"""The co-process: ``shellguard serve`` answers one JSON line per request line, in order.

Its stdout is the protocol channel and nothing else may write there: the real
stdout is moved to a private descriptor at start and fd 1 is pointed at stderr,
so a stray print from any library can never corrupt an answer. Bad input gets an
answer with an ``error`` field and the safe action ("confirm"); nothing here
raises to the caller, prints a traceback, or blocks later requests.
"""

from __future__ import annotations

import gc
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator

from shellguard import paths, read_table
from shellguard.guard import Decision, Guard
from shellguard.parse.plain import prefix_entry
from shellguard.prefix_memory import EVERYDAY, PrefixMemory
from shellguard.protocol import (
    MAX_LINE_BYTES,
    ProtocolError,
    Request,
    Response,
    decode_request,
    encode_response,
)

__all__ = ["serve", "answer", "Session"]

_READ_CHUNK = 1 << 16
#: How long one step of building the read tables may run before it looks for a request.
_STEP_SECONDS = 0.001


def _lines(fd: int, on_idle: Callable[[], None] = lambda: None) -> Iterator[bytes | None]:
    """Lines from ``fd`` without the newline; ``None`` for a line over the size limit.
    ``on_idle`` runs before each read (which may wait)."""
    buffer = bytearray()
    skipping = False
    while True:
        on_idle()
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
              read_prefixes: tuple[str, ...] = (), read_table: str = "") -> Response:
    verdict = decision.verdict
    return Response(request_id, verdict.crud.name, verdict.confidence, verdict.reason,
                    verdict.source, decision.action, error, read_prefixes, read_table)


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


class Session:
    """What one co-process (one shell) remembers between requests: the read-only
    prefixes kept from earlier sessions (and the everyday ones), handed out early, and
    the read tables of the programs on PATH (:mod:`shellguard.read_table`), named in
    its replies once built (unless ``tables`` is false)."""

    def __init__(self, memory: PrefixMemory | None, tables: bool = True) -> None:
        self.memory = memory
        self.handed_out = self.read_surely = memory is None
        self._warming: Iterator[bool] | None = None
        self._warmed = False
        self._tables = tables
        #: shell -> the name of its read table, built for _table_for's config and rules
        self.read_tables: dict[str, str] = {}
        self._table_for: tuple[object, object] | None = None

    def _earlier(self) -> list[str]:
        """The words to hand out: the user's own, the most recent first, then everyday
        ones."""
        assert self.memory is not None
        return list(dict.fromkeys((*self.memory.recalled(), *EVERYDAY)))

    def warm(self, guard: Guard, idle: Callable[[], bool]) -> None:
        """Work while ``idle()`` holds (no request waiting), a step at a time; the next
        call goes on where this one stopped. First what the first reply will hand out
        (which loads those programs' rules: git's take 3 ms), then everything else a
        first line could wait for (:meth:`Guard.warm_steps`)."""
        if self._warmed:
            return
        if self._warming is None:
            self._warming = self._warm_steps(guard)
        while idle():
            if not next(self._warming, False):
                self._warmed, self._warming = True, None
                return
            # What a step built lives as long as we do: out of the cyclic collector's
            # sight (see serve), so that no full collection of it (20-30 ms) lands in a
            # step or, later, in a request.
            gc.freeze()

    def _warm_steps(self, guard: Guard) -> Iterator[bool]:
        if self.memory is not None and not self.handed_out:
            for words in self._earlier():
                guard.prefixes_for([words])
                yield True
        for _ in guard.warm_steps():
            yield True
        yield from self._table_steps(guard)

    def _table_steps(self, guard: Guard) -> Iterator[bool]:
        """Build the read tables, a few programs a step (all of this machine's: ~0.4 s)."""
        self.read_tables = {}
        if not self._tables:
            return
        self._table_for = (guard.config, guard.classifier.rules)
        rules = guard.classifier.rules
        names = [name for name in guard.programs_here or () if rules.knows(name)]
        prefixes: list[str] = []
        with_arg: dict[str, frozenset[str]] = {}
        pause = time.monotonic() + _STEP_SECONDS
        for name in names:
            found: list[str] = []
            for prefix in guard.program_read_prefixes(name):
                if prefix is not None:
                    found.append(prefix)
                    if len(found) > read_table.MAX_PER_PROGRAM:
                        break
                if time.monotonic() > pause:
                    yield True
                    pause = time.monotonic() + _STEP_SECONDS
            if len(found) <= read_table.MAX_PER_PROGRAM:
                prefixes += found
                if any(" " in prefix_entry(prefix)[0] for prefix in found):
                    with_arg[name] = rules.options_with_arg(name)
        for shell in read_table.SHELLS:
            name = read_table.write(prefixes, shell, with_arg)
            if name is not None:
                self.read_tables[shell] = name
            yield True

    def read_table(self, guard: Guard, request: Request) -> str:
        """The name of the read table for the shell that sent ``request`` ("" while there
        is none). A config or rules change since it was built drops it and builds anew."""
        built = self._table_for
        if built is not None and (built[0] is not guard.config
                                  or built[1] is not guard.classifier.rules):
            self.read_tables, self._table_for = {}, None
            self._warmed, self._warming = False, self._table_steps(guard)
        return self.read_tables.get(request.shell or "", "")

    def prefixes(self, guard: Guard, found: tuple[str, ...], request: Request) -> tuple[str, ...]:
        """The prefixes for the reply to ``request``: those of its line, and with the
        first reply, the earlier sessions' and the everyday ones too. A shell may skip
        the reply to a prefetch (when Enter comes first, or the line goes on), so they
        go once more with the first reply to a plain request. (An answer report's reply
        is always skipped: it never carries them.)"""
        if self.memory is None or request.answer is not None:
            return found
        self.memory.remember(found)
        if self.read_surely or (self.handed_out and request.prefetch):
            return found
        self.handed_out = True
        self.read_surely = not request.prefetch
        earlier = guard.prefixes_for(self._earlier())
        return tuple(dict.fromkeys((*found, *earlier)))

    def save(self) -> None:
        """What can wait until the reply is sent: writing the kept prefixes."""
        if self.memory is not None:
            self.memory.save()


def answer(guard: Guard, line: bytes | None, session: Session | None = None) -> Response:
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
        prefixes = guard.read_prefixes(request.command, request.aliases, request.global_aliases)
        table = ""
        if session is not None:
            prefixes = session.prefixes(guard, prefixes, request)
            table = session.read_table(guard, request)
        return _response(request_id, decision, read_prefixes=prefixes, read_table=table)
    except ProtocolError as exc:
        rid = exc.request_id if exc.request_id is not None else request_id
        return _response(rid, guard.safe_decision("the request could not be read"), str(exc))
    except Exception as exc:  # the safe answer wins over any bug
        return _response(request_id, guard.safe_decision("shellguard could not classify this"),
                         f"internal error: {type(exc).__name__}")


def _idle(fd: int) -> bool:
    """No request is waiting on ``fd`` (nor has it reached its end)."""
    try:
        return not select.select([fd], [], [], 0)[0]
    except (OSError, ValueError):
        return False


def _watch_parent(parent: int) -> None:
    """Exit when the shell that started us is gone (EOF normally tells us first)."""
    while True:
        time.sleep(2.0)
        if os.getppid() != parent:
            os._exit(0)


def serve(guard: Guard | None = None, pad: int = 0,
          memory: PrefixMemory | None | bool = True) -> int:
    """Answer requests on stdin until EOF; ``pad``: see :func:`encode_response`;
    ``memory``: where read-only prefixes are kept across sessions (True: the file in
    the XDG state directory; None: nowhere)."""
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
    if memory is True:
        memory = PrefixMemory(paths.state_dir() / "read-prefixes")
    session = Session(memory or None)
    # What start-up built (modules, the rule index) lives as long as we do: out of the
    # cyclic collector's sight, a full collection no longer walks it (2.4 ms, a p99 cost).
    gc.freeze()
    for line in _lines(0, lambda: session.warm(guard, lambda: _idle(0))):
        data = encode_response(answer(guard, line, session), pad)
        try:
            view = memoryview(data)
            while view:
                written = os.write(proto, view)
                view = view[written:]
        except OSError:
            return 0  # the shell went away
        session.save()
    return 0
