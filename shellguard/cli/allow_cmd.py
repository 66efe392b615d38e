"""``shellguard allow --always``: the shell question's "a" answer, as a command."""

from __future__ import annotations

import argparse
import os

from shellguard.config import append_always
from shellguard.errors import ExitCode, ShellguardError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "allow",
        help="always allow one exact command line in one directory (the question's 'a')",
        description="Record in the config file that this exact command line may always run "
                    "in this directory without a question ([[always]] entry; 'shellguard "
                    "config' lists them). The shells run this when you answer 'a'.",
        epilog="example: shellguard allow --always --cwd ~/app -- make deploy",
    )
    p.add_argument("--always", action="store_true",
                   help="always allow (the only kind there is; accepted for clarity)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--cwd", metavar="DIR",
                       help="the directory it applies to (default: the current one)")
    where.add_argument("--anywhere", action="store_true",
                       help="allow it in every directory")
    p.add_argument("words", nargs=argparse.REMAINDER, metavar="COMMAND...",
                   help="the command line: one quoted argument, or the words after --")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    words = args.words[1:] if args.words[:1] == ["--"] else args.words
    command = " ".join(words)
    if not command.strip():
        raise ShellguardError("name the command line to allow, e.g. "
                              "'shellguard allow --always -- make deploy'", ExitCode.USAGE)
    cwd = "" if args.anywhere else os.path.abspath(os.path.expanduser(args.cwd or os.getcwd()))
    try:
        path = append_always(command, cwd)
    except OSError as exc:
        raise ShellguardError(f"cannot write the config file ({exc.strerror}); check "
                              "'shellguard config path'", ExitCode.IO) from None
    first = command.strip().splitlines()[0]
    more = " ..." if len(command.strip().splitlines()) > 1 else ""
    print(f"shellguard: always allowed: {first}{more} "
          f"(in {'any directory' if not cwd else cwd}; written to {path})")
    return 0
