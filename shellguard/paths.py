"""Where shellguard keeps things (XDG base directories), in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["config_dir", "config_file", "data_dir", "state_dir", "cache_dir", "runtime_dir",
           "user_rules_dir", "is_private"]


def _xdg(var: str, fallback: str, env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    value = env.get(var, "")
    if value and os.path.isabs(value):
        return Path(value) / "shellguard"
    home = env.get("HOME", "")
    return (Path(home) if home else Path.home()) / fallback / "shellguard"


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    """``env``: another environment than this process's (a xonsh session's, say)."""
    return _xdg("XDG_CONFIG_HOME", ".config", env)


def config_file(env: Mapping[str, str] | None = None) -> Path:
    override = (os.environ if env is None else env).get("SHELLGUARD_CONFIG", "")
    return Path(override) if override else config_dir(env) / "config.toml"


def user_rules_dir() -> Path:
    return config_dir() / "rules"


def data_dir() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share")


def state_dir() -> Path:
    return _xdg("XDG_STATE_HOME", ".local/state")


def cache_dir() -> Path:
    return _xdg("XDG_CACHE_HOME", ".cache")


def runtime_dir() -> Path:
    value = os.environ.get("XDG_RUNTIME_DIR", "")
    if value and os.path.isabs(value):
        return Path(value) / "shellguard"
    return Path(f"/tmp/shellguard-{os.getuid()}")


def is_private(path: Path) -> bool:
    """Is ``path`` the user's, and writable by no one else? (What the shells run or
    load from the cache must be.)"""
    try:
        info = path.stat()
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & 0o022
