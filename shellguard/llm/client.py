"""The co-process side of the LLM: a thin socket client of the model daemon.

No llama_cpp, numpy, requests or tqdm here: each shell's co-process stays small and
the model lives once per user in :mod:`shellguard.llm.daemon`. :class:`LlmClient`
is the classifier's LLM hook:

- answers repeated commands from its own cache (microseconds);
- when the model file is missing, answers None (the heuristic's "ask" stands) and says
  once, in the reason text and on stderr, how to pull it;
- when no daemon answers, starts one in the background and answers None, so a shell
  never waits for a model to load (the rules keep answering meanwhile);
- waits at most ``inference_timeout_ms`` for an answer, then gives up with None; the
  daemon drops or aborts the abandoned request, so the next one is not held up;
- survives the daemon crashing (EOF or refused connection -> None, a new daemon later,
  with a growing pause between restarts).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from collections import OrderedDict
from pathlib import Path

from shellguard import paths
from shellguard.errors import signal_name
from shellguard.llm.catalog import ModelSpec
from shellguard.llm.daemon import daemon_key, socket_path
from shellguard.llm.gate import gate
from shellguard.llm.settings import LlmSettings
from shellguard.verdict import Crud, Finding

__all__ = ["LlmClient", "request", "ping", "unload", "spawn_daemon", "daemon_log"]

_NO_DAEMON = (FileNotFoundError, ConnectionRefusedError)
#: Pause before starting another daemon after one failed to answer; doubles up to the max.
RESPAWN_PAUSE_S = 5.0
RESPAWN_PAUSE_MAX_S = 300.0
_LOG_MAX_BYTES = 1 << 20


class NoDaemon(Exception):
    """Nothing listens on the socket."""


def request(payload: dict, timeout: float) -> dict | None:
    """Send one request; the reply, or None on timeout, EOF or a bad reply.

    Raises :class:`NoDaemon` when no daemon listens (so the caller may start one).
    """
    deadline = time.monotonic() + timeout
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(max(0.001, timeout))
        try:
            s.connect(str(socket_path()))
        except _NO_DAEMON:
            raise NoDaemon() from None
        s.sendall(json.dumps(payload).encode() + b"\n")
        data = b""
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            s.settimeout(left)
            chunk = s.recv(65536)
            if not chunk:
                return None  # the daemon closed (or died) without answering
            data += chunk
        reply = json.loads(data.split(b"\n", 1)[0])
        return reply if isinstance(reply, dict) else None
    except (OSError, ValueError):
        return None
    finally:
        s.close()


def ping(timeout: float = 0.5) -> dict | None:
    """The daemon's status, or None when none runs (never starts one)."""
    try:
        return request({"op": "ping"}, timeout)
    except NoDaemon:
        return None


def unload(timeout: float = 5.0) -> int | None:
    """Ask the daemon to exit and wait until it has; its pid, or None if none ran."""
    try:
        reply = request({"op": "unload"}, timeout)
    except NoDaemon:
        return None
    if reply is None:
        return None
    deadline = time.monotonic() + timeout
    while socket_path().exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    pid = reply.get("pid")
    return pid if isinstance(pid, int) else None


def daemon_log() -> Path:
    return paths.state_dir() / "llm-daemon.log"


def spawn_daemon(model: Path, threads: int, idle_s: int, calibrate: bool):  # type: ignore[no-untyped-def]
    """Start a model daemon in the background (its own session); returns the Popen."""
    import subprocess

    log = daemon_log()
    log.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        if log.stat().st_size > _LOG_MAX_BYTES:
            os.replace(log, log.with_name(log.name + ".1"))
    except OSError:
        pass
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        argv = [sys.executable, "-m", "shellguard.llm.daemon", "--model", str(model),
                "--threads", str(threads), "--idle", str(idle_s)]
        if not calibrate:
            argv.append("--no-calibrate")
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=fd, stderr=fd,
                                cwd="/", close_fds=True, start_new_session=True)
    finally:
        os.close(fd)


class LlmClient:
    """The classifier's LLM hook (see :class:`shellguard.classify.LlmHook`)."""

    def __init__(self, settings: LlmSettings, spec: ModelSpec, cache_size: int = 2048) -> None:
        self.settings = settings
        self.spec = spec
        self.key = daemon_key(spec.file, settings.threads, settings.calibrate)
        self._cache: OrderedDict[str, Finding] = OrderedDict()
        self._cache_size = cache_size
        self._said: set[str] = set()
        self._pending_hint: str | None = None
        self._next_spawn = 0.0
        self._pause = RESPAWN_PAUSE_S
        self._child = None
        self._crash: str | None = None
        self._lock = threading.Lock()

    # -- the hook -----------------------------------------------------------------

    def classify(self, part: str, heuristic: Finding) -> Finding | None:
        key = part.strip()
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached if cached.part == part else _with_part(cached, part)
        if not self.spec.file.is_file():
            name = self.spec.name if self.spec.path is None else str(self.spec.file)
            how = ("run 'shellguard model pull'" if self.spec.path is None
                   else "check [llm] path in the config")
            return self._hint("missing", heuristic,
                              f"the local model ({name}) is not installed; {how} to let it "
                              "weigh in on unknown commands")
        timeout = self.settings.inference_timeout_ms / 1000.0
        try:
            reply = request({"op": "classify", "command": part,
                             "timeout_ms": self.settings.inference_timeout_ms}, timeout)
        except NoDaemon:
            self._start_daemon()
            return self._crash_hint(heuristic)
        if reply is None:
            return self._crash_hint(heuristic)
        status = reply.get("status")
        if reply.get("key") not in (None, self.key):
            self._restart()  # the config changed: a daemon for another model runs
            return None
        if status == "error":
            return self._hint("error", heuristic, "the local model cannot be used ("
                              f"{reply.get('message', 'unknown error')}); see "
                              f"{daemon_log()}")
        if status != "ok":
            return None  # loading, timeout
        self._pause = RESPAWN_PAUSE_S
        try:
            label = Crud[reply["label"]]
            confidence = float(reply["confidence"])
        except (KeyError, TypeError, ValueError):
            return None
        s = self.settings
        finding = gate(label, confidence, heuristic, threshold=s.confidence,
                       read_threshold=s.read_confidence, allow_read=s.allow_read)
        self._cache[key] = finding
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return finding

    # -- daemon management ----------------------------------------------------------

    def _start_daemon(self) -> None:
        now = time.monotonic()
        with self._lock:
            if now < self._next_spawn:
                return
            self._next_spawn = now + self._pause
            self._pause = min(self._pause * 2, RESPAWN_PAUSE_MAX_S)
            try:
                proc = spawn_daemon(self.spec.file, self.settings.threads,
                                    self.settings.idle_unload_s, self.settings.calibrate)
            except OSError as exc:
                sys.stderr.write(f"shellguard: cannot start the model daemon ({exc})\n")
                return
            self._child = proc
        threading.Thread(target=self._reap, args=(proc,), daemon=True).start()

    def _reap(self, proc) -> None:  # type: ignore[no-untyped-def]
        code = proc.wait()
        if code < 0:
            self._crash = signal_name(code)

    def _restart(self) -> None:
        unload(timeout=2.0)
        self._next_spawn = 0.0
        self._start_daemon()

    # -- telling the user, once -------------------------------------------------------

    def _crash_hint(self, heuristic: Finding) -> Finding | None:
        if self._crash is None:
            return None
        extra = (" (llama-cpp-python was built for CPU features this machine lacks)"
                 if self._crash == "SIGILL" else "")
        return self._hint("crash", heuristic, f"the model daemon crashed with {self._crash}"
                          f"{extra}; run 'shellguard doctor'")

    def _hint(self, what: str, heuristic: Finding, text: str) -> Finding | None:
        if what in self._said:
            return None
        self._said.add(what)
        sys.stderr.write(f"shellguard: {text}\n")
        return Finding(heuristic.part, heuristic.crud, f"{heuristic.reason} ({text})",
                       source=heuristic.source, rule_id=heuristic.rule_id,
                       confidence=heuristic.confidence, confirm=True)


def _with_part(finding: Finding, part: str) -> Finding:
    return Finding(part, finding.crud, finding.reason, finding.source, finding.rule_id,
                   finding.confidence, finding.confirm)
