"""xonsh benchmark: time the guard adds per READ command, and to xonsh's start-up.

Run: .venv/bin/python bench/xonsh_hook.py [--n 2000] [--starts 10]
(prints numbers; targets from issue 3: median <= 0.5 ms and p99 <= 2 ms per command,
<= 5 ms added to start-up).

Per command, measured inside a xonsh process that loaded the xontrib, with a warm
co-process: what xonsh runs for one typed line, that is the ``on_pre_prompt`` reset,
the ``on_transform_command`` handler (source split + one round trip for subprocess
lines) and the ``on_pre_spec_run`` check of the line's command; once for a line allowed
before in the directory (the guard's cache answers, the default), once for a new line
of the same commands each time (the read-only prefixes the guard keeps answer), and
once with ``SHELLGUARD_CACHE=0`` (a round trip every time). Start-up: the time an
interactive xonsh (in a pty) takes to show its first prompt, without the xontrib and
with it loaded by name (xonsh then scans every installed package's entry points), by
module (``-f``) or by its entry function (what ``shellguard init xonsh`` prints); the
time from the rc file's start to the end of xonsh's entry-point autoload, which runs
after the rc (steadier than the whole start-up, and fair to ``xontrib load``, which
imports early what the autoload imports anyway); and the time of the load line itself.
A temporary HOME keeps it hermetic.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

XONSH = Path(sys.executable).with_name("xonsh")
#: Subprocess lines (a co-process round trip each) and Python lines (no subprocess).
COMMANDS = ["ls -la", "git status", "cat /etc/hostname", "grep -rn TODO src",
            "echo hello world"]
PYTHON_LINES = ["x = 1 + 2", "print(len('abc'))", "import os; os.getcwd()"]

INSIDE = r"""
import json, sys, time
from types import SimpleNamespace
xontrib load shellguard
from shellguard.xonsh_guard import hooks
guard = hooks._GUARD
guard._whole_blocks = lambda: True  # as under prompt_toolkit, the shell people use
n = int($SG_BENCH_N)
new = $SG_BENCH_NEW == "1"   # " x<i>" appended: a new line each time, same commands
out = {"commands": {}}
commands, python_lines = json.loads($SG_BENCH_COMMANDS)
for cmd in commands + python_lines:
    line = cmd + "\n"
    spec = SimpleNamespace(cmd=cmd.split(), alias=None) if cmd in commands else None
    guard.end_line()
    if hooks._on_transform_command(line) is not None:
        out["commands"][cmd] = {"skipped": "not allowed here (it would ask)"}
        continue
    times = []
    for i in range(n):
        if new and spec is not None:
            line = f"{cmd} x{i}\n"
            spec = SimpleNamespace(cmd=line.split(), alias=None)
        t = time.perf_counter_ns()
        hooks._on_pre_prompt()
        hooks._on_transform_command(line)
        if spec is not None:
            hooks._on_pre_spec_run(spec)
        times.append(time.perf_counter_ns() - t)
    times.sort()
    out["commands"][cmd] = {"median_us": times[len(times) // 2] / 1000,
                            "p99_us": times[int(len(times) * 0.99)] / 1000}
print("SG_BENCH " + json.dumps(out))
"""


def hermetic_env(base: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XONSH", "SHELLGUARD"))}
    for var in ("CONFIG", "STATE", "DATA", "CACHE"):
        path = base / f".{var.lower()}"
        path.mkdir(parents=True, exist_ok=True)
        env[f"XDG_{var}_HOME"] = str(path)
    (base / ".xonshrc").touch()
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # installed packages have their bytecode
    env.update(HOME=str(base), XONSH_HISTORY_BACKEND="dummy")
    return env


#: Ways to load the xontrib: xonsh's command by name (it scans every installed
#: package's entry points), by module, and the xontrib's own entry function (what
#: the guard itself costs).
LOAD_FORMS = {"name": "xontrib load shellguard", "module": "xontrib load -f xontrib.shellguard",
              "direct": '__import__("xontrib.shellguard", fromlist=["_load_xontrib_"])'
                        "._load_xontrib_(__xonsh__)"}


def per_command(env: dict[str, str], base: Path, n: int, cache: str = "1",
                new: bool = False) -> dict:
    script = base / "bench.xsh"
    script.write_text(INSIDE)
    env = dict(env, SG_BENCH_N=str(n), SG_BENCH_COMMANDS=json.dumps([COMMANDS, PYTHON_LINES]),
               SHELLGUARD_CACHE=cache, SG_BENCH_NEW="1" if new else "0")
    done = subprocess.run([str(XONSH), "--no-rc", str(script)], env=env, cwd=base,
                          capture_output=True, text=True, timeout=600)
    for line in done.stdout.splitlines():
        if line.startswith("SG_BENCH "):
            return json.loads(line[len("SG_BENCH "):])
    raise SystemExit(f"benchmark script failed:\n{done.stdout}\n{done.stderr}")


STARTUP_VARIANTS = {"without": "", **{line: line + "\n" for line in LOAD_FORMS.values()}}


def startup(env: dict[str, str], base: Path,
            runs: int) -> dict[str, tuple[float, float, float, float]]:
    """Per rc variant: median and minimum time from starting an interactive xonsh (in a
    pty) to its first prompt, the median time of the rc's load line itself there, and
    the median time from the rc's start to the end of xonsh's entry-point autoload,
    which runs after the rc (`xontrib load` imports for the rc what the autoload would
    import anyway, so the line alone overstates what it adds)."""
    import pexpect  # a test dependency; only this measurement needs it

    env = dict(env, TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
    rcs = {}
    for n, (name, line) in enumerate(STARTUP_VARIANTS.items()):
        rcs[name] = base / f"rc{n}.xsh"
        timed = (f"import time as _sg_time\n_sg_t0 = _sg_time.perf_counter()\n{line}"
                 "print('SGLOAD', (_sg_time.perf_counter() - _sg_t0) * 1000)\n"
                 "@events.on_timingprobe\ndef _sg_probe(name, **_):\n"
                 "    if name == 'post_xontribs_autoload':\n"
                 "        print('SGAUTO', (_sg_time.perf_counter() - _sg_t0) * 1000)\n")
        rcs[name].write_text("$XONSH_HISTORY_BACKEND = 'dummy'\n$PROMPT = 'SGBENCH> '\n" + timed)
    times: dict[str, list[float]] = {name: [] for name in rcs}
    loads: dict[str, list[float]] = {name: [] for name in rcs}
    autoloads: dict[str, list[float]] = {name: [] for name in rcs}
    for _ in range(runs + 1):  # interleaved; the first round warms caches and is dropped
        for name, rc in rcs.items():
            t = time.perf_counter()
            child = pexpect.spawn(str(XONSH), ["--rc", str(rc), "-i"], env=env, cwd=str(base),
                                  timeout=120, encoding="utf-8")
            child.expect(r"SGLOAD ([\d.]+)")
            loads[name].append(float(child.match.group(1)))
            child.expect(r"SGAUTO ([\d.]+)")
            autoloads[name].append(float(child.match.group(1)))
            child.expect("SGBENCH>")
            times[name].append((time.perf_counter() - t) * 1000)
            child.sendeof()
            child.expect(pexpect.EOF)
            child.close()
    return {name: (statistics.median(values[1:]), min(values[1:]),
                   statistics.median(loads[name][1:]), statistics.median(autoloads[name][1:]))
            for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="calls per command")
    parser.add_argument("--starts", type=int, default=10, help="xonsh starts per variant")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sg-xonsh-bench-") as tmp:
        base = Path(tmp)
        env = hermetic_env(base)
        for cache, new, what in (
                ("1", False, "a line allowed before in this directory (the default)"),
                ("1", True, "a new line whose commands start as lines before did (the "
                            "read-only prefixes the guard keeps)"),
                ("0", False, "asking the co-process every time (SHELLGUARD_CACHE=0)")):
            result = per_command(env, base, args.n, cache, new)
            print(f"xonsh hook per READ command, {what} ({args.n} calls each, warm "
                  "co-process); target median <= 500 us, p99 <= 2000 us")
            for cmd, row in result["commands"].items():
                if "skipped" in row:
                    print(f"  {cmd:24s} skipped: {row['skipped']}")
                else:
                    print(f"  {cmd:24s} median {row['median_us']:7.1f} us   "
                          f"p99 {row['p99_us']:7.1f} us")
        starts = startup(env, base, args.starts)
        plain, plain_min, _, plain_auto = starts.pop("without")
        print(f"interactive xonsh (--rc FILE -i in a pty), of {args.starts} starts; target "
              f"<= +5 ms. Without the xontrib: first prompt after median {plain:.0f} ms, "
              f"min {plain_min:.0f} ms; rc and entry-point autoload {plain_auto:.1f} ms. "
              "Per load line in ~/.xonshrc: what it adds to the rc and xonsh's autoload "
              "after it, and the line alone (the co-process then starts in a background "
              "thread):")
        for name, (ms, least, load, auto) in starts.items():
            print(f"  {name:88s} {auto - plain_auto:+6.1f} ms  (line {load:5.1f} ms; first "
                  f"prompt: median {ms - plain:+6.1f}, min {least - plain_min:+6.1f} ms; "
                  "noisy)")
        print(f"load: {os.getloadavg()[0]:.2f} (1-minute average; other work skews these)")


if __name__ == "__main__":
    main()
