"""Co-process benchmark: round-trip latency over the corpus, time to first answer, RSS, accuracy.

Also what idle time before a request costs on this machine: the same classification,
in-process, timed after sleeping 0 to 50 ms (a process that slept runs slower until its
caches are warm again; on a virtual machine much slower). Lines come seconds apart in
real use: the back-to-back rows are the best case.

Run: .venv/bin/python bench/coprocess.py  (prints numbers; targets in the README)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shellguard.corpus import fixture_dirs, load_corpus, score  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _start() -> tuple[subprocess.Popen, float]:
    env = dict(os.environ, SHELLGUARD_CONFIG="/nonexistent/shellguard-bench.toml")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "shellguard", "serve"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    proc.stdin.write(b'{"id":0,"command":"ls"}\n')
    proc.stdin.flush()
    proc.stdout.readline()
    return proc, (time.perf_counter() - start) * 1000


def idle_penalty(commands: list[str], cwd: str, gaps: tuple[float, ...]) -> dict[float, float]:
    """Median us of classifying a line new to the classifier (in-process, rules loaded
    and warmed up, no IPC), after sleeping each gap in seconds before it."""
    from shellguard.config import load_config
    from shellguard.guard import Guard

    guard = Guard(load_config(Path("/nonexistent/shellguard-bench.toml")), use_llm=False)
    for _ in guard.warm_steps():
        pass
    for command in commands:        # every program's rules read once
        guard.check(command, cwd)
    medians = {}
    for n, gap in enumerate(gaps):
        times = []
        for command in commands:
            line = f"{' ' * (n + 1)}{command}"      # (leading blanks: new to the cache)
            if gap:
                time.sleep(gap)
            t0 = time.perf_counter_ns()
            guard.check(line, cwd)
            times.append((time.perf_counter_ns() - t0) / 1000)
        medians[gap] = statistics.median(times)
    return medians


def main() -> None:
    cases = load_corpus(CORPUS)
    starts = []
    for _ in range(5):
        proc, ms = _start()
        starts.append(ms)
        proc.stdin.close()
        proc.wait()
    print(f"start to first answer: median {statistics.median(starts):.1f} ms "
          f"(min {min(starts):.1f}, of 5 starts)  target <= 150 ms")

    with fixture_dirs(CORPUS) as (project, _home):
        proc, _ = _start()
        lines = [json.dumps({"id": n, "command": c.command, "cwd": project}).encode() + b"\n"
                 for n, c in enumerate(cases)]
        times = []
        # round 1 is cold, later rounds hit the cache where possible: with as many lines
        # as the cache holds (a whole corpus larger than it would only evict)
        for rnd in range(3):
            for line in lines[:1500]:
                t0 = time.perf_counter_ns()
                proc.stdin.write(line)
                proc.stdin.flush()
                proc.stdout.readline()
                if rnd:
                    times.append((time.perf_counter_ns() - t0) / 1e6)
        cold = []
        for line in lines:
            uncached = line.replace(b'"command": "', b'"command": " ', 1)
            t0 = time.perf_counter_ns()
            proc.stdin.write(uncached)
            proc.stdin.flush()
            proc.stdout.readline()
            cold.append((time.perf_counter_ns() - t0) / 1e6)
        rss = _rss_kb(proc.pid)
        proc.stdin.close()
        proc.wait()
        for label, data in (("warm", times), ("first sight", cold)):
            data.sort()
            print(f"round trip ({label}, {len(data)} requests): median "
                  f"{statistics.median(data):.3f} ms, p99 {data[int(len(data) * 0.99)]:.3f} ms  "
                  "target median <= 0.5 ms, p99 <= 2 ms")
        print(f"co-process RSS after the corpus: {rss / 1024:.1f} MB  target <= 40 MB")
        reads = [c.command for c in cases if c.crud == "READ" and not c.confirm][::40][:300]
        medians = idle_penalty(reads, project, (0.0, 0.0005, 0.005, 0.05))
        print(f"classifying a new READ line in-process ({len(reads)} lines), median after "
              "idle time: " + ", ".join(f"{gap * 1000:g} ms: {us:.0f} us"
                                        for gap, us in medians.items()))
        result = score(cases, project)
    print(f"corpus: {result.total} commands")
    print(f"  recall on must-confirm: {result.confirm_recall * 100:.2f} %  target >= 99.5 %")
    print(f"  prompts on plain READ:  {result.read_prompt_rate * 100:.2f} %  target <= 1 %")
    print(f"  exact class:            {result.exact_rate * 100:.2f} %  target >= 93 %")


if __name__ == "__main__":
    main()
