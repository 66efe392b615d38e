"""User-facing errors and every exit code, in one place."""

from __future__ import annotations

import signal
from enum import IntEnum

__all__ = ["ExitCode", "ShellguardError", "signal_name"]


class ExitCode(IntEnum):
    """Exit codes of the ``shellguard`` command (documented in ``--help`` and the README)."""

    ALLOW = 0  # classify: the command may run; other commands: success
    CONFIRM = 1  # classify: the command needs a yes from a person
    DENY = 2  # classify: the command is refused by policy
    USAGE = 64  # bad arguments
    DATA = 65  # bad input data (a broken config or rule file that was asked about)
    UNAVAILABLE = 69  # a needed resource is missing (no model, no network)
    SOFTWARE = 70  # a bug: reported as one line, never a traceback
    IO = 74  # a file could not be read or written
    INTERRUPTED = 130  # Ctrl-C


class ShellguardError(Exception):
    """An error shown to the user as one line: ``shellguard: <what happened>; <what to do>``."""

    exit_code: ExitCode = ExitCode.SOFTWARE

    def __init__(self, message: str, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


def signal_name(returncode: int) -> str:
    """The signal that ended a child process (``returncode`` < 0), by name where it has one."""
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"
