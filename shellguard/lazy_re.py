"""Regular expressions compiled on first use.

Compiling a module's pattern tables at import costs every ``shellguard serve`` start
(classify's alone took ~9 ms here); most lines never need most of them. A
:class:`LazyPattern` compiles at its first use, or in :func:`compile_steps`, which
the co-process runs while it waits for the shell's first line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["LazyPattern", "compile_steps"]

#: What a compiled pattern is used for here; bound onto the instance once compiled, so
#: that later calls cost no more than a compiled pattern's.
_METHODS = ("match", "fullmatch", "search", "finditer", "findall", "sub", "subn", "split",
            "pattern", "flags", "groups", "groupindex")


class LazyPattern:
    """A regex compiled on first use (or by :func:`compile_steps`)."""

    made: list[LazyPattern] = []

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)
        LazyPattern.made.append(self)

    @property
    def compiled(self) -> bool:
        """Has it been compiled yet?"""
        return "match" in self.__dict__

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        # (only called for an attribute not yet bound: the first use)
        if name.startswith("__") or name == "_source":
            raise AttributeError(name)
        compiled = re.compile(*self._source)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


def compile_steps() -> Iterator[None]:
    """Compile every pattern made so far, one a step (the co-process does it while idle)."""
    for pattern in LazyPattern.made:
        pattern.pattern  # noqa: B018 (compiles it)
        yield
