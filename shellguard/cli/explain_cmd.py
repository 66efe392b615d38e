"""``shellguard explain``: every part of a command line that would run, and what decided it."""

from __future__ import annotations

import argparse

from shellguard.cli.args import add_command_line, command_line
from shellguard.guard import Guard


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain",
        help="show each part that would run, its class and the rule that decided it",
        description="List every part of a command line that would run (through wrappers, "
                    "bash -c payloads, substitutions and redirections) with its class, the "
                    "rule that decided it and why.",
    )
    add_command_line(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    command, cwd = command_line(args)
    decision = Guard().check(command, cwd)
    verdict = decision.verdict
    for finding in verdict.findings:
        ask = " (asks: effect not visible)" if finding.confirm else ""
        rule = finding.rule_id or finding.source
        print(f"{finding.crud.name:<7} {rule:<28} {finding.part}")
        print(f"{'':<7} {'':<28} {finding.reason}{ask}")
    print(f"=> {verdict.crud.name}, {decision.action} ({verdict.reason})")
    return 0
