"""``shellguard classify``: one-shot classification of a command line."""

from __future__ import annotations

import argparse
import json

from shellguard.cli.args import add_command_line, command_line
from shellguard.errors import ExitCode
from shellguard.guard import Guard

_EXIT = {"allow": ExitCode.ALLOW, "confirm": ExitCode.CONFIRM, "deny": ExitCode.DENY}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "classify",
        help="classify a command line (exit 0 allow, 1 confirm, 2 deny)",
        description="Classify a command line as READ, CREATE, UPDATE or DELETE and say what "
                    "the shell would do. Quote the whole line to keep your shell from "
                    "interpreting it: shellguard classify 'rm -rf build && make'",
        epilog="exit codes: 0 allow, 1 confirm, 2 deny, 64 usage error",
    )
    p.add_argument("--json", action="store_true", help="print the co-process protocol's JSON")
    add_command_line(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    command, cwd = command_line(args)
    decision = Guard().check(command, cwd)
    verdict = decision.verdict
    if args.json:
        print(json.dumps({"classification": verdict.crud.name,
                          "confidence": round(verdict.confidence, 3),
                          "reasoning": verdict.reason, "source": verdict.source,
                          "action": decision.action}))
    else:
        print(f"{verdict.crud.name}\t{decision.action}\t{verdict.reason}")
    return _EXIT[decision.action]
