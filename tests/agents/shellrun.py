"""Run many `bash -c` / `zsh -c` cases under the agent guard at once.

Each guarded shell starts its own classifier co-process, and a busy two-core test
machine takes seconds per Python start. So most cases talk to one warm classifier
in this process (the real :func:`shellguard.server.answer` and Guard) through a tiny
relay that the guard starts in place of ``python -m shellguard serve``; cases that
check the real start-up path (trap dropped, descriptors closed, audit written by
the co-process) use the real command.
"""

from __future__ import annotations

import contextlib
import os
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from shellguard.shells import render

REAL = "real"  # Case.python: the real `python -m shellguard serve`


@dataclass
class Case:
    shell: str  # bash | zsh
    script: str
    env: dict[str, str] = field(default_factory=dict)  # "<unset>" removes a variable
    argv: list[str] | None = None  # instead of [shell, "-c", script]
    python: str | None = None  # None: the shared classifier; REAL; or a path


@dataclass
class Outcome:
    rc: int
    out: str
    err: str
    cwd: Path
    seconds: float


def private_env(base: Path) -> dict[str, str]:
    """HOME and XDG directories of one's own, with the local model off."""
    env = {"HOME": str(base / "home")}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME",
                "XDG_RUNTIME_DIR"):
        env[var] = str(base / var.lower())
        Path(env[var]).mkdir(parents=True, exist_ok=True)
    Path(env["HOME"]).mkdir(parents=True, exist_ok=True)
    config = Path(env["XDG_CONFIG_HOME"]) / "shellguard" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[llm]\nenabled = false\n")
    (Path(env["XDG_STATE_HOME"]) / "shellguard").mkdir(parents=True, exist_ok=True)
    return env


def guard_files(base: Path, python: str | None = None) -> dict[str, str]:
    """The guards as `shellguard init bash|zsh --agent` prints them (optionally with another
    Python baked in), and the variables that load them."""
    base.mkdir(parents=True, exist_ok=True)

    def text(shell: str) -> str:
        lines = render(shell, agent=True).splitlines()
        if python is not None:
            for prefix in ("_SHELLGUARD_PYTHON=", "typeset -g _SHELLGUARD_PYTHON="):
                lines = [prefix + python if line.startswith(prefix) else line for line in lines]
        return "\n".join(lines) + "\n"

    bash = base / "agent.bash"
    bash.write_text(text("bash"))
    zdot = base / "zdot"
    zdot.mkdir(exist_ok=True)
    (zdot / "agent.zsh").write_text(text("zsh"))
    (zdot / ".zshenv").write_text(f"[[ -r {zdot}/agent.zsh ]] && source {zdot}/agent.zsh\n")
    return {"BASH_ENV": str(bash), "ZDOTDIR": str(zdot)}


RELAY = """#!{python} -SI
# Stands in for `python -m shellguard serve [--pad N]`: relays the guard's pipe to a shared
# classifier, telling it first how to pad the replies.
import os, socket, sys, threading
s = socket.socket(socket.AF_UNIX)
s.connect({path!r})
s.sendall(b"%d\\n" % (int(sys.argv[sys.argv.index("--pad") + 1]) if "--pad" in sys.argv else 0))
def up():
    while True:
        data = os.read(0, 65536)
        if not data:
            s.shutdown(socket.SHUT_WR)
            return
        s.sendall(data)
threading.Thread(target=up, daemon=True).start()
while True:
    data = s.recv(65536)
    if not data:
        break
    os.write(1, data)
"""


@contextlib.contextmanager
def shared_classifier(directory: Path) -> Iterator[str]:
    """A warm classifier on a UNIX socket; yields the relay to bake in as the guards' Python."""
    from shellguard.guard import Guard
    from shellguard.protocol import encode_response
    from shellguard.server import answer

    guard = Guard()
    lock = threading.Lock()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            pad = int(self.rfile.readline())  # the relay's --pad
            for line in self.rfile:
                with lock:
                    data = encode_response(answer(guard, line.rstrip(b"\n")), pad)
                self.wfile.write(data)
                self.wfile.flush()

    sock = Path(tempfile.mkdtemp(prefix="sg-", dir="/tmp")) / "c.sock"  # short: AF_UNIX limit
    server = socketserver.ThreadingUnixStreamServer(str(sock), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    relay = directory / "relay-python"
    relay.write_text(RELAY.format(python=sys.executable, path=str(sock)))
    relay.chmod(0o755)
    try:
        yield str(relay)
    finally:
        server.shutdown()
        server.server_close()
        with contextlib.suppress(OSError):
            sock.unlink()
            sock.parent.rmdir()


def run_all(cases: dict[str, Case], base: Path, extra: dict[str, str],
            timeout: float = 150) -> dict[str, Outcome]:
    """Run every case at once (in base/NAME, which holds a directory `keep`)."""
    env0 = {k: v for k, v in os.environ.items()
            if k not in ("CLAUDECODE", "GEMINI_CLI", "CODEX_THREAD_ID", "CODEX_SANDBOX",
                         "AI_AGENT", "_SHELLGUARD_AGENT", "SHELLGUARD_MODE", "BASH_ENV",
                         "ZDOTDIR")}
    env0.update(extra)
    env0["SHELLGUARD_MODE"] = "agent"
    env0["SHELLGUARD_AGENT_TIMEOUT"] = "100"  # a busy test machine is slow to start Python
    guards: dict[str | None, dict[str, str]] = {}
    procs = {}
    with shared_classifier(base) as relay:
        for name, case in cases.items():
            python = {None: relay, REAL: None}.get(case.python, case.python)
            key = case.python or "shared"
            if key not in guards:
                guards[key] = guard_files(base / "guards" / key.strip("/").replace("/", "_"),
                                          python)
            cwd = base / name
            cwd.mkdir(parents=True)
            (cwd / "keep").mkdir()
            env = {**env0, **guards[key], **case.env}
            env = {k: v for k, v in env.items() if v != "<unset>"}
            argv = case.argv or [case.shell, "-c", case.script]
            procs[name] = (subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE, text=True), cwd,
                           time.monotonic())
        results = {}
        for name, (proc, cwd, started) in procs.items():
            try:
                out, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
                err += "\n[timed out]"
            results[name] = Outcome(proc.returncode, out, err, cwd, time.monotonic() - started)
    return results
