"""Write the shellguard hook into an agent's settings file, and take it out again.

| agent | user file | project file | event, matcher | timeout unit |
| --- | --- | --- | --- | --- |
| claude-code | ``~/.claude/settings.json`` | ``.claude/settings.json`` | PreToolUse, ``Bash`` | s |
| codex | ``$CODEX_HOME/hooks.json`` (``~/.codex``) | ``.codex/hooks.json`` | PreToolUse, ``Bash`` | s |
| gemini | ``~/.gemini/settings.json`` | ``.gemini/settings.json`` | BeforeTool, ``run_shell_command`` | ms |

Rules: merge with what is there (our own matcher group, appended); do nothing
when the hook is already in place; keep a backup (``<file>.shellguard.bak``) of
every version we replace; write a temporary file and rename it over the old one,
so the file is never half-written; refuse, changing nothing, when the file is
not valid JSON (or Codex's ``config.toml`` is not valid TOML). ``uninstall``
removes our hook entries and only the groups, lists and tables that became empty
because of that; when the result equals the file as it was before install, the
backup's exact bytes are put back, and a file we created is removed again
(recorded in ``$XDG_STATE_HOME/shellguard/installs.json``).

Our entries are recognised by their command (``... shellguard.agents AGENT`` or
``... shellguard hook AGENT``), not by extra keys, because agents validate
their settings against a schema.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import shlex
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from shellguard import paths
from shellguard.errors import ExitCode, ShellguardError

__all__ = ["InstallError", "Result", "Status", "settings_path", "hook_command", "install",
           "uninstall", "status", "SPECS"]

#: What the agents run: seconds for Claude Code and Codex, milliseconds for Gemini. Longer
#: than the hook's own time budget, so its fail-safe answer arrives before the agent gives up.
HOOK_TIMEOUT_S = 30


class InstallError(ShellguardError):
    """A settings file that cannot be changed safely; nothing was written."""

    exit_code = ExitCode.DATA


@dataclass(frozen=True)
class Spec:
    agent: str
    home_dir: str  # under $HOME (or an env override)
    home_env: str | None
    filename: str
    event: str
    matcher: str
    timeout: int

    def entry(self, command: str) -> dict:
        hook: dict[str, object] = {"type": "command", "command": command, "timeout": self.timeout}
        if self.agent == "gemini":
            hook = {"name": "shellguard", **hook,
                    "description": "shellguard: classify the shell command before it runs"}
        return {"matcher": self.matcher, "hooks": [hook]}


SPECS = {
    "claude-code": Spec("claude-code", ".claude", None, "settings.json", "PreToolUse", "Bash",
                        HOOK_TIMEOUT_S),
    "codex": Spec("codex", ".codex", "CODEX_HOME", "hooks.json", "PreToolUse", "Bash",
                  HOOK_TIMEOUT_S),
    "gemini": Spec("gemini", ".gemini", None, "settings.json", "BeforeTool", "run_shell_command",
                   HOOK_TIMEOUT_S * 1000),
}

_OURS = re.compile(r"shellguard(?:\.agents|['\"]?\s+hook)\s+(claude-code|codex|gemini)\b")


@dataclass(frozen=True)
class Result:
    path: Path
    changed: bool
    message: str
    backup: Path | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Status:
    agent: str
    scope: str
    path: Path
    installed: bool
    commands: tuple[str, ...] = ()
    problem: str | None = None  # the file cannot be read, or the hook points nowhere
    notes: tuple[str, ...] = field(default=())


def settings_path(agent: str, project: bool = False, cwd: str | os.PathLike[str] | None = None
                  ) -> Path:
    spec = SPECS[agent]
    if project:
        return Path(cwd or os.getcwd()).absolute() / spec.home_dir / spec.filename
    if spec.home_env and os.environ.get(spec.home_env):
        return Path(os.environ[spec.home_env]).expanduser() / spec.filename
    return Path.home() / spec.home_dir / spec.filename


def hook_command(agent: str, python: str | None = None) -> str:
    """The command written into settings: this interpreter by absolute path, so neither PATH
    nor the console script has to be right when the agent runs it."""
    exe = python or sys.executable or "python3"
    return f"{shlex.quote(os.path.abspath(exe))} -m shellguard.agents {agent}"


def _is_ours(hook: object, agent: str) -> bool:
    if not isinstance(hook, dict) or not isinstance(hook.get("command"), str):
        return False
    match = _OURS.search(hook["command"])
    return bool(match and match.group(1) == agent)


# -- reading and writing ------------------------------------------------------------------

def _read(path: Path) -> tuple[bytes | None, dict, os.stat_result | None]:
    try:
        raw = path.read_bytes()
        st = path.stat()
    except FileNotFoundError:
        return None, {}, None
    except OSError as exc:
        raise InstallError(f"{path}: cannot read it ({exc.strerror}); nothing was changed",
                           ExitCode.IO) from None
    if not raw.strip():
        return raw, {}, st
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InstallError(f"{path}: not UTF-8 text; fix or move it, then run this again "
                           "(nothing was changed)") from None
    except ValueError as exc:
        where = (f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
                 if isinstance(exc, json.JSONDecodeError) else str(exc))
        raise InstallError(f"{path}: not valid JSON ({where}); fix or move it, then run this "
                           "again (nothing was changed)") from None
    if not isinstance(data, dict):
        raise InstallError(f"{path}: the top level is not a JSON object; fix or move it, then "
                           "run this again (nothing was changed)")
    return raw, data, st


def _indent(raw: bytes | None) -> int | str:
    for line in (raw or b"").decode("utf-8", "replace").splitlines()[1:]:
        stripped = line.lstrip(" \t")
        if stripped and len(stripped) < len(line):
            lead = line[: len(line) - len(stripped)]
            return "\t" if lead.startswith("\t") else len(lead)
    return 2


def _dump(data: dict, like: bytes | None) -> bytes:
    text = json.dumps(data, indent=_indent(like), ensure_ascii=False)
    newline = like is None or like.endswith(b"\n") or not like.strip()
    return (text + ("\n" if newline else "")).encode("utf-8")


def _same_file(path: Path, st: os.stat_result | None) -> bool:
    try:
        now = path.stat()
    except FileNotFoundError:
        return st is None
    return st is not None and (now.st_mtime_ns, now.st_size, now.st_ino) == (
        st.st_mtime_ns, st.st_size, st.st_ino)


def _write_atomic(path: Path, data: bytes, st: os.stat_result | None) -> None:
    """Temp file in the same directory, fsync, rename over: the file is old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".shellguard-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, (st.st_mode & 0o7777) if st else 0o644 & ~_umask())
        if not _same_file(path, st):
            raise InstallError(f"{path}: changed while shellguard was editing it (is the agent "
                               "writing it?); run this again", ExitCode.IO)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".shellguard.bak")


def _state_file() -> Path:
    return paths.state_dir() / "installs.json"


def _state() -> dict:
    try:
        data = json.loads(_state_file().read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_state(state: dict) -> None:
    path = _state_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _codex_notes(path: Path) -> tuple[str, ...]:
    """Codex's config.toml next to hooks.json: must parse; may switch hooks off."""
    config = path.with_name("config.toml")
    try:
        raw = config.read_bytes()
    except OSError:
        return ()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InstallError(f"{config}: not valid TOML ({exc}); Codex cannot read it either: fix "
                           "it, then run this again (nothing was changed)") from None
    notes = []
    features = data.get("features", {})
    if isinstance(features, dict) and (features.get("hooks") is False
                                       or features.get("codex_hooks") is False):
        notes.append(f"{config} switches hooks off ([features] hooks = false); remove that line "
                     "or Codex will not run the hook")
    if "hooks" in data:
        notes.append(f"{config} also defines [hooks]; Codex merges both and warns at start-up")
    return tuple(notes)


# -- install / uninstall ------------------------------------------------------------------

def _hooks_table(data: dict, path: Path, create: bool) -> dict | None:
    hooks = data.get("hooks")
    if hooks is None:
        if not create:
            return None
        hooks = data["hooks"] = {}
    if not isinstance(hooks, dict):
        raise InstallError(f"{path}: 'hooks' is not an object; fix it, then run this again "
                           "(nothing was changed)")
    return hooks


def _event_list(hooks: dict, event: str, path: Path, create: bool) -> list | None:
    groups = hooks.get(event)
    if groups is None:
        if not create:
            return None
        groups = hooks[event] = []
    if not isinstance(groups, list):
        raise InstallError(f"{path}: 'hooks.{event}' is not a list; fix it, then run this again "
                           "(nothing was changed)")
    return groups


def _our_hooks(groups: list, agent: str) -> list[tuple[dict, dict]]:
    found = []
    for group in groups:
        if isinstance(group, dict) and isinstance(group.get("hooks"), list):
            found += [(group, hook) for hook in group["hooks"] if _is_ours(hook, agent)]
    return found


def install(agent: str, project: bool = False, cwd: str | None = None,
            command: str | None = None) -> Result:
    spec = SPECS[agent]
    path = settings_path(agent, project, cwd)
    command = command or hook_command(agent)
    notes = _codex_notes(path) if agent == "codex" else ()
    raw, data, st = _read(path)
    hooks = _hooks_table(data, path, create=True)
    assert hooks is not None
    groups = _event_list(hooks, spec.event, path, create=True)
    assert groups is not None
    ours = _our_hooks(groups, agent)
    if len(ours) == 1 and ours[0][1] == spec.entry(command)["hooks"][0] \
            and ours[0][0].get("matcher") == spec.matcher:
        return Result(path, False, f"the {agent} hook is already in {path}", None, notes)
    if ours:  # an older shellguard (another interpreter, other options): replace it in place
        first_group, first = ours[0]
        first.clear()
        first.update(spec.entry(command)["hooks"][0])
        first_group["matcher"] = spec.matcher
        for group, hook in ours[1:]:
            group["hooks"].remove(hook)
        message = f"updated the {agent} hook in {path}"
    else:
        groups.append(spec.entry(command))
        message = f"added the {agent} hook ({spec.event}, {spec.matcher}) to {path}"
    backup = None
    if raw is not None:
        backup = _backup_path(path)
        if not (ours and backup.exists()):  # keep the copy from before the first install
            _write_atomic(backup, raw, backup.stat() if backup.exists() else None)
    else:
        state = _state()
        state[str(path)] = {"created": True,
                            "created_dirs": [str(p) for p in _missing_dirs(path.parent)]}
        _save_state(state)
    _write_atomic(path, _dump(data, raw), st)
    return Result(path, True, message, backup, notes)


def _missing_dirs(directory: Path) -> list[Path]:
    missing = []
    while not directory.exists() and directory != directory.parent:
        missing.append(directory)
        directory = directory.parent
    return missing


def _prune(data: dict, spec: Spec, cleanup: bool = True) -> bool:
    """Remove our hooks; then (``cleanup``) what became empty because of it. True when
    anything changed."""
    hooks = data.get("hooks")
    if not isinstance(hooks, dict):
        return False
    groups = hooks.get(spec.event)
    if not isinstance(groups, list):
        return False
    ours = _our_hooks(groups, spec.agent)
    if not ours:
        return False
    for group, hook in ours:
        group["hooks"].remove(hook)
    if not cleanup:
        return True
    emptied = {id(group) for group, _ in ours if not group["hooks"]}
    groups[:] = [g for g in groups if id(g) not in emptied]
    if not groups:
        del hooks[spec.event]
        if not hooks:
            del data["hooks"]
    return True


def uninstall(agent: str, project: bool = False, cwd: str | None = None) -> Result:
    spec = SPECS[agent]
    path = settings_path(agent, project, cwd)
    raw, data, st = _read(path)
    kept = copy.deepcopy(data)
    if raw is None or not _prune(data, spec):
        return Result(path, False, f"no shellguard {agent} hook in {path}")
    _prune(kept, spec, cleanup=False)
    backup = _backup_path(path)
    state = _state()
    created = state.pop(str(path), {})
    if str(path) in _state():
        _save_state(state)
    if created.get("created") and not data:
        path.unlink()
        for directory in created.get("created_dirs", []):
            with contextlib.suppress(OSError):
                os.rmdir(directory)  # only if empty
        return Result(path, True, f"removed the {agent} hook; {path} was created by shellguard "
                                  "and is empty now, so it is gone")
    new = _dump(data, raw)
    try:  # the file as it was before install, byte for byte, when nothing else changed
        old = backup.read_bytes()
        if (json.loads(old.decode("utf-8")) if old.strip() else {}) in (data, kept):
            new = old
    except (OSError, ValueError):
        pass
    _write_atomic(backup, raw, backup.stat() if backup.exists() else None)
    _write_atomic(path, new, st)
    return Result(path, True, f"removed the {agent} hook from {path}", backup)


def status(agent: str, project: bool = False, cwd: str | None = None) -> Status:
    """Is the hook in place, and does its command point at something that exists?"""
    spec = SPECS[agent]
    scope = "project" if project else "user"
    path = settings_path(agent, project, cwd)
    try:
        raw, data, _st = _read(path)
        notes = _codex_notes(path) if agent == "codex" else ()
    except InstallError as exc:
        return Status(agent, scope, path, False, problem=str(exc))
    if raw is None:
        return Status(agent, scope, path, False)
    hooks = data.get("hooks")
    groups = hooks.get(spec.event) if isinstance(hooks, dict) else None
    ours = _our_hooks(groups, agent) if isinstance(groups, list) else []
    commands = tuple(hook["command"] for _, hook in ours)
    problem = None
    for cmd in commands:
        try:
            program = shlex.split(cmd)[0]
        except (ValueError, IndexError):
            problem = f"the hook command cannot be parsed: {cmd}"
            continue
        if os.path.isabs(program) and not os.access(program, os.X_OK):
            problem = (f"the hook runs {program}, which does not exist any more; run "
                       f"'shellguard install {agent}{' --project' if project else ''}' again")
    if agent == "gemini" and isinstance(data.get("hooksConfig"), dict) \
            and data["hooksConfig"].get("enabled") is False:
        notes = (*notes, f"{path} switches hooks off (hooksConfig.enabled = false)")
    return Status(agent, scope, path, bool(commands), commands, problem, tuple(notes))
