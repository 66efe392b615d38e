"""Real xonsh in a pseudo-terminal (pexpect), hermetic: temporary HOME, XDG dirs, rc file.

Every session gets its own directory (HOME, XDG dirs, xonsh's JSON history) with a
config that allows a few exact commands (so a READ-and-allowed command does not depend
on the rule files of the day) and turns the LLM off. The prompt carries a counter
bumped at each ``on_pre_prompt``, so waiting for "the next prompt" never matches
prompt_toolkit's redraw of the current one.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

XONSH = Path(sys.executable).with_name("xonsh")
QUESTION = re.compile(r"\[y/N/a\] ")
CONFIG = """\
[policy]
allow = ["echo read-ok", "echo shell-usable", "exit"]
deny = ["touch policy-denied"]

[llm]
enabled = false
"""
RC_HEAD = """\
$XONSH_PROMPT_AUTO_SUGGEST = False
$COLOR_INPUT = False
$RIGHT_PROMPT = ''
$BOTTOM_TOOLBAR = ''
$MULTILINE_PROMPT = '.. '
$UPDATE_PROMPT_ON_KEYPRESS = False
_sg_prompts = [0]

@events.on_pre_prompt
def _sg_count_prompts(**_):
    _sg_prompts[0] += 1

$PROMPT = lambda: f"XSH{_sg_prompts[0]}> "
"""

if not XONSH.exists():
    pytest.skip("xonsh is not installed in this environment", allow_module_level=True)


def hermetic_env(base: Path, **extra: str) -> dict[str, str]:
    home = base / "home"
    # Bytecode caching as in a normal install (a developer's PYTHONDONTWRITEBYTECODE
    # would make every xonsh and co-process start compile shellguard again).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XONSH", "SHELLGUARD", "XDG_", "PYTHONDONTWRITEBYTECODE"))}
    for var in ("CONFIG", "STATE", "DATA", "CACHE"):
        path = home / f".{var.lower()}"
        path.mkdir(parents=True, exist_ok=True)
        env[f"XDG_{var}_HOME"] = str(path)
    runtime = base / "run"
    runtime.mkdir(exist_ok=True)
    (home / ".xonshrc").touch()  # no welcome screen
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(runtime), TERM="xterm", NO_COLOR="1",
               PROMPT_TOOLKIT_NO_CPR="1", XONSH_HISTORY_BACKEND="json",
               SHELLGUARD_TIMEOUT="1", **extra)
    config = home / ".config" / "shellguard"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(CONFIG)
    return env


class Xonsh:
    """One interactive xonsh; commands are run at the prompt and waited for, never slept on."""

    def __init__(self, base: Path, load: bool | str = True, timeout: float = 30.0,
                 shell_type: str = "prompt_toolkit") -> None:
        self.base = base
        self.work = base / "work"
        self.work.mkdir(parents=True, exist_ok=True)
        self.env = hermetic_env(base)
        rc = base / "rc.xsh"
        # load: the rc's line that loads the guard (True: `xontrib load shellguard`)
        if load is True:
            load = "xontrib load shellguard\n"
        rc.write_text(RC_HEAD + (load or ""))
        self.prompts = -1  # the first prompt shows 0
        self.child = pexpect.spawn(str(XONSH), ["--rc", str(rc), "-i", "-st", shell_type],
                                   env=self.env,
                                   cwd=str(self.work), encoding="utf-8", timeout=timeout,
                                   dimensions=(50, 200))
        if os.environ.get("SHELLGUARD_TEST_LOG"):  # a transcript, for debugging
            self.child.logfile_read = open(os.environ["SHELLGUARD_TEST_LOG"], "a")
        self.wait_prompt()

    @property
    def config_file(self) -> Path:
        return Path(self.env["XDG_CONFIG_HOME"]) / "shellguard" / "config.toml"

    def wait_prompt(self) -> str:
        """Wait for the next prompt; returns what was printed before it."""
        self.prompts += 1
        self.child.expect(f"XSH{self.prompts}>")
        return self.child.before

    def send(self, line: str) -> None:
        self.child.send(line + "\r")

    def run(self, line: str) -> str:
        """A command that must not be asked about; returns its output."""
        self.send(line)
        index = self.child.expect([QUESTION, f"XSH{self.prompts + 1}>"])
        out = self.child.before
        assert index == 1, f"unexpected question for {line!r}: {out[-400:]!r}"
        self.prompts += 1
        return out

    def ask(self, line: str) -> str:
        """A command that must be asked about; returns the question's text."""
        self.send(line)
        index = self.child.expect([QUESTION, f"XSH{self.prompts + 1}>"])
        assert index == 0, f"no question for {line!r}: {self.child.before[-400:]!r}"
        return self.child.before

    def answer(self, keys: str) -> str:
        self.child.send(keys)
        return self.wait_prompt()

    def coprocess_pids(self) -> list[int]:
        """Live ``shellguard serve`` processes whose parent is this xonsh."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.child.pid and b"serve" in cmdline and fields[0] != "Z":
                pids.append(int(entry.name))
        return pids

    def wait_coprocess(self, timeout: float = 20.0, exclude: tuple[int, ...] = ()) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = [p for p in self.coprocess_pids() if p not in exclude]
            if pids:
                return pids[0]
            time.sleep(0.05)
        raise AssertionError("no shellguard co-process appeared")

    def close(self) -> None:
        """Ctrl-D, then make sure neither xonsh nor a co-process is left running."""
        leftovers = self.coprocess_pids()
        if self.child.isalive():
            self.child.sendeof()
            try:
                self.child.expect(pexpect.EOF, timeout=10)
            except pexpect.TIMEOUT:
                pass
        self.child.close(force=True)
        for pid in leftovers:  # normally gone already: they exit when xonsh does
            try:
                if b"serve" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
