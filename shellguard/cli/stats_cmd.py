"""``shellguard stats``: how often each class asked, and how often people said no."""

from __future__ import annotations

import argparse
import json

from shellguard.cli._audit_args import add_filters, filters

_ORDER = {"READ": 0, "CREATE": 1, "UPDATE": 2, "DELETE": 3}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stats",
        help="count questions and answers per shell or agent and class, from the audit log",
        description="Count, per place (zsh, bash, xonsh, claude-code, codex, gemini, "
                    "agent-shell) and class, how often shellguard asked, what people answered, "
                    "and what was blocked or denied. A class that asks often and almost always "
                    "gets 'yes' is a candidate for an allow entry in the config. Answers given "
                    "in Claude Code's own prompt are not seen by shellguard.",
    )
    add_filters(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from shellguard import audit

    since, classes, where = filters(args)
    table = audit.stats(audit.select(audit.iter_entries(), since, classes, where))
    keys = sorted(table, key=lambda k: (k[0], _ORDER.get(k[1], 9), k[1]))
    if args.json:
        print(json.dumps([{"where": w, "class": c, **table[(w, c)]} for w, c in keys], indent=2))
        return 0
    if not keys:
        print(f"shellguard: nothing logged yet in {audit.log_path()}")
        return 0
    head = ("WHERE", "CLASS", *(k.upper() for k in audit.STAT_KEYS), "SAID NO")
    rows = []
    for w, c in keys:
        row = table[(w, c)]
        answered = row["yes"] + row["no"] + row["always"] + row["timeout"]
        share = f"{100 * row['no'] / answered:.0f}%" if answered else "-"
        rows.append((w, c, *(str(row[k]) for k in audit.STAT_KEYS), share))
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for row in [head, *rows]:
        print("  ".join(cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i])
                        for i, cell in enumerate(row)).rstrip())
    return 0
