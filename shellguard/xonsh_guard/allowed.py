"""Lines allowed before in a directory are allowed again without asking the co-process.

The same rule as the zsh and bash integrations' caches (most lines typed are
repeats): only "allow" answers are kept, per (directory, text), with the read-only
prefixes replies name (a new plain line made of them, without quotes, needs no round
trip); everything is forgotten when the config file changes (path, mtime or size) or
the co-process is replaced; nothing is kept with ``SHELLGUARD_CACHE=0`` or when the
config asks for every decision in the audit log (the co-process must then see every
line).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from shellguard import paths

if TYPE_CHECKING:
    from shellguard.parse.plain import ReadPrefixes

__all__ = ["AllowedLines"]


class AllowedLines:
    def __init__(self, limit: int = 500) -> None:
        self.limit = limit
        self._lines: dict[tuple[str, str], str] = {}
        self._prefixes: ReadPrefixes | None = None
        self._stamp: tuple[object, ...] | None = None
        self._off = False

    @property
    def prefixes(self) -> ReadPrefixes:
        """The read-only prefixes kept from replies. Made at the first reply that names
        some: the module costs xonsh's start-up ~1.7 ms to import."""
        if self._prefixes is None:
            from shellguard.parse.plain import ReadPrefixes

            self._prefixes = ReadPrefixes(self.limit, redirections=False)
        return self._prefixes

    def usable(self, env: Mapping[str, str], coprocess_pid: int | None) -> bool:
        """May the cache answer now? (Checks the config file: one stat.)"""
        if env.get("SHELLGUARD_CACHE", "1") == "0":
            return False
        config = paths.config_file(env)
        try:
            st = os.stat(config)
            stamp: tuple[object, ...] = (coprocess_pid, str(config), st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = (coprocess_pid, str(config), None, None)
        if stamp != self._stamp:
            self._lines.clear()
            if self._prefixes is not None:
                self._prefixes.clear()
            self._stamp = stamp
            try:
                text = config.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            self._off = "audit" in text and "all" in text  # as the shells test it: erring off
        return not self._off

    def get(self, cwd: str, text: str, aliases: Mapping[str, str] | None = None) -> str | None:
        """The class the co-process allowed ``text`` with in ``cwd`` (with the same
        ``aliases``), if it did, or READ when ``text`` is a plain line of kept read-only
        prefixes (its aliases expanded)."""
        found = self._lines.get(_key(cwd, text, aliases))
        # (xonsh's quotes are not the shells': a string may hold escapes or an expansion)
        if found is None and self._prefixes is not None and "'" not in text and \
                '"' not in text and self._prefixes.lets_through(text, aliases):
            return "READ"
        return found

    def add(self, cwd: str, text: str, classification: str,
            aliases: Mapping[str, str] | None = None) -> None:
        if len(self._lines) >= self.limit:
            self._lines.clear()
        self._lines[_key(cwd, text, aliases)] = classification


def _key(cwd: str, text: str, aliases: Mapping[str, str] | None) -> tuple[str, str]:
    """A line is the same line only with the same aliases."""
    return (cwd, f"{text}\x1f{sorted(aliases.items())}" if aliases else text)
