"""What a patch does to the files it names, read from its file headers.

`git apply`, `patch` and Codex's `apply_patch` change files as their input says: a
patch may add files (CREATE), change them (UPDATE) or delete them (DELETE). Agents
write the patch into the command line as a here-doc, so the line shows which. Only
the headers count, never the hunks' text (`+rm -rf /` in a hunk is data).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from shellguard.verdict import Crud

__all__ = ["PatchFiles", "read_patch", "patch_file_text"]

#: Codex's format: `*** Add File: path`, `*** Delete File: path`, `*** Update File:
#: path` (then `*** Move to: other` for a rename).
_CODEX = re.compile(r"^\*\*\* (Add|Delete|Update) File: *(.+?)\s*$", re.M)
#: git's extended headers and unified diffs' `---`/`+++` lines.
_GIT_NEW = re.compile(r"^new file mode ", re.M)
_GIT_DELETED = re.compile(r"^deleted file mode ", re.M)
_OLD_NAME = re.compile(r"^--- (\S+)", re.M)
_NEW_NAME = re.compile(r"^\+\+\+ (\S+)", re.M)
#: A file to read a patch from: no more than this (a patch larger than that is left
#: to the rule's class).
MAX_PATCH_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class PatchFiles:
    """The files a patch adds, deletes and changes (paths as the patch spells them)."""

    added: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    def reversed(self) -> PatchFiles:
        """The same patch applied backwards (`patch -R`, `git apply -R`)."""
        return PatchFiles(self.deleted, self.added, self.changed)

    def effect(self) -> tuple[Crud, str] | None:
        """The class and reason: the strongest of what it does, or None for no files."""
        if self.deleted:
            return Crud.DELETE, f"the patch deletes {_names(self.deleted)}"
        if self.changed:
            return Crud.UPDATE, f"the patch changes {_names(self.changed)}"
        if self.added:
            return Crud.CREATE, f"the patch adds {_names(self.added)}"
        return None


def _names(paths: tuple[str, ...]) -> str:
    return paths[0] if len(paths) == 1 else f"{paths[0]} and {len(paths) - 1} more"


def _strip_prefix(path: str) -> str:
    return path[2:] if path[:2] in ("a/", "b/") else path


def read_patch(text: str) -> PatchFiles | None:
    """The files ``text`` adds, deletes and changes, or None when it has no file
    headers this module knows (then the caller keeps its own class)."""
    codex = _CODEX.findall(text)
    if codex:
        kinds: dict[str, list[str]] = {"Add": [], "Delete": [], "Update": []}
        for kind, path in codex:
            kinds[kind].append(path)
        return PatchFiles(tuple(kinds["Add"]), tuple(kinds["Delete"]), tuple(kinds["Update"]))
    if "\n" not in text and not text.startswith(("---", "diff ")):
        return None
    added: list[str] = []
    deleted: list[str] = []
    changed: list[str] = []
    # one file's headers at a time: git's start at `diff --git`, plain ones at `---`
    for section in re.split(r"^(?=diff )", text, flags=re.M):
        olds = _OLD_NAME.findall(section)
        news = _NEW_NAME.findall(section)
        if _GIT_NEW.search(section) or (olds and olds[0] == "/dev/null"):
            added.extend(_strip_prefix(n) for n in news[:1] or ["a new file"])
        elif _GIT_DELETED.search(section) or (news and news[0] == "/dev/null"):
            deleted.extend(_strip_prefix(o) for o in olds[:1] or ["a file"])
        else:
            # a section of several plain diffs (`diff -ru` output without `diff` lines)
            for old, new in zip(olds, news, strict=False):
                if old == "/dev/null":
                    added.append(_strip_prefix(new))
                elif new == "/dev/null":
                    deleted.append(_strip_prefix(old))
                else:
                    changed.append(_strip_prefix(new))
            if not news and section.startswith("diff --git "):
                changed.append(section.split()[-1])   # a mode change or rename alone
    if not (added or deleted or changed):
        return None
    return PatchFiles(tuple(added), tuple(deleted), tuple(changed))


def patch_file_text(path: str) -> str | None:
    """The text of the patch file at the absolute ``path`` when it is a regular file of
    at most :data:`MAX_PATCH_BYTES` that can be read now, else None."""
    file = Path(path)
    try:
        if not file.is_file() or file.stat().st_size > MAX_PATCH_BYTES:
            return None
        return file.read_text(encoding="utf-8", errors="replace")
    except (OSError, ValueError):
        return None
