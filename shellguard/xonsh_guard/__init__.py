"""shellguard inside xonsh: the code behind ``xontrib load shellguard``.

- :mod:`.source`: which parts of a xonsh command run as shell commands and which as
  Python, turned into the one command line the classifier is asked about.
- :mod:`.coprocess`: the client of ``shellguard serve`` (background start, timeouts,
  restarts, request ids).
- :mod:`.question`: the ``Proceed? [y/N/a]`` question on the terminal.
- :mod:`.hooks`: the xonsh events, the ``shellguard`` alias, load and unload.

xonsh imports this package at every start-up (it auto-loads installed entry points),
so it holds only :func:`load`, which does nothing then. After an explicit
``xontrib load shellguard`` it imports :mod:`.hooks`, which needs only the standard
library: the classifier itself runs in the co-process.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["load", "unload"]


def _autoloading() -> bool:
    """True while xonsh auto-loads entry-point xontribs at start-up (not an opt-in)."""
    frame = sys._getframe(1)
    for _ in range(40):
        if frame is None:
            return False
        if frame.f_code.co_name == "auto_load_xontribs_from_entrypoints":
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def load(xsh: Any) -> dict[str, Any]:
    """``_load_xontrib_``: turn the guard on in this session.

    Installing shellguard registers it as a ``xonsh.xontribs`` entry point, and xonsh
    imports every such entry point at start-up unless ``$XONTRIBS_AUTOLOAD_DISABLED``
    is set. That automatic load does nothing and imports nothing more: the guard is on
    only where the person asked for it with ``xontrib load shellguard``.
    """
    if _autoloading():
        return {}
    from shellguard.xonsh_guard.hooks import load as install

    return install(xsh)


def unload(xsh: Any) -> None:
    """``_unload_xontrib_``: remove the handlers and the alias; the co-process exits."""
    hooks = sys.modules.get("shellguard.xonsh_guard.hooks")
    if hooks is not None:
        hooks.unload(xsh)
