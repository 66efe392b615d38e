"""Arguments shared by the commands that take a command line (classify, explain)."""

from __future__ import annotations

import argparse
import os

from shellguard.errors import ExitCode, ShellguardError


def add_command_line(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cwd", metavar="DIR", help="directory the command would run in (default: "
                   "the current one); decides whether '> file' creates or overwrites")
    p.add_argument("words", nargs=argparse.REMAINDER, metavar="COMMAND...",
                   help="the command line: one quoted argument, or the words after the options")


def command_line(args: argparse.Namespace) -> tuple[str, str]:
    """(command, cwd) from the parsed arguments."""
    words = args.words[1:] if args.words[:1] == ["--"] else args.words
    if not words:
        raise ShellguardError("name the command line to look at, e.g. 'rm -rf build'",
                              ExitCode.USAGE)
    return " ".join(words), os.path.abspath(args.cwd) if args.cwd else os.getcwd()
