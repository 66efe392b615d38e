"""What shellguard costs a shell: per command on Enter, and at start-up (issue 3).

Per command: inside a real zsh / bash (in a pseudo-terminal), the code that runs when
Enter is pressed on a READ command line is timed N times with $EPOCHREALTIME (zsh:
the zle-line-finish hook with BUFFER set, then the precmd hook; bash: the `bind -x`
Enter check with READLINE_LINE set, then the prompt hook), against the same loop
calling an empty function. Added = with - without; median and p99. Not included:
zle's own dispatch of the hook (add-zle-hook-widget), the same with or without us.
Four cases: a line new to the classifier (" x<n>" appended, so it is parsed and
matched every time) pasted and entered at once; the same line typed (zsh asks the
classifier while a line is typed, so Enter finds the answer ready; the time that
costs per key is printed too); a line the classifier has seen (its answer cache);
and a line the shell allowed before in this directory (the shell's own cache).
Then the corpus replay: 1,000 READ lines of tests/corpus entered once each into a new
shell, back to back (all new to the classifier; the shell answers those its read table
lets through, shellguard/read_table.py); and the same lines
in a later session, after one of 1,000 other corpus lines whose read-only prefixes the
co-process kept (what a returning user's shell gets with the first reply). Each
replay also says how many lines the shell answered itself (no request went to the
co-process) and the median of those and of the rest.

Start-up: `SHELL -i -c exit` with and without the script (sourced from a file, as a
plugin manager would), with `eval "$(shellguard init SHELL)"` (bin/shellguard prints
what it cached at the first start, without Python; zsh then reads the compiled
script), with `eval "$(shellguard-py init SHELL)"` (Python prints it, as at the first
start after an install), and the time to the first prompt in a pseudo-terminal (which
includes forking the co-process in the background).

Targets: median <= 0.5 ms and p99 <= 2 ms per command; <= 5 ms added to start-up.
Hermetic: temporary HOME, XDG dirs and rc files; the LLM is off.

    .venv/bin/python bench/shell_hook.py [--runs 2000] [--starts 30] [--only start-up]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import pexpect

from shellguard import shells

COMMANDS = ["ls -la", "git status", "cat README.md | grep -i shellguard",
            "grep -c 'shellguard on' README.md"]

READ_RULES = """\
[[rule]]
id = "bench.read"
program = ["printf", "cat", "ls", "grep", "_sg_bench", "_sg_replay"]
class = "READ"
why = "prints text"
examples = ["printf hi"]
"""

ZSH_BENCH = r"""
_sg_noop() { : }
_sg_once() {
  # The zle-line-finish hook as zle calls it (outside zle these are plain variables).
  local CONTEXT=start PREBUFFER= BUFFER=$1
  _shellguard_line_finish
  _shellguard_precmd
}
_sg_typed() {
  # What zle does while the line is typed: the pre-redraw hook sends it, and the zle -F
  # handler takes the reply when it comes. $1 line, $2 file for the two times (us).
  local CONTEXT=start PREBUFFER= BUFFER=$1 t0 t1 t2
  t0=$EPOCHREALTIME
  _shellguard_prefetch
  t1=$EPOCHREALTIME
  while (( _SHELLGUARD_PRE_ID )); do
    zselect -t 500 -r $_SHELLGUARD_R || break
    t2=$EPOCHREALTIME
    _shellguard_prefetched $_SHELLGUARD_R
  done
  print -r -- $(( (t1 - t0) * 1e6 )) $(( (EPOCHREALTIME - t2) * 1e6 )) >> $2
}
_sg_replay() {  # $1 function, $2 file of lines (one each), $3 output file, $4 pause
  # before each line, in hundredths of a second
  # (a line the shell asks about, which the filter should have kept out, is answered
  # "no" and left out of the times, and named in $3.asked)
  zmodload zsh/datetime zsh/zselect
  local line t0 t1 _sg_asked sent
  local -a out
  functions[_sg_ask_saved]=$functions[_shellguard_ask_zle]
  _shellguard_ask_zle() { REPLY=no; _sg_asked=1 }
  while IFS= read -r line; do
    (( $4 )) && zselect -t $4
    _sg_asked=0 sent=$_SHELLGUARD_ID
    t0=$EPOCHREALTIME
    $1 "$line" 2>/dev/null
    t1=$EPOCHREALTIME
    if (( _sg_asked )); then
      print -r -- "$line  ($_SHELLGUARD_REASON)" >> $3.asked
    else
      # the time, and 1 when a request went to the co-process (0: the shell answered)
      out+="$(( (t1 - t0) * 1e6 )) $(( _SHELLGUARD_ID != sent ))"
    fi
  done < $2
  functions[_shellguard_ask_zle]=$functions[_sg_ask_saved]
  print -l -- $out >> $3
}
_sg_bench() {   # $1 function, $2 runs, $3 command, $4 output file, $5 SHELLGUARD_CACHE,
                # $6 "new": append " x<n>" so that the classifier has never seen the line;
                # "typed": the same, and the line was sent while it was typed (prefetch)
  zmodload zsh/datetime zsh/zselect
  local SHELLGUARD_CACHE=$5
  local -i i
  local t0 t1 line=$3
  local -a out
  for (( i = 0; i < $2; i++ )); do
    [[ $6 == (new|typed) ]] && line="$3 x$(( ++_sg_n ))"
    [[ $6 == typed && $1 != _sg_noop ]] && _sg_typed $line $4.keys
    t0=$EPOCHREALTIME
    $1 "$line"
    t1=$EPOCHREALTIME
    out+=$(( (t1 - t0) * 1e6 ))
  done
  print -l -- $out >> $4
}
"""

BASH_BENCH = r"""
_sg_noop() { :; }
_sg_once() {
  READLINE_LINE=$1 READLINE_POINT=${#1}
  _shellguard_enter
  _shellguard_prompt 0 "$_SHELLGUARD_MODE"
}
_sg_replay() {  # $1 function, $2 file of lines (one each), $3 output file, $4 pause
  # before each line, in hundredths of a second (a read that times out on a FIFO that
  # gets nothing: no fork)
  # (a line the shell asks about is answered "no", left out, and named in $3.asked)
  _shellguard_load
  local line t0 t1 out=() _sg_asked sent saved pause=0 fifo=$3.fifo fd
  if (( $4 )); then
    mkfifo "$fifo" && exec {fd}<>"$fifo"
    printf -v pause '%d.%02d' $(( $4 / 100 )) $(( $4 % 100 ))
  fi
  saved=$(declare -f _shellguard_ask)
  _shellguard_ask() { REPLY=no; _sg_asked=1; }
  while IFS= read -r line; do
    (( $4 )) && read -r -t "$pause" -u "$fd" _
    _sg_asked=0 sent=$_SHELLGUARD_ID
    t0=${EPOCHREALTIME/[.,]/}
    "$1" "$line" 2>/dev/null
    t1=${EPOCHREALTIME/[.,]/}
    if (( _sg_asked )); then
      printf '%s  (%s)\n' "$line" "$_SHELLGUARD_REASON" >> "$3.asked"
    else
      # the time, and 1 when a request went to the co-process (0: the shell answered)
      out+=("$(( t1 - t0 )) $(( _SHELLGUARD_ID != sent ))")
    fi
  done < "$2"
  eval "$saved"
  (( $4 )) && exec {fd}<&-
  printf '%s\n' "${out[@]}" >> "$3"
}
_sg_bench() {   # $1 function, $2 runs, $3 command, $4 output file, $5 SHELLGUARD_CACHE,
                # $6 "new": append " x<n>" so that the classifier has never seen the line
  local SHELLGUARD_CACHE=$5
  local i t0 t1 out=() line=$3
  for (( i = 0; i < $2; i++ )); do
    [[ $6 == new ]] && line="$3 x$(( ++_sg_n ))"
    t0=${EPOCHREALTIME/[.,]/}
    "$1" "$line"
    t1=${EPOCHREALTIME/[.,]/}
    out+=($(( t1 - t0 )))
  done
  printf '%s\n' "${out[@]}" >> "$4"
}
"""


def _env(root: Path) -> dict[str, str]:
    rules = root / "config" / "shellguard" / "rules"
    rules.mkdir(parents=True, exist_ok=True)
    (rules / "bench-read.toml").write_text(READ_RULES)
    (root / "config" / "shellguard" / "config.toml").write_text("[llm]\nenabled = false\n")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root / "home"),
           "TERM": "xterm-256color", "LANG": "C.UTF-8",
           "XDG_CONFIG_HOME": str(root / "config"), "XDG_STATE_HOME": str(root / "state"),
           "XDG_DATA_HOME": str(root / "data"), "XDG_CACHE_HOME": str(root / "cache"),
           "XDG_RUNTIME_DIR": str(root / "run"), "ZDOTDIR": str(root / "zdot"),
           "SHELLGUARD_START_TIMEOUT": "120"}
    for key in ("home", "state", "data", "cache", "zdot"):
        (root / key).mkdir(exist_ok=True)
    (root / "run").mkdir(mode=0o700, exist_ok=True)
    return env


def _rc(kind: str, root: Path, body: str) -> tuple[list[str], dict[str, str]]:
    """Write the rc file under ``root``; return the argv of an interactive shell reading
    it, and what its environment needs for that."""
    if kind == "zsh":
        (root / "zdot").mkdir(parents=True, exist_ok=True)
        (root / "zdot" / ".zshrc").write_text(body)
        return ["zsh", "-i"], {"ZDOTDIR": str(root / "zdot")}
    (root / "home").mkdir(parents=True, exist_ok=True)
    rc = root / "home" / ".bashrc"
    rc.write_text(body)
    return ["bash", "--rcfile", str(rc), "-i"], {}


def _stats(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[min(len(values) - 1, int(len(values) * 0.99))]


#: Debian's and Ubuntu's default ~/.bashrc aliases, and a few of oh-my-zsh's git ones:
#: the shells look up the aliases a line names on every Enter (--aliases).
ALIASES = """\
alias ls='ls --color=auto' grep='grep --color=auto' fgrep='fgrep --color=auto'
alias egrep='egrep --color=auto' ll='ls -alF' la='ls -A' l='ls -CF'
alias gst='git status' gd='git diff' gl='git pull' gp='git push' gco='git checkout'
"""


def per_command(kind: str, root: Path, runs: int, cache: str,
                new: str = "same", aliases: bool = False) -> dict[str, tuple[float, ...]]:
    """Per command: (median, p99) added on Enter, in us; for "typed" also the medians
    of the two steps while typing (sending the line, taking the reply)."""
    env = _env(root)
    script = root / f"init.{kind}"
    script.write_text(shells.render(kind))
    out_with, out_without = root / "with.txt", root / "without.txt"
    bench = ZSH_BENCH if kind == "zsh" else BASH_BENCH
    argv, rc_env = _rc(kind, root,
                       f"PS1='@B@ '\n{ALIASES if aliases else ''}source {script}\n{bench}\n")
    env.update(rc_env)
    child = pexpect.spawn(argv[0], argv[1:], env=env, cwd=str(root / "home"),
                          encoding="utf-8", timeout=600, dimensions=(40, 200))
    try:
        # The first READ command waits for the co-process to start; after it, it is warm.
        child.sendline("printf '%s-%s\\n' WARM 1")
        child.expect(r"WARM-1\r?\n")
        results = {}
        for command in COMMANDS:
            for path in (out_with, out_without):
                path.unlink(missing_ok=True)
            # Interleave with and without in blocks so that load changes hit both.
            for _ in range(4):
                child.sendline(f"_sg_bench _sg_once {runs // 4} {command!r} {out_with} {cache} "
                               f"{new}; _sg_bench _sg_noop {runs // 4} {command!r} {out_without} "
                               f"{cache} {new}"
                               "; printf '%s-%s\\n' DONE 1")
                child.expect(r"DONE-1\r?\n")
            with_us = [float(x) for x in out_with.read_text().split()]
            without_us = [float(x) for x in out_without.read_text().split()]
            med_w, p99_w = _stats(with_us)
            med_0, p99_0 = _stats(without_us)
            results[command] = (med_w - med_0, p99_w - med_0)
            keys = Path(f"{out_with}.keys")
            if keys.exists():
                pairs = [line.split() for line in keys.read_text().splitlines()]
                keys.unlink()
                results[command] += (statistics.median(float(a) for a, _ in pairs),
                                     statistics.median(float(b) for _, b in pairs))
        return results
    finally:
        child.sendline("exit")
        child.close(force=True)


def _replay_lines(env: dict[str, str], cwd: Path, count: int) -> list[str]:
    """``count`` READ lines of the corpus (tests/corpus) that the classifier allows in
    this environment, in an order fixed by each line's hash: what a session of reading
    looks like. (By hash, not a seeded shuffle of the list: lines added to the corpus
    then change few of the lines taken, and replays stay comparable across sessions.)"""
    from shellguard.config import load_config
    from shellguard.corpus import load_corpus
    from shellguard.guard import Guard

    saved = dict(os.environ)
    os.environ.update(env)      # the config and rules the measured shell's classifier reads
    try:
        guard = Guard(load_config(), use_llm=False)
        cases = [c for c in load_corpus(Path(__file__).parents[1] / "tests" / "corpus")
                 if c.crud == "READ" and not c.confirm and len(c.command) < 200
                 and not any(ch in c.command for ch in "\n\t\r") and "shellguard" not in c.command]
        cases.sort(key=lambda c: hashlib.sha256(c.command.encode()).digest())
        lines: list[str] = []
        for case in cases:
            if guard.check(case.command, str(cwd)).action == "allow":
                lines.append(case.command)
                if len(lines) == count:
                    break
        return lines
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _install_stubs(lines: list[str], env: dict[str, str], stubs: Path) -> None:
    """An empty executable at the end of PATH for every program the rules know that a
    line names (every such word: a superset), so that the shell's machine has the tools
    its lines use, as a user's has. (The co-process reads the rules of the programs on
    PATH while it waits for the first line.)"""
    from shellguard.rules.engine import builtin_rules

    rules = builtin_rules()
    stubs.mkdir(exist_ok=True)
    for word in {w for line in lines for w in re.findall(r"[A-Za-z0-9][\w.+-]*", line)}:
        if rules.knows(word) and not (stubs / word).exists():
            (stubs / word).write_text("#!/bin/sh\n")
            (stubs / word).chmod(0o755)
    env["PATH"] = f"{env['PATH']}{os.pathsep}{stubs}"


class ReplayTimes(NamedTuple):
    """What a replay measured, in us added on Enter (see :func:`replay`)."""

    median: float
    p99: float
    count: int
    #: lines the shell answered itself (no request to the co-process), and their median
    by_shell: int
    shell_median: float
    #: the median of the lines that waited for the co-process
    coprocess_median: float

    def split(self) -> str:
        return (f"answered by the shell itself: {self.by_shell} of {self.count} lines, "
                f"median {self.shell_median / 1000:.3f} ms; the rest asked the co-process, "
                f"median {self.coprocess_median / 1000:.3f} ms")


def replay(kind: str, root: Path, count: int, pause: float = 0.0,
           earlier: int = 0) -> ReplayTimes:
    """(median, p99) in us added on Enter over ``count`` corpus READ lines, each entered
    once into a fresh shell with the default settings, a second after its first prompt
    (as a person would start typing), with the programs they name on PATH, ``pause``
    seconds after the one before (0: at once); and how many lines. With ``earlier``, a
    session of that many other corpus READ lines comes first (untimed): the read-only
    prefixes it kept are the user's own, which the timed session's first reply hands
    out (shellguard/prefix_memory.py)."""
    env = _env(root)
    script = root / f"init.{kind}"
    script.write_text(shells.render(kind))
    lines = _replay_lines(env, root / "home", count + earlier)
    _install_stubs(lines, env, root / "bin")
    lines, before = lines[:count], lines[count:]
    bench = ZSH_BENCH if kind == "zsh" else BASH_BENCH
    argv, rc_env = _rc(kind, root, f"PS1='@B@ '\nsource {script}\n{bench}\n")
    env.update(rc_env)
    if before:
        _replay_session(argv, env, root, before, root / "earlier", 0.0)
    return _replay_session(argv, env, root, lines, root / "timed", pause)


def _replay_session(argv: list[str], env: dict[str, str], root: Path, lines: list[str],
                    out: Path, pause: float) -> ReplayTimes:
    """One shell entering ``lines``: see :func:`replay`."""
    out.mkdir()
    lines_file = out / "lines.txt"
    lines_file.write_text("".join(f"{line}\n" for line in lines))
    out_with, out_without = out / "with.txt", out / "without.txt"
    child = pexpect.spawn(argv[0], argv[1:], env=env, cwd=str(root / "home"),
                          encoding="utf-8", timeout=600, dimensions=(40, 200))
    try:
        child.sendline("printf '%s-%s\\n' WARM 1")
        child.expect(r"WARM-1\r?\n")
        time.sleep(1)
        _wait_for_read_table(child)
        hundredths = round(pause * 100)
        child.sendline(f"_sg_replay _sg_once {lines_file} {out_with} {hundredths}; _sg_replay "
                       f"_sg_noop {lines_file} {out_without} {hundredths}; "
                       "printf '%s-%s\\n' DONE 1")
        child.expect(r"DONE-1\r?\n")
    finally:
        child.sendline("exit")
        child.close(force=True)
    asked = Path(f"{out_with}.asked")
    if asked.exists():
        print(f"  (asked about, left out: {asked.read_text()!r})")
    timed = [line.split() for line in out_with.read_text().splitlines() if line.strip()]
    base = statistics.median(float(line.split()[0])
                             for line in out_without.read_text().splitlines() if line.strip())
    added = [float(t) - base for t, _ in timed]
    med, p99 = _stats(added)
    by_shell = [float(t) - base for t, sent in timed if sent == "0"]
    asked = [float(t) - base for t, sent in timed if sent != "0"]
    return ReplayTimes(med, p99, len(added), len(by_shell),
                       statistics.median(by_shell) if by_shell else 0.0,
                       statistics.median(asked) if asked else 0.0)



def _wait_for_read_table(child: pexpect.spawn, seconds: float = 30.0) -> None:
    """Until the shell holds the read table of the programs on PATH: the co-process
    builds it while it waits for lines, and a person's first line takes seconds to
    type, but lines sent back to back leave it no time (the replay's lines answered by
    the shell then varied from 300 to 500 of 1,000 from run to run)."""
    deadline = time.monotonic() + seconds
    while True:
        child.sendline("printf '%s-%s\\n' WARM 2")   # a request: its reply names the table
        child.expect(r"WARM-2\r?\n")
        child.sendline("shellguard status")
        child.expect(r"read table: ([^)\s]+)")
        if child.match.group(1) != "none" or time.monotonic() > deadline:
            return
        time.sleep(0.5)


def _time_run(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return (time.perf_counter() - t0) * 1000


def _kill_children(pid: int) -> None:
    """Stop the co-process a measured shell started, so it does not load the next run."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == pid:
                with contextlib.suppress(OSError):
                    os.kill(int(entry), signal.SIGKILL)


def _first_prompt(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    time.sleep(0.5)  # let the previous run's processes go
    t0 = time.perf_counter()
    child = pexpect.spawn(argv[0], argv[1:], env=env, cwd=str(cwd), encoding="utf-8",
                          timeout=60)
    child.expect("@B@ ")
    elapsed = (time.perf_counter() - t0) * 1000
    _kill_children(child.pid)
    child.close(force=True)
    return elapsed


def start_up(kind: str, root: Path, starts: int) -> dict[str, float]:
    """Median start-up times per variant; the variants take turns, run by run, so that
    the load on a shared machine changes them alike."""
    env = _env(root)
    script = root / f"init.{kind}"
    script.write_text(shells.render(kind))
    bin_dir = str(Path(sys.executable).parent)
    exe = shutil.which("shellguard", path=bin_dir) or "shellguard"
    python_cli = shutil.which("shellguard-py", path=bin_dir) or "shellguard-py"
    variants = {
        "without": "PS1='@B@ '\n",
        "source the script": f"PS1='@B@ '\nsource {script}\n",
        # bin/shellguard answers from its cache after the first start (and zsh reads the
        # compiled script): what every start after an install or upgrade costs
        'eval "$(shellguard init)"': f"PS1='@B@ '\neval \"$({exe} init {kind})\"\n",
        # the Python CLI itself: the first start after an install or upgrade
        'eval "$(shellguard-py init)"': f"PS1='@B@ '\neval \"$({python_cli} init {kind})\"\n",
    }
    shells_ = {}
    for name, body in variants.items():
        argv, rc_env = _rc(kind, root / f"variant-{len(shells_)}", body)
        shells_[name] = (argv, {**env, **rc_env})
    samples: dict[str, list[float]] = {}
    for _ in range(starts):
        for name, (argv, variant_env) in shells_.items():
            samples.setdefault(f"{name}: -i -c exit", []).append(
                _time_run(argv + ["-c", "exit"], variant_env, root))
    for _ in range(max(5, starts // 3)):
        for name, (argv, variant_env) in shells_.items():
            if name != 'eval "$(shellguard-py init)"':
                samples.setdefault(f"{name}: first prompt", []).append(
                    _first_prompt(argv, variant_env, root))
    return {name: statistics.median(values) for name, values in samples.items()}


def first_check_load(root: Path, starts: int) -> float:
    """bash: the time, once per session, to read shellguard-check.bash at the first
    check (a median, in ms, timed inside the shell)."""
    env = _env(root)
    script = root / "init.bash"
    script.write_text(shells.render("bash"))
    probe = (f"source {script}; t0=${{EPOCHREALTIME/[.,]/}}; _shellguard_load; "
             "t1=${EPOCHREALTIME/[.,]/}; printf '%s\\n' $(( t1 - t0 ))")
    samples = []
    for _ in range(starts):
        out = subprocess.run(["bash", "--norc", "-i", "-c", probe],
                             env={**env, "SHELLGUARD_DISABLE": "1"}, cwd=root,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True)
        samples.append(int(out.stdout.split()[-1]) / 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000, help="timed Enter checks per command")
    parser.add_argument("--starts", type=int, default=30, help="shell starts per variant")
    parser.add_argument("--shell", choices=("zsh", "bash"), action="append")
    parser.add_argument("--only", choices=("enter", "start-up"), help="measure one of the two")
    parser.add_argument("--replay", type=int, default=1000,
                        help="corpus READ lines to enter once each (0: skip that case)")
    parser.add_argument("--replay-pause", type=float, default=0.0, metavar="SECONDS",
                        help="idle time before each replayed line (default 0: at once)")
    parser.add_argument("--earlier", type=int, default=1000, metavar="LINES",
                        help="replay once more after a session of this many other corpus "
                             "READ lines, whose kept read-only prefixes the shell then gets "
                             "(0: skip that case)")
    parser.add_argument("--aliases", action="store_true",
                        help="with a distribution's usual aliases (ls, grep, ll ...) defined")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus")
    for kind in args.shell or ["zsh", "bash"]:
        if not shutil.which(kind):
            print(f"{kind}: not installed, skipped")
            continue
        cases = [("0", "new", "a line new to the classifier, pasted and entered at once"),
                 ("1", "new", "a new line whose commands start as lines before did (the "
                              "read-only prefixes the shell keeps)")]
        if kind == "zsh":
            cases.append(("1", "typed", "a line new to the classifier, typed (asked while typed)"))
        for cache, new, what in () if args.only == "start-up" else (
                *cases,
                ("0", "same", "asking the classifier every time (SHELLGUARD_CACHE=0)"),
                ("1", "same", "a line allowed before in this directory (the default)")):
            with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
                print(f"\n{kind}: added per READ command on Enter, {what}, runs={args.runs}"
                      f"{', with aliases' if args.aliases else ''}")
                for command, (median, p99, *keys) in per_command(
                        kind, Path(tmp), args.runs, cache, new, args.aliases).items():
                    print(f"  {command:<40} median {median / 1000:6.3f} ms   "
                          f"p99 {p99 / 1000:6.3f} ms")
                    if keys:
                        print(f"  {'':<40} while typing, per key: sending {keys[0] / 1000:.3f} ms, "
                              f"taking the reply {keys[1] / 1000:.3f} ms (medians)")
        if args.only != "start-up" and args.replay:
            with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
                times = replay(kind, Path(tmp), args.replay, args.replay_pause)
            median, p99, count = times.median, times.p99, times.count
            print(f"\n{kind}: added per READ command on Enter, {count} READ lines of the corpus "
                  "entered once each into a new shell a second after its first prompt (the "
                  "default settings, no earlier session: the caches start empty but for the "
                  "everyday read-only prefixes and, once built, the read table of the "
                  "programs on PATH, among them those the lines name)"
                  f"{f', {args.replay_pause} s after the line before' if args.replay_pause else ''}"
                  f"\n  {'all lines':<40} median {median / 1000:6.3f} ms   "
                  f"p99 {p99 / 1000:6.3f} ms\n  ({times.split()})")
            if args.earlier:
                with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
                    times = replay(kind, Path(tmp), args.replay, args.replay_pause,
                                   args.earlier)
                median, p99, count = times.median, times.p99, times.count
                print(f"{kind}: the same {count} lines in a later session, after one of "
                      f"{args.earlier} other READ lines of the corpus (the read-only "
                      "prefixes kept from it handed out with the first reply)"
                      f"\n  {'all lines':<40} median {median / 1000:6.3f} ms   "
                      f"p99 {p99 / 1000:6.3f} ms\n  ({times.split()})")
        if args.only == "enter":
            continue
        with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
            results = start_up(kind, Path(tmp), args.starts)
            print(f"{kind}: start-up, median of {args.starts} (first prompt: of "
                  f"{max(5, args.starts // 3)})")
            base = {"-i -c exit": results["without: -i -c exit"],
                    "first prompt": results["without: first prompt"]}
            for name, ms in results.items():
                what = name.rsplit(": ", 1)[1]
                added = "" if name.startswith("without") else f"  (+{ms - base[what]:.1f} ms)"
                print(f"  {name:<48} {ms:7.1f} ms{added}")
            if kind == "bash":
                with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp2:
                    load = first_check_load(Path(tmp2), args.starts)
                print(f"  {'once per session, at the first check:':<48} {load:7.1f} ms  "
                      "(reading shellguard-check.bash)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
