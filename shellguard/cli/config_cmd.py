"""``shellguard config``: the effective configuration and where each value came from."""

from __future__ import annotations

import argparse

from shellguard import paths
from shellguard.config import load_config
from shellguard.errors import ExitCode
from shellguard.verdict import Crud


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "config",
        help="show the effective configuration and where it came from",
        description=f"Show the effective configuration. The file is {paths.config_file()} "
                    "($XDG_CONFIG_HOME/shellguard/config.toml, or $SHELLGUARD_CONFIG). "
                    "'shellguard config path' prints just its path.",
    )
    p.add_argument("what", nargs="?", choices=("show", "path"), default="show")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load_config()
    if args.what == "path":
        print(config.path)
        return 0
    exists = config.path is not None and config.path.exists()
    print(f"# config file: {config.path}{'' if exists else ' (not present: all defaults)'}")
    print("[policy]")
    for crud in Crud:
        print(f'{crud.name} = "{config.actions[crud]}"'
              f"    # {config.source('policy.' + crud.name)}")
    print(f"allow = {list(config.allow)!r}    # {config.source('policy.allow')}")
    print(f"deny = {list(config.deny)!r}    # {config.source('policy.deny')}")
    print("\n[rules]")
    print(f"dirs = {[str(d) for d in config.rule_dirs]!r}    # {config.source('rules.dirs')}")
    if config.always:
        print(f"\n# always allowed here ({config.source('always')}):")
        for command, cwd in config.always:
            print(f"#   {command!r} in {cwd or 'any directory'}")
    from shellguard.llm.settings import config_lines

    print()
    for line in config_lines(config):  # [llm]: every setting, defaults included
        print(line)
    for section in ("audit", "agents"):
        table = getattr(config, section)
        if table:
            print(f"\n[{section}]")
            for key, value in table.items():
                print(f"{key} = {value!r}    # {config.source(section + '.' + key)}")
    if config.problems:
        print("\n# problems (the safe defaults stay in force):")
        for problem in config.problems:
            print(f"#   {problem}")
        return ExitCode.DATA
    return 0
