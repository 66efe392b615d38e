"""Drive a real zsh or bash, guarded by shellguard, in a pseudo-terminal.

Every session is hermetic: its own HOME, ZDOTDIR / --rcfile, XDG directories and
config (with a small rules file that makes printf, cat and friends READ, so the
tests do not depend on the shipped rule set). Nothing sleeps and hopes: every step
waits for the output it needs, with generous timeouts for loaded machines.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect

from shellguard import shells

ZSH = shutil.which("zsh")
BASH = shutil.which("bash")
AUTOSUGGEST = Path("/usr/share/zsh-autosuggestions/zsh-autosuggestions.zsh")
HIGHLIGHT = Path("/usr/share/zsh-syntax-highlighting/zsh-syntax-highlighting.zsh")
BASH_PREEXEC = Path(__file__).resolve().parent.parent / "fixtures" / "bash-preexec.sh"
#: bash 5.3 and bash-preexec 0.7 (PS0 mode), fetched by scripts/fetch-bash53.sh.
_TEST_CACHE = Path(os.environ.get("SHELLGUARD_TEST_CACHE") or Path(
    os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shellguard" / "tests")
BASH53 = _TEST_CACHE / "bash-5.3" / "bash"
BASH_PREEXEC_PS0 = _TEST_CACHE / "bash-preexec-0.7.sh"

#: Seconds to wait for anything that should happen (a loaded CI machine is slow).
WAIT = float(os.environ.get("SHELLGUARD_TEST_WAIT", "60"))
#: The first answer needs Python's start-up and the rules loaded.
START_WAIT = max(WAIT, 120.0)

QUESTION = r"Proceed\? \[y/N/a\] "
#: What job control prints; none of it may ever appear.
JOB_NOISE = re.compile(r"\[\d+\][ +-]*(\d{2,}|Done|Terminated|Running|Killed|Stopped|Exit)"
                       r"|running jobs|still exists")

READ_RULES = """\
[[rule]]
id = "tests.read"
program = ["printf", "cat", "ls", "true", "pwd"]
class = "READ"
why = "prints text"
examples = ["printf hi"]
"""


def serve_pids(parent: int) -> list[int]:
    """Live `shellguard serve` processes whose parent is ``parent``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                argv = fh.read().split(b"\0")
        except OSError:
            continue
        state, ppid = stat[0], int(stat[1])
        if ppid == parent and state != b"Z" and b"serve" in argv and b"shellguard" in argv:
            found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def wait_for(predicate, timeout: float = WAIT, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


class Session:
    """One interactive shell with shellguard loaded."""

    def __init__(self, kind: str, root: Path, *, rc_before: str = "", rc_after: str = "",
                 env: dict[str, str] | None = None, first_sync: bool = True,
                 load: str | None = None, binary: str | None = None) -> None:
        """``load``: the rc line that loads shellguard (default: source the rendered script);
        ``binary``: the shell to run (default: zsh or bash from PATH)."""
        assert kind in ("zsh", "bash")
        self.kind = kind
        self.root = root
        self.home = root / "home"
        self.home.mkdir(parents=True)
        self.config = root / "config"
        rules = self.config / "shellguard" / "rules"
        rules.mkdir(parents=True)
        (rules / "tests-read.toml").write_text(READ_RULES)
        # The LLM stays out of it: unknown commands get the verb heuristic (it asks).
        (self.config / "shellguard" / "config.toml").write_text("[llm]\nenabled = false\n")
        self.state = root / "state"
        runtime = root / "runtime"
        for d in (self.state, root / "data", root / "cache", runtime):
            d.mkdir()
        runtime.chmod(0o700)
        self.script = root / f"init.{kind}"
        self.script.write_text(shells.render(kind))
        load = load or f"source {self.script}"
        if kind == "zsh":
            zdot = root / "zdot"
            zdot.mkdir()
            rc = (f"PROMPT='@SG@ '\nHISTSIZE=200\nSAVEHIST=0\n{rc_before}\n"
                  f"{load}\n{rc_after}\n")
            (zdot / ".zshrc").write_text(rc)
            argv = [binary or ZSH, "-i"]
        else:
            rc = (f"PS1='@SG@ '\nHISTSIZE=200\nHISTFILE=\n{rc_before}\n"
                  f"{load}\n{rc_after}\n")
            (self.home / ".bashrc").write_text(rc)
            argv = [binary or BASH, "--rcfile", str(self.home / ".bashrc"), "-i"]
        self.env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.home),
            "TERM": "xterm-256color",
            "LANG": "C.UTF-8",
            "XDG_CONFIG_HOME": str(self.config),
            "XDG_STATE_HOME": str(self.state),
            "XDG_DATA_HOME": str(root / "data"),
            "XDG_CACHE_HOME": str(root / "cache"),
            "XDG_RUNTIME_DIR": str(runtime),
            "ZDOTDIR": str(root / "zdot"),
            "EDITOR": "true",
            "SHELLGUARD_START_TIMEOUT": str(int(START_WAIT)),
            "SHELLGUARD_TIMEOUT": str(int(WAIT)),
        }
        self.env.update(env or {})
        self.transcript = io.StringIO()
        self.child = pexpect.spawn(argv[0], argv[1:], env=self.env, cwd=str(self.home),
                                   dimensions=(50, 220), encoding="utf-8",
                                   codec_errors="replace", timeout=WAIT)
        self.child.logfile_read = self.transcript
        self.pid = self.child.pid
        self._n = 0
        if first_sync:
            self.sync(timeout=START_WAIT)

    # -- typing -------------------------------------------------------------------

    def line(self, text: str, key: str = "\r") -> None:
        """Type a command line (after clearing whatever a refused line left) and a key."""
        self.child.send("\x15" + text + key)

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def expect(self, pattern: str, timeout: float | None = None) -> str:
        try:
            self.child.expect(pattern, timeout=timeout or WAIT)
        except (pexpect.TIMEOUT, pexpect.EOF) as exc:
            tail = self.text()[-1500:]
            raise AssertionError(f"{self.kind}: no {pattern!r} within {timeout or WAIT:.0f}s "
                                 f"({type(exc).__name__}); the screen said:\n{tail!r}") from None
        return self.child.before

    def question(self, timeout: float | None = None) -> str:
        """Wait for the question; returns what was shown before it (class, reason)."""
        return self.expect(QUESTION, timeout)

    def sync(self, timeout: float | None = None) -> str:
        """Run a READ command and wait for its output; returns everything seen before it."""
        self._n += 1
        self.line(f"printf '%s-%s\\n' SYNC {self._n}")
        return self.expect(rf"SYNC-{self._n}\r?\n", timeout)

    def add_to_config(self, text: str) -> None:
        """Append ``text`` to the config file this shell's guard reads."""
        config = self.config / "shellguard" / "config.toml"
        config.write_text(config.read_text() + text)

    def assert_rm_asks(self, line: str = "rm victim", *shown: str) -> None:
        """``line`` (which would remove `victim`) is asked about as DELETE, with
        ``shown`` in the question too, and "n" leaves the file."""
        victim = self.home / "victim"
        if not victim.exists():
            victim.write_text("x")
        self.line(line)
        asked = self.question()
        assert "DELETE" in asked and all(text in asked for text in shown), asked
        self.send("n")
        self.sync()
        assert victim.exists()

    def wait_for_read_table(self, timeout: float = 30) -> None:
        """Until `shellguard status` shows a read table loaded (the co-process builds it
        while no line waits, a reply names it, the next prompt loads it)."""
        deadline = time.monotonic() + timeout
        while True:
            self.line("shellguard status")
            out = self.sync()
            if re.search(r"read-only prefixes kept: \d{3,} \(read table: [0-9a-f]{20}\)", out):
                return
            assert time.monotonic() < deadline, out
            time.sleep(0.3)

    def ps2(self) -> None:
        # zsh's PS2 names what is open: "for> ", "heredoc> ", "> " after a backslash
        self.expect(r"[a-z]*> " if self.kind == "zsh" else r"(\n|\x1b\[\?2004h)> ")

    # -- looking ------------------------------------------------------------------

    def serve_pids(self) -> list[int]:
        return serve_pids(self.pid)

    def serve_pid(self) -> int:
        pids = wait_for(self.serve_pids, what="the co-process")
        assert len(pids) == 1, pids
        return pids[0]

    @contextlib.contextmanager
    def coprocess_stopped(self) -> Iterator[int]:
        """The co-process held with SIGSTOP for the block (its pid given), then let go:
        what the shell answers itself runs at once, anything else waits for the
        timeout and asks."""
        pid = self.serve_pid()
        os.kill(pid, signal.SIGSTOP)
        try:
            yield pid
        finally:
            if alive(pid):      # (a shell that gave up on it has told it to go)
                os.kill(pid, signal.SIGCONT)

    def text(self) -> str:
        return self.transcript.getvalue()

    def assert_no_job_noise(self) -> None:
        noise = JOB_NOISE.search(self.text())
        assert noise is None, f"job-control noise: {noise.group(0)!r}"

    def close(self) -> None:
        """Exit the shell; it must go quietly and take its co-process with it."""
        pids = self.serve_pids() if self.child.isalive() else []
        if self.child.isalive():
            self.send("\x03")             # out of any continuation prompt
            self.line("exit")
            self.child.expect(pexpect.EOF, timeout=WAIT)
        self.child.close()
        self.assert_no_job_noise()
        for pid in pids:
            wait_for(lambda p=pid: not alive(p), what=f"co-process {pid} to exit")

    def kill(self) -> None:
        if self.child.isalive():
            for pid in self.serve_pids():
                for sig in (signal.SIGCONT, signal.SIGKILL):
                    try:
                        os.kill(pid, sig)
                    except OSError:
                        pass
            self.child.terminate(force=True)
