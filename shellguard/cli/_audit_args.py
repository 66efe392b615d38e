"""Filters shared by ``shellguard log`` and ``shellguard stats``."""

from __future__ import annotations

import argparse
from datetime import datetime

from shellguard.errors import ExitCode, ShellguardError


def add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", metavar="WHEN",
                   help="only entries since then: 30m, 2h, 3d, 1w, or a date like 2025-01-31")
    p.add_argument("--class", dest="classes", metavar="CLASS", action="append",
                   help="only this class (READ, CREATE, UPDATE, DELETE); repeat or use commas")
    p.add_argument("--where", metavar="WHERE", action="append",
                   help="only decisions made here: zsh, bash, xonsh, claude-code, codex, gemini, "
                        "agent-shell; repeat or use commas")
    p.add_argument("--json", action="store_true", help="JSON instead of a table")


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def filters(args: argparse.Namespace) -> tuple[datetime | None, set[str] | None, set[str] | None]:
    from shellguard.audit import parse_since

    since = None
    if args.since:
        try:
            since = parse_since(args.since)
        except ValueError as exc:
            raise ShellguardError(str(exc), ExitCode.USAGE) from None
    classes = {c.upper() for c in _split(args.classes)} or None
    known = {"READ", "CREATE", "UPDATE", "DELETE"}
    if classes and not classes <= known:
        raise ShellguardError(f"unknown class {', '.join(sorted(classes - known))}; use READ, "
                              "CREATE, UPDATE or DELETE", ExitCode.USAGE)
    where = {w.lower() for w in _split(args.where)} or None
    return since, classes, where
