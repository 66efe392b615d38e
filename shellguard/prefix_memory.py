"""The read-only prefixes (``ls``, ``git status``) a user's lines have had, kept across
sessions, so that a new shell starts with them.

The co-process hands them out with its first reply; the shells keep them as they keep
any reply's ``read_prefixes``, and let a plain line made of them through without a
round trip from the first line of a session on. Only the words are stored (never
arguments), and they count only as far as the rules in force say: each is looked up
again (:meth:`shellguard.guard.Guard.prefixes_for`) before it is handed out, so an
edited file or a changed rule can never let more through than the rules would.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable
from pathlib import Path

__all__ = ["PrefixMemory"]

#: More than this is not ours (or not intact): the rest is not read.
_MAX_BYTES = 1 << 16
#: One to three words a read-only prefix may hold (``RuleSet.read_only_prefix``).
_WORDS = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*( [A-Za-z0-9][A-Za-z0-9_.+-]*){0,2}")


class PrefixMemory:
    """The prefix words in a small text file, one per line, oldest first."""

    def __init__(self, path: Path, limit: int = 200) -> None:
        self.path = path
        self.limit = limit
        self._words: dict[str, None] | None = None

    def _load(self) -> dict[str, None]:
        if self._words is None:
            self._words = dict.fromkeys(self._read())
        return self._words

    def _read(self) -> list[str]:
        try:
            with self.path.open(encoding="utf-8", errors="replace") as fh:
                text = fh.read(_MAX_BYTES)     # ours holds ~200 short lines
        except OSError:
            return []
        if len(text) == _MAX_BYTES:
            text = text.rpartition("\n")[0]   # not a line cut in two
        return [line for line in text.splitlines() if _WORDS.fullmatch(line)][-self.limit:]

    def recalled(self) -> list[str]:
        """The words kept, the most recently added first."""
        return list(reversed(self._load()))

    def remember(self, prefixes: Iterable[str]) -> None:
        """Keep the words of these prefixes (``"git status -c --exec"``: ``git
        status``) as the most recently used. The file is written only when a word is
        new, which is rare (each program's once); the order of use it holds is the
        one at the last write."""
        words = self._load()
        fresh = False
        for word in (entry.partition(" -")[0] for entry in prefixes):
            if _WORDS.fullmatch(word):
                fresh |= word not in words
                words.pop(word, None)
                words[word] = None
        if not fresh:
            return
        # Another shell's co-process may have added some since: keep theirs, as older.
        merged = {word: None for word in self._read() if word not in words}
        merged.update(words)
        self._words = dict.fromkeys(list(merged)[-self.limit:])
        self._save()

    def _save(self) -> None:
        # Best effort: the guard must work on a read-only home.
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text("".join(f"{w}\n" for w in self._words or ()), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
