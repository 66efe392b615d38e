"""The question: class, reason and command on the terminal, then one key.

``y`` runs the command once, ``a`` always allows it here, anything else is "no":
``n``, Enter, Ctrl-C, Escape. The key is read raw from the controlling terminal
(``/dev/tty``) rather than through prompt_toolkit: it behaves the same under every
xonsh shell type (prompt_toolkit, readline, dumb), imports nothing, and with ISIG
off Ctrl-C arrives as a key, so it is a plain "no" and never a traceback. Pending
input is flushed just before the question is shown, so keys typed ahead cannot
answer it.
"""

from __future__ import annotations

import os
import select
import sys

__all__ = ["ask", "render", "YES", "NO", "ALWAYS", "TIMEOUT"]

YES, NO, ALWAYS, TIMEOUT = "yes", "no", "always", "timeout"
MAX_LINES = 8
MAX_WIDTH = 200
_COLORS = {"DELETE": "\x1b[1;31m", "UPDATE": "\x1b[1;33m", "CREATE": "\x1b[1;36m"}
_BOLD, _RESET = "\x1b[1m", "\x1b[0m"
#: Control characters in a command are shown, never sent to the terminal.
_VISIBLE = {c: f"^{chr(c + 64)}" for c in range(32) if c != 9} | {9: " ", 127: "^?"}


def _use_color() -> bool:
    return not os.environ.get("NO_COLOR") and os.environ.get("TERM", "dumb") != "dumb"


def render(classification: str, reason: str, command: str, color: bool = False) -> str:
    """The question's text (ends without a newline, where the key is read)."""
    lines = [line.rstrip().translate(_VISIBLE) for line in command.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    shown = [line if len(line) <= MAX_WIDTH else line[:MAX_WIDTH] + "..."
             for line in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        shown.append(f"... ({len(lines) - MAX_LINES} more lines)")
    cls = classification.translate(_VISIBLE)
    why = reason.translate(_VISIBLE)
    if color:
        cls = f"{_COLORS.get(classification, _BOLD)}{cls}{_RESET}"
        prompt = f"{_BOLD}Proceed?{_RESET} [y/N/a] "
    else:
        prompt = "Proceed? [y/N/a] "
    body = "".join(f"  {line}\n" for line in shown)
    return f"shellguard: {cls} - {why}\n{body}{prompt}"


def _open_terminal() -> tuple[int, bool]:
    """A descriptor on the controlling terminal, and whether we opened it ourselves."""
    try:
        return os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC), True
    except OSError:
        if sys.stdin is not None and sys.stdin.isatty():
            return sys.stdin.fileno(), False
        raise


def ask(classification: str, reason: str, command: str, timeout: float | None = None) -> str:
    """Show the question and read one key; returns YES, NO, ALWAYS or TIMEOUT.

    Raises OSError when there is no terminal to ask on (the caller says no).
    """
    import termios  # only when a question is asked

    fd, owned = _open_terminal()
    try:
        old = termios.tcgetattr(fd)
        raw = termios.tcgetattr(fd)
        raw[3] &= ~(termios.ICANON | termios.ECHO | termios.ISIG | termios.IEXTEN)
        raw[6][termios.VMIN], raw[6][termios.VTIME] = 1, 0
        termios.tcsetattr(fd, termios.TCSANOW, raw)
        try:
            termios.tcflush(fd, termios.TCIFLUSH)  # type-ahead must not answer
            _write(fd, "\n" + render(classification, reason, command, _use_color()))
            ready = select.select([fd], [], [], timeout)[0]
            key = os.read(fd, 1) if ready else b""
        finally:
            termios.tcsetattr(fd, termios.TCSANOW, old)
        answer = (TIMEOUT if not ready else YES if key in (b"y", b"Y")
                  else ALWAYS if key in (b"a", b"A") else NO)
        _write(fd, answer + "\n")
        return answer
    finally:
        if owned:
            os.close(fd)


def _write(fd: int, text: str) -> None:
    data = text.encode("utf-8", "replace")
    while data:
        data = data[os.write(fd, data):]
