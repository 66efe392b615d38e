"""The audit log: one JSON line per decision that asked, denied or blocked.

``$XDG_STATE_HOME/shellguard/audit.jsonl``, created with mode 0600 in a 0700
directory. Each line holds the time, where the decision was made (zsh, bash,
xonsh, claude-code, codex, gemini, agent-shell), the directory, the command
with secrets redacted (:mod:`shellguard.redact`), class, reason, source,
confidence, action and the answer (yes, no, always, timeout, blocked; ``null``
when the answer was given elsewhere, such as in Claude Code's own prompt).

Writers never interleave: each line is appended with one ``write`` on an
``O_APPEND`` descriptor. The file is size-capped: past ``max_bytes`` it is
rotated (``audit.jsonl`` -> ``audit.jsonl.1`` -> ... -> ``.keep``) under an
exclusive lock, so two shells do not rotate at once.

```toml
[audit]
audit = "asked"        # asked (default): what asked, denied or blocked; all: every decision; off
max_bytes = 5000000    # rotate past this size
keep = 3               # rotated files kept
```

Recording never raises: a log that cannot be written must not stop a decision.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shellguard import paths
from shellguard.redact import redact

__all__ = ["AuditSettings", "log_path", "record", "record_decision", "should_record",
           "make_entry", "append", "iter_entries", "log_files", "parse_time", "parse_since",
           "select", "stats", "STAT_KEYS", "WHERE", "MODES"]

#: Where decisions are made (the ``where`` field).
WHERE = ("zsh", "bash", "xonsh", "claude-code", "codex", "gemini", "agent-shell")
MODES = ("asked", "all", "off")
#: Longest command kept in a line (after redaction); longer ones are cut with a marker.
MAX_COMMAND_CHARS = 4000
_DEFAULT_MAX_BYTES = 5_000_000
_DEFAULT_KEEP = 3


@dataclass(frozen=True)
class AuditSettings:
    mode: str = "asked"
    max_bytes: int = _DEFAULT_MAX_BYTES
    keep: int = _DEFAULT_KEEP
    problems: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_table(cls, table: dict | None, where: str = "config") -> AuditSettings:
        """Read the ``[audit]`` table; a bad value becomes a problem line and the default."""
        table = table or {}
        problems: list[str] = []
        mode = table.get("audit", "asked")
        if mode not in MODES:
            problems.append(f"{where}: 'audit.audit' must be one of {', '.join(MODES)} "
                            f"(got {mode!r}); keeping 'asked'")
            mode = "asked"
        max_bytes = table.get("max_bytes", _DEFAULT_MAX_BYTES)
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 10_000:
            problems.append(f"{where}: 'audit.max_bytes' must be a whole number of bytes, at "
                            f"least 10000 (got {max_bytes!r}); keeping {_DEFAULT_MAX_BYTES}")
            max_bytes = _DEFAULT_MAX_BYTES
        keep = table.get("keep", _DEFAULT_KEEP)
        if isinstance(keep, bool) or not isinstance(keep, int) or not 1 <= keep <= 100:
            problems.append(f"{where}: 'audit.keep' must be a whole number from 1 to 100 "
                            f"(got {keep!r}); keeping {_DEFAULT_KEEP}")
            keep = _DEFAULT_KEEP
        for key in sorted(set(table) - {"audit", "max_bytes", "keep"}):
            problems.append(f"{where}: unknown key 'audit.{key}' (ignored)")
        return cls(mode, max_bytes, keep, tuple(problems))

    @classmethod
    def from_config(cls, config: object) -> AuditSettings:
        where = str(getattr(config, "path", None) or "config")
        return cls.from_table(getattr(config, "audit", None), where)


def log_path() -> Path:
    return paths.state_dir() / "audit.jsonl"


def log_files(path: Path | None = None) -> list[Path]:
    """The log and its rotations that exist, oldest first."""
    path = path or log_path()
    rotated = sorted((p for p in path.parent.glob(path.name + ".*") if p.suffix[1:].isdigit()),
                     key=lambda p: -int(p.suffix[1:]))
    return [*rotated, *([path] if path.exists() else [])]


def should_record(action: str, answer: str | None, settings: AuditSettings) -> bool:
    if settings.mode == "off":
        return False
    if settings.mode == "all":
        return True
    return action != "allow" or answer is not None


def _now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def _cut(text: str) -> str:
    text = redact(text)
    if len(text) > MAX_COMMAND_CHARS:
        text = text[:MAX_COMMAND_CHARS] + f"... [{len(text) - MAX_COMMAND_CHARS} more characters]"
    return text


def make_entry(*, where: str, command: str, cwd: str | None, crud: str, reason: str,
               source: str, confidence: float, action: str, answer: str | None,
               time: str | None = None) -> dict:
    """One log line's fields, secrets redacted."""
    return {
        "time": time or _now(),
        "where": where,
        "cwd": cwd,
        "command": _cut(command),
        "class": crud,
        "reason": _cut(reason),
        "source": source,
        "confidence": round(float(confidence), 3),
        "action": action,
        "answer": answer,
    }


def _rotate(path: Path, settings: AuditSettings) -> None:
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:  # another writer may have rotated while we waited for the lock
            if os.stat(path).st_size < settings.max_bytes:
                return
        except FileNotFoundError:
            return
        oldest = path.with_name(f"{path.name}.{settings.keep}")
        with contextlib.suppress(FileNotFoundError):
            oldest.unlink()
        for n in range(settings.keep - 1, 0, -1):
            with contextlib.suppress(FileNotFoundError):
                os.replace(path.with_name(f"{path.name}.{n}"), path.with_name(f"{path.name}.{n + 1}"))
        os.replace(path, path.with_name(f"{path.name}.1"))
    finally:
        os.close(fd)  # closing releases the lock


def append(entry: dict, settings: AuditSettings | None = None, path: Path | None = None) -> Path:
    """Append one entry as one line (one ``write`` on an ``O_APPEND`` descriptor). Raises OSError."""
    settings = settings or AuditSettings()
    path = path or log_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    try:
        if os.stat(path).st_size + len(line) > settings.max_bytes:
            _rotate(path, settings)
    except FileNotFoundError:
        pass
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)  # a log of commands is private, whatever the umask was
        os.write(fd, line)
    finally:
        os.close(fd)
    return path


def record(*, where: str, command: str, cwd: str | None, crud: str, reason: str, source: str,
           confidence: float, action: str, answer: str | None = None,
           settings: AuditSettings | None = None, path: Path | None = None) -> bool:
    """Log one decision if the settings say so. Never raises; False when nothing was written."""
    settings = settings or AuditSettings()
    if not should_record(action, answer, settings):
        return False
    try:
        append(make_entry(where=where, command=command, cwd=cwd, crud=crud, reason=reason,
                          source=source, confidence=confidence, action=action, answer=answer),
               settings, path)
        return True
    except Exception:  # a log that cannot be written must never stop a decision
        return False


def record_decision(where: str, command: str, cwd: str | None, decision: object,
                    answer: str | None = None, settings: AuditSettings | None = None) -> bool:
    """:func:`record` for a :class:`shellguard.guard.Decision`."""
    verdict = decision.verdict  # type: ignore[attr-defined]
    return record(where=where, command=command, cwd=cwd, crud=verdict.crud.name,
                  reason=verdict.reason, source=verdict.source, confidence=verdict.confidence,
                  action=decision.action, answer=answer, settings=settings)  # type: ignore[attr-defined]


def parse_time(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo else value.astimezone()


def iter_entries(path: Path | None = None) -> Iterator[dict]:
    """Every readable entry, oldest first (rotated files included); bad lines are skipped."""
    for file in log_files(path):
        try:
            with open(file, encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(entry, dict):
                        yield entry
        except OSError:
            continue


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``30m``, ``2h``, ``3d``, ``1w`` ago, or an ISO date/time; raises ValueError."""
    text = text.strip()
    now = now or datetime.now(UTC).astimezone()
    if len(text) > 1 and text[-1] in _UNITS and text[:-1].replace(".", "", 1).isdigit():
        return now - timedelta(seconds=float(text[:-1]) * _UNITS[text[-1]])
    value = parse_time(text)
    if value is None:
        raise ValueError(f"'{text}' is not a time: use 30m, 2h, 3d, 1w or a date like 2025-01-31")
    return value


def select(entries: Iterator[dict] | list[dict], since: datetime | None = None,
           classes: set[str] | None = None, where: set[str] | None = None) -> Iterator[dict]:
    """Entries that match every given filter (class and where compared case-insensitively)."""
    for entry in entries:
        if classes and str(entry.get("class", "")).upper() not in classes:
            continue
        if where and str(entry.get("where", "")).lower() not in where:
            continue
        if since is not None:
            when = parse_time(str(entry.get("time", "")))
            if when is None or when < since:
                continue
        yield entry


#: The counters of :func:`stats`, in the order they are shown.
STAT_KEYS = ("decisions", "asked", "yes", "no", "always", "timeout", "blocked", "denied")


def stats(entries: Iterator[dict] | list[dict]) -> dict[tuple[str, str], dict[str, int]]:
    """Counts per (where, class): decisions, asked (a question was put), each answer, denied."""
    table: dict[tuple[str, str], dict[str, int]] = {}
    for entry in entries:
        key = (str(entry.get("where", "?")), str(entry.get("class", "?")))
        row = table.setdefault(key, dict.fromkeys(STAT_KEYS, 0))
        row["decisions"] += 1
        action, answer = entry.get("action"), entry.get("answer")
        if action == "confirm":
            row["asked"] += 1
        elif action == "deny":
            row["denied"] += 1
        if answer in ("yes", "no", "always", "timeout", "blocked"):
            row[answer] += 1
    return table
