"""``shellguard hook AGENT``: the pre-tool hook an agent runs before each shell command."""

from __future__ import annotations

import argparse

from shellguard.agents import AGENTS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "hook",
        help="answer an agent's pre-tool hook (JSON on stdin; 'shellguard install' sets it up)",
        description="Read the agent's hook JSON on stdin, classify the shell command in it and "
                    "answer in the agent's terms: nothing when policy allows it; for a class "
                    "that needs a yes, 'ask' (Claude Code) or a deny that tells the agent to "
                    "ask its user (Codex, Gemini CLI); 'deny' for a denied class. Other tools "
                    "pass untouched. Bad input, a crash or a timeout answer ask or deny, never "
                    "silence. Always exits 0.",
    )
    p.add_argument("agent", choices=AGENTS, help="which agent's JSON to speak")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from shellguard.agents import get
    from shellguard.agents.common import main

    return main(get(args.agent))
