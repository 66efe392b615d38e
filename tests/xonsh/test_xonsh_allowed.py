"""Lines allowed before in a directory, and plain lines of read-only prefixes the
co-process named, need no round trip, as in zsh and bash."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from xonsh_harness import XONSH, hermetic_env

from shellguard.xonsh_guard.allowed import AllowedLines

#: Runs inside a real xonsh: the guard's own line check, counting the co-process's
#: answers by wrapping its real classify (nothing is replaced).
SCRIPT = r"""
import json, os, time
xontrib load shellguard
from shellguard.xonsh_guard import hooks
guard = hooks._GUARD
guard._whole_blocks = lambda: True  # as under prompt_toolkit
calls = []
real = guard.coprocess.classify
guard.coprocess.classify = lambda text, cwd, aliases=None: calls.append(text) or real(text, cwd, aliases)

def line(text):
    guard.end_line()
    ran = hooks._on_transform_command(text + "\n") is None
    return ran

out = {}
# (an input redirection: not a plain line, so no read-only prefix can answer for it)
out["first"] = (line("ls -la < /dev/null"), len(calls))
out["again"] = (line("ls -la < /dev/null"), len(calls))
cfg = os.path.join($XDG_CONFIG_HOME, "shellguard", "config.toml")
os.makedirs(os.path.dirname(cfg), exist_ok=True)
with open(cfg, "w") as f:
    f.write("# changed\n")
out["config changed"] = (line("ls -la < /dev/null"), len(calls))
out["again after"] = (line("ls -la < /dev/null"), len(calls))
os.chdir($HOME)
out["other directory"] = (line("ls -la < /dev/null"), len(calls))
$SHELLGUARD_CACHE = "0"
out["cache off"] = (line("ls -la < /dev/null"), len(calls))
$SHELLGUARD_CACHE = "1"
# plain lines: the reply names du a read-only prefix, then wc; new lines of them need
# no round trip; ls too, which xonsh aliases (ls --color=auto -v): the prefix names the
# program the alias runs
out["plain"] = (line("du -sh"), len(calls))
out["new plain line"] = (line("du -s /tmp"), len(calls))
out["one command new"] = (line("du -s | wc -l"), len(calls))
out["both known"] = (line("du -sh . | wc -c"), len(calls))
out["aliased"] = (line("ls -la"), len(calls))
out["aliased again"] = (line("ls -la"), len(calls))
out["aliased, new"] = (line("ls -l /tmp"), len(calls))
aliases["ls"] = ["rm"]
out["alias changed"] = (line("ls -l /tmp"), len(calls))
# xonsh's quotes are not the shells': a kept prefix never answers for a quoted line
out["quoted"] = (line("du -s 'a b'"), len(calls))
print("RESULT " + json.dumps(out))
"""


def test_a_repeated_line_asks_the_coprocess_once(tmp_path: Path) -> None:
    env = hermetic_env(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    script = tmp_path / "allowed.xsh"
    script.write_text(SCRIPT)
    done = subprocess.run([str(XONSH), "--no-rc", str(script)], cwd=work, env=env,
                          capture_output=True, text=True, timeout=120, start_new_session=True)
    lines = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    assert lines, done.stdout + done.stderr
    out = json.loads(lines[-1][len("RESULT "):])
    assert out == {"first": [True, 1], "again": [True, 1], "config changed": [True, 2],
                   "again after": [True, 2], "other directory": [True, 3],
                   "cache off": [True, 4], "plain": [True, 5], "new plain line": [True, 5],
                   "one command new": [True, 6], "both known": [True, 6],
                   "aliased": [True, 7], "aliased again": [True, 7], "aliased, new": [True, 7],
                   "alias changed": [False, 8], "quoted": [True, 9]}


def test_only_what_may_be_cached_is(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    env = {"SHELLGUARD_CONFIG": str(cfg)}
    allowed = AllowedLines(limit=2)
    assert allowed.usable(env, 1)
    allowed.add("/w", "ls", "READ")
    assert allowed.get("/w", "ls") == "READ" and allowed.get("/x", "ls") is None
    assert allowed.usable(env, 2) and allowed.get("/w", "ls") is None  # co-process replaced
    allowed.add("/w", "a", "READ")
    allowed.add("/w", "b", "READ")
    allowed.add("/w", "c", "READ")  # over the limit: forget, do not grow
    assert allowed.get("/w", "a") is None and allowed.get("/w", "c") == "READ"
    cfg.write_text('[audit]\naudit = "all"\n')  # every decision must reach the audit log
    assert not allowed.usable(env, 2)
    cfg.write_text("")
    assert allowed.usable(env, 2) and allowed.get("/w", "c") is None  # config changed
    assert not allowed.usable({**env, "SHELLGUARD_CACHE": "0"}, 2)
