"""``shellguard install AGENT``: put the hook into an agent's settings file (or take it out)."""

from __future__ import annotations

import argparse

from shellguard.agents import AGENTS

_AFTER = {
    "claude-code": "Claude Code reads it at start: restart running sessions (check with /hooks).",
    "codex": "Codex runs new hooks only after you trust them: open Codex, type /hooks and "
             "trust the shellguard hook.",
    "gemini": "Gemini CLI reads it at start: restart running sessions (check with /hooks); "
              "project hooks run only in trusted folders.",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "install",
        help="add the shellguard hook to an agent's settings (claude-code, codex, gemini)",
        description="Merge shellguard's pre-tool hook into the agent's settings file: "
                    "~/.claude/settings.json, ~/.codex/hooks.json or ~/.gemini/settings.json "
                    "(with --project: .claude/, .codex/ or .gemini/ under the current "
                    "directory). Safe to run twice; keeps a backup (<file>.shellguard.bak); "
                    "refuses, changing nothing, when the file is not valid JSON. --uninstall "
                    "removes exactly what install added.",
    )
    p.add_argument("agent", choices=AGENTS)
    p.add_argument("--project", action="store_true",
                   help="the project's settings in the current directory, not your user's")
    p.add_argument("--uninstall", action="store_true", help="remove the shellguard hook")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from shellguard.agents import install

    if args.uninstall:
        result = install.uninstall(args.agent, project=args.project)
    else:
        result = install.install(args.agent, project=args.project)
    print(f"shellguard: {result.message}")
    if result.backup is not None:
        print(f"  backup of the previous version: {result.backup}")
    for note in result.notes:
        print(f"  note: {note}")
    if result.changed and not args.uninstall:
        print(f"  {_AFTER[args.agent]}")
    return 0
