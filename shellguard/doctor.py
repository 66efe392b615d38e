"""``shellguard doctor``'s checks: is everything in place, and if not, what fixes it.

Each check returns :class:`Check` lines (``ok``, ``info``, ``warn`` or ``fail``)
in plain words, with the fix for anything that is not ok. ``fail`` means
shellguard is not guarding something it should (the command exits non-zero);
``warn`` means it works, with less than it could.

Checks: the config and rule files parse; which shells load the hook (rc files,
and markers in the environment when run inside a guarded shell); the agent
shell guard (BASH_ENV, .zshenv); the co-process starts and answers (with its
latency); the agent hooks in each agent's settings; the model and the
llama.cpp build (when the LLM package is there); the audit log is writable and
private (mode 0600).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Check", "run_checks", "CHECKS"]


@dataclass(frozen=True)
class Check:
    area: str
    status: str  # ok | info | warn | fail
    message: str
    fix: str | None = None


# -- config and rules ----------------------------------------------------------------------

def check_config() -> Iterator[Check]:
    from shellguard.agents.common import AgentSettings
    from shellguard.audit import AuditSettings
    from shellguard.guard import Guard

    guard = Guard(use_llm=False)
    config = guard.config
    path = config.path
    broken = [p for p in config.problems if "using the safe defaults" in p]
    rule_errors = list(guard.classifier.rules.errors)
    others = [p for p in config.problems if p not in broken]
    others += list(AgentSettings.from_config(config).problems)
    others += list(AuditSettings.from_config(config).problems)
    if broken:
        yield Check("config", "fail", broken[0], f"fix the file {path} (or move it away to use "
                    "the defaults); 'shellguard config' shows what is in force")
    elif path is not None and Path(path).exists():
        yield Check("config", "ok", f"{path} parses")
    else:
        yield Check("config", "ok", f"no config file ({path}); the safe defaults are in force")
    for problem in others:
        yield Check("config", "warn", problem, f"edit {path}")
    if rule_errors:
        for error in rule_errors:
            yield Check("rules", "fail", error, "fix or remove that rule file; "
                        "'shellguard rules' lists them")
    else:
        count = len(getattr(guard.classifier.rules, "rules", ()) or ())
        yield Check("rules", "ok", "rule files load" + (f" ({count} rules)" if count else ""))


# -- shells ---------------------------------------------------------------------------------

def _zdotdir() -> Path:
    return Path(os.environ.get("ZDOTDIR") or Path.home())


def _rc_files() -> dict[str, list[Path]]:
    home = Path.home()
    xonsh_d = home / ".config" / "xonsh" / "rc.d"
    return {
        "zsh": [_zdotdir() / ".zshrc"],
        "bash": [home / ".bashrc", home / ".bash_profile", home / ".profile"],
        "xonsh": [home / ".xonshrc", home / ".config" / "xonsh" / "rc.xsh",
                  *sorted(xonsh_d.glob("*.xsh") if xonsh_d.is_dir() else [])],
    }


_INIT = {
    "zsh": re.compile(r"^[^#]*shellguard\S*\s+init\s+zsh(?!\s+--agent)", re.M),
    "bash": re.compile(r"^[^#]*shellguard\S*\s+init\s+bash(?!\s+--agent)", re.M),
    "xonsh": re.compile(r"^[^#]*xontrib\s+load\s+.*\bshellguard\b", re.M),
}
_HOW = {
    "zsh": "add  eval \"$(shellguard init zsh)\"  to ~/.zshrc",
    "bash": "add  eval \"$(shellguard init bash)\"  to ~/.bashrc",
    "xonsh": "add  xontrib load shellguard  to ~/.xonshrc",
}


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def check_shells() -> Iterator[Check]:
    found = []
    for shell, files in _rc_files().items():
        hits = [f for f in files if _INIT[shell].search(_read_text(f))]
        if hits:
            found.append(shell)
            yield Check("shells", "ok", f"{shell} loads the hook ({hits[0]}); new {shell} "
                        "sessions are guarded")
    if not found:
        yield Check("shells", "warn", "no shell's rc file loads shellguard, so nothing typed at a "
                    "prompt is checked", "; or ".join(_HOW.values()))
    else:
        for shell in _INIT:
            if shell not in found:
                yield Check("shells", "info", f"{shell} does not load the hook",
                            _HOW[shell] + " if you use it")
    markers = sorted(k for k in os.environ if k.startswith(("SHELLGUARD", "_SHELLGUARD")))
    if markers:
        shown = ", ".join(f"{k}={os.environ[k]}" for k in markers[:6])
        yield Check("shells", "info", f"this process runs under shellguard's settings or a guarded "
                    f"shell: {shown}")


def check_agent_shell() -> Iterator[Check]:
    bash_env = os.environ.get("BASH_ENV", "")
    if bash_env and "shellguard" in _read_text(Path(bash_env).expanduser()):
        yield Check("agent shell", "ok", f"bash: BASH_ENV={bash_env} is the agent guard "
                    "(active with SHELLGUARD_MODE=agent or an agent's marker)")
    else:
        home = Path.home()
        files = [home / ".bashrc", home / ".profile", home / ".bash_profile", _zdotdir() / ".zshrc",
                 _zdotdir() / ".zprofile", _zdotdir() / ".zshenv"]
        set_in = [f for f in files if re.search(r"BASH_ENV=.*shellguard", _read_text(f))]
        if set_in:
            yield Check("agent shell", "ok", f"bash: {set_in[0]} sets BASH_ENV to the agent guard")
        else:
            yield Check("agent shell", "info", "bash -c run by agents is not guarded (no "
                        "BASH_ENV)", "see docs/agents.md, 'The agent shell guard'")
    zshenv = _zdotdir() / ".zshenv"
    if "shellguard" in _read_text(zshenv):
        yield Check("agent shell", "ok", f"zsh: {zshenv} loads the agent guard")
    else:
        yield Check("agent shell", "info", "zsh -c run by agents is not guarded (nothing in "
                    f"{zshenv})", "see docs/agents.md, 'The agent shell guard'")


# -- co-process -----------------------------------------------------------------------------

def check_coprocess(timeout: float = 20.0) -> Iterator[Check]:
    cmd = [sys.executable, "-m", "shellguard", "serve"]
    env = {k: v for k, v in os.environ.items() if k != "BASH_ENV"}
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)
    except OSError as exc:
        yield Check("co-process", "fail", f"cannot start {' '.join(cmd)}: {exc.strerror}",
                    "reinstall shellguard in this Python environment")
        return
    try:
        assert proc.stdin is not None and proc.stdout is not None
        times = []
        for n in range(6):
            t0 = time.perf_counter()
            proc.stdin.write(json.dumps({"id": n, "command": "ls -la", "cwd": os.getcwd(),
                                         "shell": "doctor"}).encode() + b"\n")
            proc.stdin.flush()
            line = _readline(proc, timeout)
            if line is None:
                proc.kill()
                err = (proc.stderr.read() if proc.stderr else b"").decode(errors="replace")
                tail = err.strip().splitlines()[-1:] or ["no error output"]
                yield Check("co-process", "fail", f"'shellguard serve' did not answer within "
                            f"{timeout:.0f} s ({tail[0]})", "run 'shellguard serve' by hand and "
                            "type {\"id\":1,\"command\":\"ls\"} to see what goes wrong")
                return
            answer = json.loads(line)
            if "classification" not in answer:
                yield Check("co-process", "fail", f"'shellguard serve' answered something "
                            f"unexpected: {line[:120]!r}", "reinstall shellguard")
                return
            times.append((time.perf_counter() - (start if n == 0 else t0)) * 1000)
        first, warm = times[0], statistics.median(times[1:])
        status = "ok" if warm < 50 else "warn"
        yield Check("co-process", status, f"'shellguard serve' starts and answers: first answer "
                    f"after {first:.0f} ms, then {warm:.2f} ms per command",
                    None if status == "ok" else "the machine is busy, or the model is slow; "
                    "see 'shellguard config' [llm] inference_timeout_ms")
    finally:
        if proc.poll() is None:
            proc.stdin.close()  # type: ignore[union-attr]
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _readline(proc: subprocess.Popen, timeout: float) -> bytes | None:
    import selectors

    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            return None
    line = proc.stdout.readline()
    return line or None


# -- agent hooks ----------------------------------------------------------------------------

_AGENT_DIRS = {"claude-code": ".claude", "codex": ".codex", "gemini": ".gemini"}
_AGENT_NAMES = {"claude-code": "Claude Code", "codex": "Codex", "gemini": "Gemini CLI"}


def check_agents() -> Iterator[Check]:
    from shellguard.agents import AGENTS
    from shellguard.agents.install import settings_path, status

    for agent in AGENTS:
        name = _AGENT_NAMES[agent]
        states = [status(agent, project=False)]
        if settings_path(agent, project=True) != states[0].path:
            states.append(status(agent, project=True))
        installed = False
        for st in states:
            if st.problem:
                yield Check("agents", "fail", f"{name}: {st.problem}",
                            f"shellguard install {agent}{' --project' if st.scope == 'project' else ''}")
            elif st.installed:
                installed = True
                yield Check("agents", "ok", f"{name}: the hook is in {st.path}")
            for note in st.notes:
                yield Check("agents", "warn", f"{name}: {note}")
        if not installed and not any(st.problem for st in states):
            present = (Path.home() / _AGENT_DIRS[agent]).is_dir() or states[0].path.exists()
            yield Check("agents", "warn" if present else "info",
                        f"{name}: the shellguard hook is not installed"
                        + (f" (but {name} is set up here)" if present else ""),
                        f"shellguard install {agent}")


# -- model and llama.cpp --------------------------------------------------------------------

def check_model(build: bool = True) -> Iterator[Check]:
    from shellguard.config import load_config

    config = load_config()
    try:
        from shellguard.llm import catalog
        from shellguard.llm.settings import LlmSettings
    except ImportError:
        yield Check("model", "info", "this shellguard has no local-model support")
        return
    settings = LlmSettings.from_table(config.llm)
    if not settings.enabled:
        yield Check("model", "ok", "the local model is off ([llm] enabled = false); unknown "
                    "commands get the heuristic only")
        return
    try:
        spec = catalog.configured(config.llm)
    except Exception as exc:  # CatalogError and friends: one line each
        yield Check("model", "fail", f"the model in the config cannot be used: {exc}",
                    "fix [llm] in the config ('shellguard config' shows it)")
        return
    if not spec.file.exists():
        yield Check("model", "warn", f"the model {spec.name} is not downloaded ({spec.file}); "
                    "unknown commands get the heuristic only", "shellguard model pull")
    elif catalog.is_verified(spec):
        yield Check("model", "ok", f"the model {spec.name} is present and verified ({spec.file})")
    else:
        yield Check("model", "warn", f"the model {spec.name} is present but not verified since it "
                    f"last changed ({spec.file})", f"shellguard model verify {spec.name}")
    if importlib.util.find_spec("llama_cpp") is None:
        yield Check("llama.cpp", "warn", "llama-cpp-python is not installed, so the model cannot "
                    "run", "pip install 'shellguard[llm]' (in a checkout: make setup-test)")
        return
    if not build:
        yield Check("llama.cpp", "info", "build check skipped (--quick)")
        return
    try:
        from shellguard.llm.doctor import check_build
    except ImportError:
        return
    result = check_build()
    if result.ok:
        yield Check("llama.cpp", "ok", result.message)
    else:
        yield Check("llama.cpp", "fail", result.message,
                    "rebuild llama-cpp-python as the message says")


# -- audit log ------------------------------------------------------------------------------

def check_audit() -> Iterator[Check]:
    from shellguard.audit import AuditSettings, log_path
    from shellguard.config import load_config

    settings = AuditSettings.from_config(load_config())
    path = log_path()
    if settings.mode == "off":
        yield Check("audit log", "info", "the audit log is off ([audit] audit = \"off\")")
        return
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode != 0o600:
            yield Check("audit log", "fail", f"{path} has mode {mode:04o}, so others may read "
                        "the commands in it", f"chmod 600 {path}")
        elif not os.access(path, os.W_OK):
            yield Check("audit log", "fail", f"{path} is not writable", f"check the owner of {path}")
        else:
            yield Check("audit log", "ok", f"{path} is writable and private (0600); "
                        f"logging: {settings.mode}")
        return
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if os.access(parent, os.W_OK):
        yield Check("audit log", "ok", f"{path} will be created (mode 0600) at the first entry; "
                    f"logging: {settings.mode}")
    else:
        yield Check("audit log", "fail", f"{path} cannot be created: {parent} is not writable",
                    "set XDG_STATE_HOME to a writable directory")


CHECKS: tuple[Callable[..., Iterator[Check]], ...] = (
    check_config, check_shells, check_agent_shell, check_coprocess, check_agents, check_model,
    check_audit)


def run_checks(build: bool = True) -> Iterator[Check]:
    """Every check in order; a check that crashes reports itself instead of stopping the rest."""
    for check in CHECKS:
        try:
            if check is check_model:
                yield from check(build=build)
            else:
                yield from check()
        except Exception as exc:
            area = check.__name__.removeprefix("check_").replace("_", " ")
            yield Check(area, "fail", f"the check itself failed ({type(exc).__name__}: {exc})",
                        "please report it")
