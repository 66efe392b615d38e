"""The read-only prefixes of every program on PATH, written for a shell to load at once.

A shell keeps the read-only prefixes (``ls``, ``git status -c --exec``) the co-process
names in its replies and lets a plain line made of them through without a round trip
(:mod:`shellguard.parse.plain`). A reply names only its own line's prefixes, so the
first line of each program used to wait for the co-process. This table holds them all
for the programs this machine can run: the co-process builds it while no line waits
(:class:`shellguard.server.Session`), writes it to the cache directory in a form the
shell loads in a few milliseconds (zsh: data lines it reads with ``$(<file)``; bash: an
assignment it sources, since its ``read`` takes a system call per byte), and names the
file in its replies (``read_table``: its name in ``$XDG_CACHE_HOME/shellguard/
read-tables/``, without its suffix, ``.3.zsh`` or ``.3.bash``); the shell loads it after
the command has run, before the next prompt, beside what it kept before.

The ``3`` is the format: a shell script loads only the format it knows. Format 2 added
word exceptions (``=install``) and needed options (``+-l``), which a script written for
format 1 would skip as options it does not see, and a third part, the options that
take a value of the programs with subcommand prefixes; format 3 made the table of
starts one key per start (``git``, ``gh pr``) instead of a first word and the list of
words after it, which the shells had to search (a pattern match on git's 3 KB list cost
bash and zsh 70-80 us, several times a line). An older shell running against a newer
co-process (after an upgrade, until it restarts) finds no file of its format and does
without.

The files are named after their content (hex digits), so the shells of one machine
share them; the few most recently written or used are kept. Every word is checked
against the pattern the prefixes are made of before it is written: nothing in a file
needs quoting. A table decides which lines run unasked, so it is written only to
directories that are the user's and writable by no one else, a file found under its
name is used only when it holds what was built, and the shells load only a file the
user owns.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from shellguard import paths
from shellguard.parse.plain import EXCEPTION, prefix_entry

__all__ = ["SHELLS", "HEADER", "directory", "path", "render", "write"]

#: The shells that load a table, and the first line of theirs.
SHELLS = ("zsh", "bash")
FORMAT = 3
HEADER = f"shellguard read table {FORMAT}"
#: The most prefixes a table holds (this machine's PATH: ~1,500; zsh loads 1,000 a ms).
MAX_ENTRIES = 20000
#: A program whose rules spell out more is left to the replies, one line at a time:
#: `ip`'s abbreviations (`ip a s`, `ip addr show` ...) make 1,390, half a table that
#: costs each shell ~0.7 KB a prefix, for a few lines. (git has 257: it must fit.)
MAX_PER_PROGRAM = 320
#: Tables kept per shell: one per PATH and config in use, and a few before.
_KEEP = 6
#: What a prefix's words and options are made of (RuleSet.read_only_prefix): no quoting.
_WORDS = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*( [A-Za-z0-9][A-Za-z0-9_.+-]*){0,2}")


def _tables(prefixes: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """The two tables a shell keeps (``_shellguard_keep_reads``): prefix words -> " their
    exceptions " (" " for none), and the starts of prefixes -> "1": each first word, and
    the first two words of a prefix of three (a shell tells at a line's second word
    whether a kept prefix may go on with it: ``git log`` a prefix, or ``gh pr`` a start)."""
    reads: dict[str, str] = {}
    starts: dict[str, str] = {}
    for entry in prefixes:
        words, options = prefix_entry(entry)
        if words in reads or not _WORDS.fullmatch(words) or not all(
                EXCEPTION.fullmatch(o) for o in options):
            continue
        if len(reads) == MAX_ENTRIES:
            break
        reads[words] = " ".join(["", *options, ""]) if options else " "
        starts[words.partition(" ")[0]] = "1"
        if words.count(" ") == 2:
            starts[words.rpartition(" ")[0]] = "1"
    return reads, starts


def _with_arg_table(reads: Mapping[str, str],
                    with_arg: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Program -> " its options that take a value ", for the programs with a prefix of
    subcommand words: a shell looks past options before those words
    (:func:`shellguard.parse.plain.prefix_split`). It needs every one of them (one it
    did not know would be a flag to it, and the next word a subcommand), so a program
    with an option a shell cannot test as a plain word is left out."""
    table: dict[str, str] = {}
    for words in reads:
        name = words.partition(" ")[0]
        if " " not in words or name in table or name not in with_arg:
            continue
        options = sorted(with_arg[name])
        if all(o[:1] == "-" and EXCEPTION.fullmatch(o) for o in options):
            table[name] = " ".join(["", *options, ""]) if options else " "
    return table


def render(prefixes: Iterable[str], shell: str,
           with_arg: Mapping[str, Iterable[str]] | None = None) -> str:
    """The file for ``shell`` (zsh: the header, the number of prefixes, the number of
    programs with options that take a value (``with_arg``: program -> its options),
    then key and value lines of the three tables, the starts last; bash:
    assignments to its three tables)."""
    reads, starts = _tables(prefixes)
    options = _with_arg_table(reads, with_arg or {})
    if shell == "zsh":
        lines = [HEADER, str(len(reads)), str(len(options))]
        for table in (reads, options, starts):
            for key, value in table.items():
                lines += (key, value)
        return "\n".join(lines) + "\n"
    parts = [f"# {HEADER}\n_sg_table_size={len(reads)}\n"]
    for name, table in (("_SHELLGUARD_READS", reads), ("_SHELLGUARD_WITH_ARG", options),
                        ("_SHELLGUARD_READ_STARTS", starts)):
        body = " ".join(f"['{key}']='{value}'" for key, value in table.items())
        parts.append(f"{name}+=( {body} )\n")
    return "".join(parts)


def directory() -> Path:
    return paths.cache_dir() / "read-tables"


def path(name: str, shell: str) -> Path:
    """The file of the table a reply names ``name``, for ``shell``."""
    return directory() / f"{name}.{FORMAT}.{shell}"


def write(prefixes: Iterable[str], shell: str,
          with_arg: Mapping[str, Iterable[str]] | None = None) -> str | None:
    """Write the table for ``shell`` (:func:`render`; unless a file holds it already)
    and return its name, or None when there is nothing to write or it cannot be written
    (the shells then do without: a round trip for each program's first line)."""
    prefixes = list(prefixes)
    if not prefixes:
        return None
    text = render(prefixes, shell, with_arg)
    digest = hashlib.sha256(text.encode()).hexdigest()[:20]
    file = path(digest, shell)
    folder = file.parent
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        # What a shell loads decides what runs unasked (bash sources it): only from
        # directories no one else can write to, and a file found there is used only
        # when it holds what was just built.
        if not (paths.is_private(folder) and paths.is_private(folder.parent)):
            return None
        if paths.is_private(file) and file.read_text(encoding="ascii", errors="replace") == text:
            os.utime(file)  # in use: kept when older ones go
        else:
            tmp = folder / f".{file.name}.{os.getpid()}"
            tmp.write_text(text, encoding="ascii")
            os.replace(tmp, file)
            _prune(folder, shell)
    except OSError:
        return None
    return digest


def _prune(folder: Path, shell: str) -> None:
    """Keep the few tables of ``shell`` written or used most recently."""
    def used(file: Path) -> float:
        try:
            return file.stat().st_mtime
        except OSError:
            return 0.0

    files = sorted(folder.glob(f"*.{shell}"), key=used, reverse=True)
    for old in files[_KEEP:]:
        with contextlib.suppress(OSError):
            old.unlink()
