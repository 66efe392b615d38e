"""The user's configuration: ``$XDG_CONFIG_HOME/shellguard/config.toml``.

Loading never fails: every problem becomes one line naming the key, the safe
default for that key stays in force, and the rest of the file still counts.

```toml
[policy]
READ = "allow"          # allow | confirm | deny, per class
DELETE = "confirm"
allow = ["git push", "make *", "git.fetch"]   # exact command, glob, or rule id
deny = ["rm -rf /*"]

[rules]
dirs = ["~/my-shellguard-rules"]   # in addition to $XDG_CONFIG_HOME/shellguard/rules

[[always]]              # written by the shell's "a" answer: this command, in this directory
command = "make deploy"
cwd = "/home/me/app"

[llm]                   # see shellguard/llm
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from shellguard import paths
from shellguard.verdict import Crud

__all__ = ["Config", "load_config", "ACTIONS", "DEFAULT_ACTIONS", "append_always"]

ACTIONS = ("allow", "confirm", "deny")
DEFAULT_ACTIONS = {Crud.READ: "allow", Crud.CREATE: "confirm", Crud.UPDATE: "confirm",
                   Crud.DELETE: "confirm"}
_TOP_KEYS = {"policy", "rules", "always", "llm", "audit", "agents"}
_LLM_KEYS = {"enabled", "model", "models", "inference_timeout_ms", "threads", "confidence",
             "read_confidence", "idle_unload_s", "allow_read", "path", "url", "sha256",
             "calibrate"}


@dataclass
class Config:
    """Effective settings, and where each came from (``sources[key]``: a path or "default")."""

    actions: dict[Crud, str] = field(default_factory=lambda: dict(DEFAULT_ACTIONS))
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    rule_dirs: tuple[Path, ...] = ()
    always: tuple[tuple[str, str], ...] = ()
    llm: dict = field(default_factory=dict)
    audit: dict = field(default_factory=dict)
    agents: dict = field(default_factory=dict)
    path: Path | None = None
    sources: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def source(self, key: str) -> str:
        return self.sources.get(key, "default")


def _str_list(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def load_config(path: Path | None = None) -> Config:
    """Read the config file (if any); defaults for everything it does not say or says wrongly."""
    path = path or paths.config_file()
    config = Config(path=path, rule_dirs=(paths.user_rules_dir(),))
    if not path.exists():
        return config
    import tomllib  # only when there is a file to read (start-up time)

    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return config
    except tomllib.TOMLDecodeError as exc:
        config.problems.append(f"{path}: {exc}; using the safe defaults")
        return config
    except OSError as exc:
        config.problems.append(f"{path}: cannot read ({exc.strerror}); using the safe defaults")
        return config
    where = str(path)
    for key in sorted(set(data) - _TOP_KEYS):
        config.problems.append(f"{where}: unknown key '{key}' (ignored)")
    _policy(data.get("policy", {}), config, where)
    _rules(data.get("rules", {}), config, where)
    _always(data.get("always", []), config, where)
    for section in ("llm", "audit", "agents"):
        table = data.get(section, {})
        if not isinstance(table, dict):
            config.problems.append(f"{where}: '{section}' must be a table (ignored)")
            continue
        if section == "llm":
            for key in sorted(set(table) - _LLM_KEYS):
                config.problems.append(f"{where}: unknown key 'llm.{key}' (ignored)")
        setattr(config, section, dict(table))
        for key in table:
            config.sources[f"{section}.{key}"] = where
    return config


def _policy(table: object, config: Config, where: str) -> None:
    if not isinstance(table, dict):
        config.problems.append(f"{where}: 'policy' must be a table (ignored)")
        return
    for key, value in table.items():
        if key in ("allow", "deny"):
            items = _str_list(value)
            if items is None:
                config.problems.append(f"{where}: 'policy.{key}' must be a list of strings "
                                       "(ignored)")
                continue
            setattr(config, key, items)
            config.sources[f"policy.{key}"] = where
            continue
        try:
            crud = Crud.parse(key)
        except KeyError:
            config.problems.append(f"{where}: unknown key 'policy.{key}' (ignored)")
            continue
        if not isinstance(value, str) or value.lower() not in ACTIONS:
            config.problems.append(f"{where}: 'policy.{key}' must be one of allow, confirm, deny "
                                   f"(got {value!r}); keeping '{DEFAULT_ACTIONS[crud]}'")
            continue
        config.actions[crud] = value.lower()
        config.sources[f"policy.{crud.name}"] = where


def _rules(table: object, config: Config, where: str) -> None:
    if not isinstance(table, dict):
        config.problems.append(f"{where}: 'rules' must be a table (ignored)")
        return
    for key, value in table.items():
        if key != "dirs":
            config.problems.append(f"{where}: unknown key 'rules.{key}' (ignored)")
            continue
        items = _str_list(value)
        if items is None:
            config.problems.append(f"{where}: 'rules.dirs' must be a list of paths (ignored)")
            continue
        config.rule_dirs = (paths.user_rules_dir(), *(Path(p).expanduser() for p in items))
        config.sources["rules.dirs"] = where


def _always(entries: object, config: Config, where: str) -> None:
    if not isinstance(entries, list):
        config.problems.append(f"{where}: 'always' must be [[always]] entries (ignored)")
        return
    kept = []
    for n, entry in enumerate(entries, start=1):
        if (not isinstance(entry, dict) or not isinstance(entry.get("command"), str)
                or not isinstance(entry.get("cwd", ""), str)):
            config.problems.append(f"{where}: always entry {n} needs 'command' and 'cwd' "
                                   "strings (ignored)")
            continue
        kept.append((entry["command"], entry.get("cwd", "")))
    config.always = tuple(kept)
    if kept:
        config.sources["always"] = where


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c >= " " or c == "\t" else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


def append_always(command: str, cwd: str, path: Path | None = None) -> Path:
    """Record "always allow this exact command here" (the shell's ``a`` answer)."""
    path = path or paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = f"\n[[always]]\ncommand = {_toml_string(command)}\ncwd = {_toml_string(cwd)}\n"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(entry)
    return path
