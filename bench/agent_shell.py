"""Agent shell guard benchmark: what BASH_ENV / .zshenv cost an agent's `bash -c` / `zsh -c`.

Run: .venv/bin/python bench/agent_shell.py  (prints numbers; the target is
`bash -c true` within 1 ms of no guard)

Cases, each best-of and median over many runs:
  bash -c true          no guard / guard loaded but inactive (no marker) / active (fast path)
  zsh -c true           the same through ZDOTDIR/.zshenv
  bash -c 'git status'  first command that needs the classifier (starts the co-process)
  a 2000-iteration loop of `:` and of a cached classifier decision
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shellguard.shells import render  # noqa: E402


def _once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall ms, CPU ms) of one run; CPU (user + system, from wait4) hardly depends on
    what else the machine is doing, wall time does."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, _status, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return (time.perf_counter() - t0) * 1000, (usage.ru_utime + usage.ru_stime) * 1000


def _time(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    samples = [_once(argv, env)[0] for _ in range(runs)]
    return min(samples), statistics.median(samples)


def _compare(cases: list[tuple[str, list[str], dict[str, str]]], runs: int) -> dict:
    """Runs the cases interleaved (so load changes hit all alike): label -> (wall min,
    wall median, CPU median)."""
    wall: dict[str, list[float]] = {label: [] for label, _, _ in cases}
    cpu: dict[str, list[float]] = {label: [] for label, _, _ in cases}
    for _ in range(runs):
        for label, argv, env in cases:
            w, c = _once(argv, env)
            wall[label].append(w)
            cpu[label].append(c)
    return {label: (min(wall[label]), statistics.median(wall[label]),
                    statistics.median(cpu[label])) for label in wall}


def _instructions(argv: list[str], env: dict[str, str]) -> int | None:
    """Instructions executed (valgrind --tool=callgrind): the same on a busy machine as on
    an idle one, unlike any timing."""
    if not shutil.which("valgrind"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg",
                               *argv], env=env, capture_output=True, text=True, check=False)
    match = re.search(r"Collected : (\d+)", proc.stderr)
    return int(match.group(1)) if match else None


def main() -> None:
    runs = int(os.environ.get("RUNS", "200"))
    with tempfile.TemporaryDirectory(prefix="shellguard-bench-") as tmp:
        guard = Path(tmp) / "agent.bash"
        guard.write_text(render("bash", agent=True))
        zdot = Path(tmp) / "zdot"
        zdot.mkdir()
        (zdot / "agent.zsh").write_text(render("zsh", agent=True))
        (zdot / ".zshenv").write_text(f"source {zdot / 'agent.zsh'}\n")
        empty = Path(tmp) / "empty"
        empty.mkdir()
        base = {k: v for k, v in os.environ.items()
                if k not in ("BASH_ENV", "SHELLGUARD_MODE", "CLAUDECODE", "GEMINI_CLI",
                             "ZDOTDIR", "_SHELLGUARD_AGENT")}
        base["SHELLGUARD_CONFIG"] = str(Path(tmp) / "none.toml")
        cases = [
            ("bash -c true, no guard", ["bash", "-c", "true"], base),
            ("bash -c true, guard inactive", ["bash", "-c", "true"], {**base, "BASH_ENV": str(guard)}),
            ("bash -c true, guard active", ["bash", "-c", "true"],
             {**base, "BASH_ENV": str(guard), "SHELLGUARD_MODE": "agent"}),
            ("zsh -c true, no guard", ["zsh", "-c", "true"], {**base, "ZDOTDIR": str(empty)}),
            ("zsh -c true, guard active", ["zsh", "-c", "true"],
             {**base, "ZDOTDIR": str(zdot), "SHELLGUARD_MODE": "agent"}),
        ]
        load = os.getloadavg()[0]
        print(f"load average {load:.1f} on {os.cpu_count()} CPUs; {runs} interleaved runs each")
        results = _compare(cases, runs)
        for label, (best, median, cpu) in results.items():
            print(f"{label:34} wall best {best:6.2f} ms  median {median:6.2f} ms  "
                  f"CPU median {cpu:5.2f} ms")
        for shell in ("bash", "zsh"):
            off, on = results[f"{shell} -c true, no guard"], results[f"{shell} -c true, guard active"]
            print(f"{shell} guard overhead on '{shell} -c true': CPU {on[2] - off[2]:+.2f} ms, "
                  f"wall best {on[0] - off[0]:+.2f} ms, median {on[1] - off[1]:+.2f} ms  "
                  "(target: within 1 ms)")
        shells = {"bash": shutil.which("bash") or "/bin/bash", "zsh": shutil.which("zsh") or "zsh"}
        counts = {label: _instructions([shells[argv[0]], *argv[1:]], env)
                  for label, argv, env in cases}
        if all(counts.values()):
            for shell in ("bash", "zsh"):
                off = counts[f"{shell} -c true, no guard"]
                on = counts[f"{shell} -c true, guard active"]
                print(f"{shell} -c true instructions: no guard {off:,}, guard active {on:,} "
                      f"(+{on - off:,}, x{on / off:.2f})")
        active = {**base, "BASH_ENV": str(guard), "SHELLGUARD_MODE": "agent"}
        best, median = _time(["bash", "-c", "git --version"], active, 5)
        print(f"{'bash -c: first classified command':34} best {best:6.1f} ms  median {median:6.1f} ms"
              "  (starts the co-process)")
        loops = [("2000 x ':' ", "for ((i=0;i<2000;i++)); do :; done"),
                 ("2000 x cached 'git --version'", "for ((i=0;i<2000;i++)); do git --version "
                  ">/dev/null; done")]
        for label, script in loops:
            off = _time(["bash", "-c", script], base, 3)[0]
            on = _time(["bash", "-c", script], active, 3)[0]
            print(f"bash loop {label:30} no guard {off:7.1f} ms  guard {on:7.1f} ms  "
                  f"({(on - off) * 1000 / 2000:.0f} us per iteration)")


if __name__ == "__main__":
    main()
