"""The ``shellguard`` command: a thin skin over the library, one module per command.

Each command module has ``register(subparsers)``; its handler returns an exit code.
Errors reach the user as one line (``shellguard: ...``), never as a traceback.
"""

from __future__ import annotations

import sys

from shellguard import __version__

TYPE_CHECKING = False  # typing and collections cost milliseconds at every shell start
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]

#: Command modules, in the order ``--help`` lists them.
COMMANDS = ("classify", "explain", "serve", "init", "allow", "config", "rules", "model", "hook",
            "install", "log", "stats", "doctor")

EPILOG = """\
exit codes of 'classify': 0 allow, 1 confirm, 2 deny; for every command:
64 usage error, 65 bad config or rule data, 69 resource missing, 70 internal error,
74 file error, 130 interrupted.

Set up a shell with one line in its rc file:
  eval "$(shellguard init zsh)"      # ~/.zshrc
  eval "$(shellguard init bash)"     # ~/.bashrc
  xontrib load shellguard            # ~/.xonshrc

Docs: README.md in the shellguard checkout."""


def build_parser(only: str | None = None):  # type: ignore[no-untyped-def]
    """The whole parser, or (``only``) one command's: the shells run ``shellguard init``
    at every start, so it must not import every other command's module."""
    import argparse  # not at import time: `shellguard serve` starts without it

    from shellguard.errors import ExitCode

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> None:  # type: ignore[override]
            self.print_usage(sys.stderr)
            sys.stderr.write(f"shellguard: {message}; see 'shellguard --help'\n")
            raise SystemExit(ExitCode.USAGE)

    parser = _Parser(
        prog="shellguard",
        description="Classify shell command lines as READ, CREATE, UPDATE or DELETE before "
                    "they run, and ask before anything changes state.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"shellguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    import importlib

    for name in (only,) if only else COMMANDS:
        importlib.import_module(f"shellguard.cli.{name}_cmd").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else list(argv)
    if args_list == ["serve"] or (args_list[:2] == ["serve", "--pad"] and len(args_list) == 3
                                  and args_list[2].isdigit() and int(args_list[2]) <= 65536):
        # the shells start this once per session: skip building every command's parser
        from shellguard.server import serve

        return serve(pad=int(args_list[2]) if len(args_list) == 3 else 0)
    if args_list == ["--version"]:
        sys.stdout.write(f"shellguard {__version__}\n")
        return 0
    if args_list[:1] == ["init"] and len(args_list) in (2, 3) and args_list[2:] in ([], ["--agent"]):
        # `init SHELL [--agent]` runs at every shell start: print the script with nothing
        # but os and sys imported. Anything else falls through to the full path, which
        # reports it.
        try:
            from shellguard.shells import SHELLS, render

            if args_list[1] in SHELLS:
                sys.stdout.write(render(args_list[1], agent=len(args_list) == 3, compiled=True))
                return 0
        except Exception:  # noqa: BLE001, S110 - reported by the full path below
            pass
    from shellguard.errors import ExitCode, ShellguardError

    first = args_list[0] if args_list else ""
    parser = build_parser(first if first in COMMANDS else None)
    args = parser.parse_args(args_list)
    if not getattr(args, "handler", None):
        parser.print_help()
        return ExitCode.USAGE
    try:
        return int(args.handler(args))
    except ShellguardError as exc:
        sys.stderr.write(f"shellguard: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("shellguard: interrupted\n")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.ALLOW
    except Exception as exc:  # a bug: one line, never a traceback in the user's terminal
        sys.stderr.write(f"shellguard: internal error ({type(exc).__name__}: {exc}); "
                         "please report it\n")
        return ExitCode.SOFTWARE
