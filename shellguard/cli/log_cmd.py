"""``shellguard log``: the audit log as a table (or JSON lines)."""

from __future__ import annotations

import argparse
import json
import shutil
import sys

from shellguard.cli._audit_args import add_filters, filters


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "log",
        help="show the audit log: what asked, denied or was blocked, and the answers",
        description="Show the audit log ($XDG_STATE_HOME/shellguard/audit.jsonl, rotated files "
                    "included), oldest first, secrets already redacted. Everything that asked, "
                    "was denied or blocked is logged; set [audit] audit = \"all\" in the config "
                    "to log every decision.",
    )
    add_filters(p)
    p.add_argument("-n", "--limit", type=int, default=50, metavar="N",
                   help="show the last N entries (default 50; 0: all)")
    p.add_argument("--path", action="store_true", help="print the log file's path and stop")
    p.set_defaults(handler=run)


def _time(text: object) -> str:
    value = str(text or "")
    return value[:19].replace("T", " ")


def run(args: argparse.Namespace) -> int:
    from shellguard import audit

    if args.path:
        print(audit.log_path())
        return 0
    since, classes, where = filters(args)
    entries = list(audit.select(audit.iter_entries(), since, classes, where))
    if args.limit > 0:
        entries = entries[-args.limit:]
    if args.json:
        for entry in entries:
            print(json.dumps(entry, ensure_ascii=False))
        return 0
    if not entries:
        print(f"shellguard: no entries in {audit.log_path()}" + (" that match" if
              (since or classes or where) else ""))
        return 0
    rows = [(_time(e.get("time")), str(e.get("where", "")), str(e.get("class", "")),
             str(e.get("action", "")), str(e.get("answer") or "-"),
             " ".join(str(e.get("command", "")).split())) for e in entries]
    head = ("TIME", "WHERE", "CLASS", "ACTION", "ANSWER", "COMMAND")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    # Commands are cut to the terminal's width; piped output keeps them whole.
    room = (max(20, shutil.get_terminal_size((120, 24)).columns - sum(widths) - 10)
            if sys.stdout.isatty() else 1 << 30)
    for row in [head, *rows]:
        cells = [row[i].ljust(widths[i]) for i in range(5)]
        command = row[5] if len(row[5]) <= room else row[5][: room - 3] + "..."
        print("  ".join([*cells, command]).rstrip())
    return 0
