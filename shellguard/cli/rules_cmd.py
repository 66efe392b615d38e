"""``shellguard rules``: list the rules, or check a rule file and its examples."""

from __future__ import annotations

import argparse
from pathlib import Path

from shellguard import paths
from shellguard.classify import Classifier
from shellguard.config import load_config
from shellguard.errors import ExitCode, ShellguardError
from shellguard.rules.engine import RuleSet, builtin_files, load_rules


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "rules",
        help="list the rules, or check a rule file (schema and examples)",
        description="'shellguard rules list [PROGRAM]' lists the rules in force; "
                    "'shellguard rules check FILE...' validates rule files and runs their "
                    f"examples; 'shellguard rules path' prints the user rule directory "
                    f"({paths.user_rules_dir()}).",
    )
    p.add_argument("action", choices=("list", "check", "path"))
    p.add_argument("targets", nargs="*", metavar="ARG")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "path":
        print(paths.user_rules_dir())
        return 0
    if args.action == "list":
        rules = load_rules(load_config().rule_dirs)
        for rule in sorted(rules.all_rules(), key=lambda r: r.id):
            if args.targets and not set(args.targets) & set(rule.programs):
                continue
            print(f"{rule.id:<36} {rule.crud.name:<7} {rule.why}")
        for error in rules.errors:
            print(f"# error: {error}")
        return ExitCode.DATA if rules.errors else 0
    if not args.targets:
        raise ShellguardError("name at least one rule file to check", ExitCode.USAGE)
    return _check([Path(t) for t in args.targets])


def _check(files: list[Path]) -> int:
    rules = RuleSet()
    for path in builtin_files():
        rules.add_file(path)
    before = set(rules.rules)
    for path in files:
        rules.add_file(path)
    failures = list(rules.errors)
    classifier = Classifier(rules)
    checked = 0
    for rule in rules.all_rules():
        if rule.id in before and str(rule.source).startswith(str(builtin_files()[0].parent)):
            continue
        for example in rule.examples:
            checked += 1
            verdict = classifier.classify(example, "/nonexistent-shellguard-cwd")
            problem = rule.example_problem(verdict.crud, verdict.rule_ids)
            if problem:
                failures.append(f"{rule.source}: rule '{rule.id}': example {example!r} "
                                f"{problem}")
        for line in rule.not_examples:
            checked += 1
            if rule.id in classifier.classify(line, "/nonexistent-shellguard-cwd").rule_ids:
                failures.append(f"{rule.source}: rule '{rule.id}' matches its 'not' line {line!r}")
    for failure in failures:
        print(failure)
    print(f"{checked} examples checked, {len(failures)} problems")
    return ExitCode.DATA if failures else 0
