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

from shellguard.parse.plain import prefix_entry

__all__ = ["PrefixMemory", "EVERYDAY"]

#: Everyday read-only commands, handed out after a user's own (:meth:`PrefixMemory.
#: recalled`) so that a new user's shell answers the usual reading lines itself from
#: the first line on. Like the user's own, each counts only as far as the rules in
#: force say (tests/test_prefix_memory.py checks that the built-in rules give each one).
EVERYDAY = (
    # files and text
    "ls", "cat", "head", "tail", "grep", "egrep", "fgrep", "zgrep", "rg", "ag", "ack",
    "wc", "cut", "tr", "column", "nl", "diff", "cmp", "comm", "file", "stat", "tree",
    "fd", "jq", "yq", "bat", "strings", "od", "hexdump", "readlink", "realpath",
    "basename", "dirname", "md5sum", "sha1sum", "sha256sum", "sha512sum", "cksum",
    # the system
    "pwd", "echo", "which", "type", "whereis", "man", "info", "tldr", "uname", "uptime",
    "whoami", "id", "groups", "who", "w", "last", "cal", "printenv", "df", "du", "free",
    "ps", "pgrep", "pstree", "top", "htop", "btop", "lsof", "lsblk", "lscpu",
    "lsusb", "lspci", "lsmod", "findmnt", "dmesg", "journalctl", "nproc", "locale",
    "systemctl status", "systemctl list-units", "systemctl is-active",
    "systemctl is-enabled", "systemctl cat", "systemctl show",
    "true", "false", "sleep", "seq", "expr", "bc",
    # the network
    "ping", "dig", "nslookup", "host", "whois", "traceroute", "tracepath", "ss", "netstat",
    # git
    "git status", "git log", "git diff", "git show", "git blame", "git shortlog",
    "git describe", "git ls-files", "git rev-parse", "git whatchanged", "git stash list",
    "git ls-remote", "git cat-file", "git for-each-ref", "git worktree list",
    "git submodule status",
    # containers and clusters
    "docker ps", "docker images", "docker logs", "docker inspect", "docker version",
    "docker info", "docker stats", "docker top", "docker port", "docker diff",
    "docker history", "docker search", "docker network ls", "docker volume ls",
    "docker image ls", "docker container ls", "podman ps", "podman images", "podman logs",
    "kubectl get", "kubectl describe", "kubectl logs", "kubectl top", "kubectl explain",
    "kubectl version", "kubectl api-resources", "kubectl cluster-info",
    "kubectl rollout status", "kubectl rollout history",
    # packages and toolchains
    "npm ls", "npm list", "npm view", "npm outdated", "pip list", "pip show", "pip freeze",
    "pip3 list", "pipx list", "conda list", "gem list", "composer show", "cargo tree",
    "cargo metadata", "go version", "go env", "go list", "go doc", "go mod graph",
    "brew list", "brew info", "brew search", "brew outdated", "apt list", "apt show",
    "apt search",
    # hosted services
    "gh pr list", "gh pr view", "gh pr status", "gh pr checks", "gh pr diff",
    "gh issue list", "gh issue view", "gh run list", "gh run view", "gh repo view",
    "gh release list", "aws sts get-caller-identity", "aws s3 ls",
    "terraform show", "terraform output", "terraform version", "terraform state list",
)

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
        self._unsaved = False

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
        status``) as the most recently used, in memory; :meth:`save` writes them."""
        words = self._load()
        for word in (prefix_entry(entry)[0] for entry in prefixes):
            if _WORDS.fullmatch(word):
                self._unsaved |= word not in words
                words.pop(word, None)
                words[word] = None

    def save(self) -> None:
        """Write the file if a word is new since the last write, which is rare (each
        program's once); the order of use it holds is the one at the last write. The
        co-process calls this after it has sent its reply, so no shell waits for it."""
        if not self._unsaved:
            return
        self._unsaved = False
        words = self._load()
        # Another shell's co-process may have added some since: keep theirs, as older.
        merged = {word: None for word in self._read() if word not in words}
        merged.update(words)
        self._words = dict.fromkeys(list(merged)[-self.limit:])
        self._write()

    def _write(self) -> None:
        # Best effort: the guard must work on a read-only home.
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text("".join(f"{w}\n" for w in self._words or ()), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
