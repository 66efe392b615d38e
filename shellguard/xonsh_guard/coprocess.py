"""The client side of ``shellguard serve``: one co-process per shell, one JSON line each way.

:meth:`Coprocess.start` starts the process in a background thread (the xontrib calls
it when a prompt is shown), so the shell never waits for Python to start; a request
with no process starts one itself. Every request carries an id and only the answer
with that id counts. Failures never raise to the caller; they return None ("no
answer"), and the caller asks the person, because the safe answer wins:

- the process died (write fails, or end of file): it is started again and the
  request is sent once more;
- no answer within the timeout (a hung or stopped process), or an answer that is
  not ours: it is killed and replaced in the background; this request gets None.

The answers to audit reports (:meth:`Coprocess.report`) are not waited for; they are
read and dropped before the next answer.
"""

from __future__ import annotations

import json
import os
import select
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # imported where a process is started, in the background thread
    import subprocess

__all__ = ["Coprocess", "Reply", "ACTIONS"]

ACTIONS = ("allow", "confirm", "deny")
#: A process that has not answered yet may still be importing the classifier: its
#: first answer may take until this long after it was started (or the timeout, if later).
STARTUP_GRACE_S = 10.0


class Reply(NamedTuple):
    """The co-process's answer about one command line."""

    classification: str
    reasoning: str
    action: str  # allow | confirm | deny
    source: str = ""
    read_prefixes: str = ""  # see shellguard.parse.plain.ReadPrefixes


class _NoAnswer(Exception):
    """This process will not answer this request: ``dead`` ones are retried once."""

    def __init__(self, why: str, dead: bool = False) -> None:
        super().__init__(why)
        self.dead = dead


class Coprocess:
    """``argv`` runs the server; ``env`` (a callable, so it is read in the starting thread)."""

    def __init__(self, argv: list[str], *, shell: str, timeout: float = 3.0,
                 log_path: Path | None = None,
                 env: Callable[[], Mapping[str, str]] | None = None) -> None:
        self.argv = argv
        self.shell = shell
        self.timeout = timeout
        self.log_path = log_path
        self.env = env
        self.last_error = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._starter: threading.Thread | None = None
        self._buffer = b""
        self._answered = False
        self._spawned_at = 0.0
        self._next_id = 0
        self._discard: set[int] = set()
        # Commands in background jobs or threaded aliases may be checked while the
        # prompt checks a line: one exchange at a time, or answers would cross.
        self._lock = threading.RLock()

    # -- life cycle ---------------------------------------------------------

    def start(self) -> None:
        """Start the process in the background unless it runs (returns at once).

        A process found dead is replaced here too, so that the next request does not
        wait for a new one to start.
        """
        if not self._lock.acquire(blocking=False):
            return  # a request is in flight: it deals with the process itself
        try:
            if self._starter is not None:
                return
            if self._proc is not None:
                if self._proc.poll() is None:
                    return
                self._drop()
            self._starter = threading.Thread(target=self._spawn, name="shellguard-start",
                                             daemon=True)
            self._starter.start()
        finally:
            self._lock.release()

    @property
    def pid(self) -> int | None:
        self._join()
        return self._proc.pid if self._proc is not None else None

    def close(self) -> None:
        """Let the process go: it reads end of file and exits."""
        with self._lock:
            self._join()
            proc, self._proc = self._proc, None
            if proc is not None:
                _close_pipes(proc)
                threading.Thread(target=_reap, args=(proc,), daemon=True).start()

    def _spawn(self) -> None:
        import subprocess  # not at xonsh start-up: this runs in the starting thread

        log = None
        try:
            env = dict(self.env()) if self.env is not None else None
        except Exception:  # the shell's environment could not be read: inherit ours
            env = None
        try:
            if self.log_path is not None:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                log = open(self.log_path, "ab")  # handed to the child, closed below
            self._proc = subprocess.Popen(
                self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=log if log is not None else subprocess.DEVNULL, cwd="/", env=env,
                start_new_session=True,  # no SIGINT/SIGTSTP from the terminal
            )
            self._buffer = b""
            self._answered = False
            self._spawned_at = time.monotonic()
            self._discard.clear()
        except OSError as exc:
            self.last_error = f"cannot start {self.argv[0]}: {exc.strerror or exc}"
            self._proc = None
        finally:
            if log is not None:
                log.close()

    def _join(self) -> None:
        starter = self._starter
        if starter is not None:
            starter.join()
            self._starter = None

    def _live(self) -> subprocess.Popen[bytes] | None:
        self._join()
        if self._proc is not None and self._proc.poll() is not None:
            self._drop()
        if self._proc is None:
            self._spawn()
        return self._proc

    def _drop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                proc.kill()  # SIGKILL also ends a stopped process
            except OSError:
                pass
            _close_pipes(proc)
            threading.Thread(target=_reap, args=(proc,), daemon=True).start()

    def _replace(self) -> None:
        """Kill this process and start the next one in the background."""
        self._drop()
        self.start()

    # -- requests -------------------------------------------------------------

    def classify(self, command: str, cwd: str,
                 aliases: dict[str, str] | None = None) -> Reply | None:
        """The answer about ``command`` (``aliases``: those of the session it names), or
        None when none can be had."""
        with self._lock:
            return self._classify(command, cwd, aliases)

    def _classify(self, command: str, cwd: str, aliases: dict[str, str] | None) -> Reply | None:
        for attempt in (1, 2):
            try:
                return self._exchange(command, cwd, aliases)
            except _NoAnswer as exc:
                self.last_error = str(exc)
                if exc.dead and attempt == 1:
                    self._drop()
                    continue
                self._replace()
                return None
            except BaseException:  # Ctrl-C while waiting: the stream is out of step now
                self._replace()
                raise
        return None

    def report(self, command: str, cwd: str, answer: str) -> None:
        """Tell the audit log what the person answered (the reply is not waited for)."""
        with self._lock:
            proc = self._live()
            if proc is None:
                return
            rid = self._send(proc, command, cwd, answer)
            if rid is None:
                self._drop()
            else:
                self._discard.add(rid)

    def _send(self, proc: subprocess.Popen[bytes], command: str, cwd: str,
              answer: str | None = None, aliases: dict[str, str] | None = None) -> int | None:
        self._next_id += 1
        request: dict[str, object] = {"id": self._next_id, "command": command, "cwd": cwd,
                                      "shell": self.shell}
        if answer is not None:
            request["answer"] = answer
        if aliases:
            request["aliases"] = aliases
        data = memoryview(json.dumps(request, ensure_ascii=True).encode("ascii") + b"\n")
        assert proc.stdin is not None
        fd = proc.stdin.fileno()
        try:
            while data:
                data = data[os.write(fd, data):]
        except OSError:  # EPIPE: Python ignores SIGPIPE, so this is an error, not a death
            return None
        return self._next_id

    def _exchange(self, command: str, cwd: str, aliases: dict[str, str] | None) -> Reply:
        proc = self._live()
        if proc is None:
            raise _NoAnswer(self.last_error or "the classifier could not be started")
        rid = self._send(proc, command, cwd, aliases=aliases)
        if rid is None:
            raise _NoAnswer("the classifier has exited", dead=True)
        deadline = time.monotonic() + self.timeout
        if not self._answered:
            deadline = max(deadline, self._spawned_at + STARTUP_GRACE_S)
        while True:
            data = self._line(proc, deadline)
            try:
                answer = json.loads(data)
            except ValueError:
                raise _NoAnswer("the classifier's answer was garbled") from None
            got = answer.get("id") if isinstance(answer, dict) else None
            if isinstance(got, int) and got in self._discard:
                self._discard.discard(got)
                continue
            if got != rid:
                raise _NoAnswer(f"the classifier answered request {got!r}, not {rid}")
            self._answered = True
            return _reply(answer)

    def _line(self, proc: subprocess.Popen[bytes], deadline: float) -> bytes:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise _NoAnswer(f"the classifier did not answer within {self.timeout:g} s")
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                raise _NoAnswer("the classifier has exited", dead=True)
            self._buffer += chunk
            if len(self._buffer) > 1 << 20:
                raise _NoAnswer("the classifier's answer was too long")
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line


def _reply(answer: dict[str, object]) -> Reply:
    action = answer.get("action")
    cls = answer.get("classification")
    reason = answer.get("reasoning")
    if action not in ACTIONS or not isinstance(cls, str) or not isinstance(reason, str):
        raise _NoAnswer("the classifier's answer was incomplete")
    source = answer.get("source")
    prefixes = answer.get("read_prefixes")
    return Reply(cls, reason, str(action), source if isinstance(source, str) else "",
                 prefixes if isinstance(prefixes, str) else "")


def _close_pipes(proc: subprocess.Popen[bytes]) -> None:
    for stream in (proc.stdin, proc.stdout):
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass


def _reap(proc: subprocess.Popen[bytes]) -> None:
    try:
        proc.wait(timeout=30)
    except Exception:  # subprocess.TimeoutExpired, OSError: nothing more to do
        pass
