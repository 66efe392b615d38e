"""The model daemon: one process per user holds the model, however many shells are open.

``python -m shellguard.llm.daemon --model PATH`` binds ``$XDG_RUNTIME_DIR/shellguard/llm.sock``
(mode 0600, in a 0700 directory), then loads the model in a background thread, so
clients get a quick ``loading`` answer instead of waiting. A second daemon finds the
lock taken and exits at once. It exits by itself after ``--idle`` seconds without a
request (memory back to the system), on ``{"op": "unload"}``, and on SIGTERM.

Protocol: one JSON line per connection each way.

- ``{"op": "classify", "command": "...", "timeout_ms": 2000}`` ->
  ``{"status": "ok", "label": "DELETE", "confidence": 0.71, "probs": [...], "ms": 60.1}``,
  or ``{"status": "loading" | "timeout" | "error", "message": "..."}``
- ``{"op": "ping"}`` -> ``{"status": "loading" | "ready" | "error", "pid": ..., "key": ...,
  "info": {...}}``
- ``{"op": "unload"}`` -> ``{"status": "unloading"}``, then the process exits.

The deadline starts when the request arrives. A request still queued behind another
when its deadline passes is dropped, and one being evaluated is aborted inside
llama.cpp, so a request its asker gave up on never holds up the next one. A native
crash (SIGILL, SIGSEGV) ends only this process: clients fall back to the rules and
start a new daemon later.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

from shellguard import paths

__all__ = ["socket_path", "lock_path", "main", "daemon_key", "MAX_REQUEST_BYTES"]

MAX_REQUEST_BYTES = 64 << 10


def socket_path() -> Path:
    return paths.runtime_dir() / "llm.sock"


def lock_path() -> Path:
    return paths.runtime_dir() / "llm.lock"


def daemon_key(model: str | os.PathLike[str], threads: int, calibrate: bool) -> str:
    """What a client compares to tell whether the running daemon matches its config."""
    return f"{os.path.abspath(model)}|{threads}|{int(calibrate)}"


def prepare_runtime_dir() -> Path:
    rt = paths.runtime_dir()
    rt.mkdir(parents=True, exist_ok=True, mode=0o700)
    if rt.stat().st_uid == os.getuid():
        os.chmod(rt, 0o700)
    return rt


class Daemon:
    def __init__(self, model: Path, threads: int, idle_s: float, calibrate: bool) -> None:
        self.model = model
        self.threads = threads
        self.idle_s = idle_s
        self.calibrate = calibrate
        self.key = daemon_key(model, threads, calibrate)
        self.state = "loading"
        self.message = ""
        self.scorer = None
        self.last_request = time.monotonic()
        self.busy = 0
        self._busy_lock = threading.Lock()
        self._stop = threading.Event()
        self.sock: socket.socket | None = None

    # -- life cycle -------------------------------------------------------------

    def load(self) -> None:
        try:
            from shellguard.llm.scoring import Scorer

            self.scorer = Scorer(self.model, threads=self.threads, calibrate=self.calibrate)
            self.state = "ready"
            info = self.scorer.info()
            sys.stderr.write(f"shellguard-llm: ready: {json.dumps(info)}\n")
        except Exception as exc:  # LoadError, ImportError, anything: report, don't die
            self.state = "error"
            self.message = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
            sys.stderr.write(f"shellguard-llm: cannot load the model: {self.message}\n")
        sys.stderr.flush()

    def serve(self, sock: socket.socket) -> None:
        self.sock = sock
        sock.settimeout(0.5)
        threading.Thread(target=self.load, name="load", daemon=True).start()
        while not self._stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                with self._busy_lock:
                    idle = self.busy == 0 and time.monotonic() - self.last_request > self.idle_s
                if idle and self.state != "loading":
                    sys.stderr.write(f"shellguard-llm: idle for {self.idle_s:.0f} s; exiting\n")
                    break
                continue
            except OSError:
                break
            with self._busy_lock:
                self.busy += 1
                self.last_request = time.monotonic()
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    # -- requests ---------------------------------------------------------------

    def _handle(self, conn: socket.socket) -> None:
        arrived = time.monotonic()
        try:
            conn.settimeout(5.0)
            data = b""
            while b"\n" not in data and len(data) <= MAX_REQUEST_BYTES:
                chunk = conn.recv(8192)
                if not chunk:
                    break
                data += chunk
            try:
                request = json.loads(data.split(b"\n", 1)[0] or b"{}")
                if not isinstance(request, dict):
                    raise ValueError("not an object")
            except ValueError:
                reply: dict = {"status": "error", "message": "bad request"}
            else:
                reply = self._answer(request, arrived)
            conn.sendall(json.dumps(reply).encode() + b"\n")
        except OSError:
            pass  # the client gave up and closed: nothing to tell it
        finally:
            conn.close()
            with self._busy_lock:
                self.busy -= 1
                self.last_request = time.monotonic()
            if self._stop.is_set():
                self._wake()

    def _answer(self, request: dict, arrived: float) -> dict:
        op = request.get("op")
        if op == "ping":
            info = self.scorer.info() if self.scorer is not None else {}
            return {"status": self.state, "pid": os.getpid(), "key": self.key,
                    "model": str(self.model), "message": self.message, "info": info}
        if op == "unload":
            self.stop()
            return {"status": "unloading", "pid": os.getpid()}
        if op != "classify":
            return {"status": "error", "message": f"unknown op {op!r}"}
        if self.state != "ready" or self.scorer is None:
            return {"status": self.state, "message": self.message, "key": self.key}
        command = request.get("command")
        timeout_ms = request.get("timeout_ms", 2000)
        if not isinstance(command, str) or not isinstance(timeout_ms, int | float):
            return {"status": "error", "message": "classify needs command and timeout_ms"}
        from shellguard.llm.scoring import ScoreTimeout

        try:
            score = self.scorer.score(command, deadline=arrived + timeout_ms / 1000.0)
        except ScoreTimeout:
            return {"status": "timeout", "key": self.key}
        except Exception as exc:  # noqa: BLE001 - one bad request must not end the daemon
            return {"status": "error", "message": f"{type(exc).__name__}: {exc}"[:300]}
        return {"status": "ok", "key": self.key, "label": score.label.name,
                "confidence": round(score.confidence, 4),
                "probs": [round(p, 4) for p in score.probs], "ms": round(score.ms, 2)}

    def _wake(self) -> None:
        """Unblock accept() so the main loop sees the stop flag."""
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(0.2)
            s.connect(str(socket_path()))
            s.close()
        except OSError:
            pass


def _bind(path: Path) -> socket.socket:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o077)
    try:
        sock.bind(str(path))
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    sock.listen(64)
    return sock


def prepare(model: Path, threads: int) -> int:
    """Load the model and evaluate its few-shot prompt, which the scorer saves; 1 and one
    line on stderr if it cannot. ``shellguard model pull`` runs this, so that the
    daemon's first start reads the prompt back instead of spending the tens of seconds
    a 1.1B model needs on it then."""
    try:
        from shellguard.llm.scoring import Scorer

        scorer = Scorer(model, threads=threads)
    except Exception as exc:  # LoadError, ImportError, anything: one line
        text = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        sys.stderr.write(f"{text}\n")
        return 1
    scorer.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shellguard.llm.daemon")
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--threads", type=int, default=0, help="0: auto, per command")
    parser.add_argument("--idle", type=float, default=900.0)
    parser.add_argument("--no-calibrate", action="store_true")
    parser.add_argument("--prepare", action="store_true",
                        help="evaluate and save the few-shot prompt, then exit (no socket)")
    args = parser.parse_args(argv)
    # libgomp spin-waits by default, which hurts on a busy 2-core machine (field notes §3.6).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if args.prepare:
        return prepare(args.model, args.threads)
    rt = prepare_runtime_dir()
    lock = open(rt / "llm.lock", "w")  # noqa: SIM115 - held for the life of the process
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # another daemon serves this user
    path = socket_path()
    sock = _bind(path)
    (rt / "llm.pid").write_text(f"{os.getpid()}\n")
    daemon = Daemon(args.model, args.threads, args.idle, not args.no_calibrate)
    signal.signal(signal.SIGTERM, lambda *_: daemon.stop())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stderr.write(f"shellguard-llm: pid {os.getpid()} serving {path} for {args.model}\n")
    sys.stderr.flush()
    try:
        daemon.serve(sock)
    finally:
        try:
            path.unlink()  # ours: no other daemon can bind while we hold the lock
        except OSError:
            pass
        sock.close()
        try:
            (rt / "llm.pid").unlink()
        except OSError:
            pass
        lock.close()
    # Leave without running llama.cpp's destructors under other threads' feet.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
