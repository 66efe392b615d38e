"""Plain lines: no expansion, redirection, grouping or continuation.

A plain line splits into its commands at ``| & ;`` and into words at spaces exactly
as a shell splits it, so a shell can look at one without a parser. The shells test
the same characters before letting a line through on the read-only prefixes the
co-process names (:meth:`shellguard.rules.engine.RuleSet.read_only_prefix`).

Quoted text is plain too when nothing in it is expanded (``grep -n 'fix bug' f``,
``jq '.items[]' f``, ``grep "a\\|b" f``): single quotes around printable ASCII, double
quotes around printable ASCII but dollar, backquote and ``!``, with no backslash just
before the closing quote (``\"`` does not close it; ``\\"`` is left to the parser too).
It is data, never the program (a quoted first word is not alias-expanded, so it is not
plain), and :func:`unquote` stands in for it: its text with every character that is not
a plain word character (space, ``|``, ``>`` ...) turned into ``_``, and ``''`` into
``_``. The words checked are then a little longer than the real ones, never shorter:
an option that starts one still starts it.

For the shells (not xonsh, whose redirections are its own), a plain line may also hold
redirections that change nothing a command does, each a word of its own after its
command's first word: output thrown away (``2>/dev/null``, ``&>/dev/null``, ``>
/dev/null``, ``>>/dev/null``) or sent to the other output (``2>&1``, ``>&2``). Coding
agents end half their lines with one. :func:`drop_redirections` takes them out before
the words are looked at.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["EXCEPTION", "MAX_PLAIN_LINE", "PLAIN_LINE", "ReadPrefixes", "plain_commands", "plain_pieces",
           "drop_redirections",
           "expand_plain_aliases", "past_wrappers", "Wrapper", "WRAPPERS",
           "prefix_entry", "prefix_split", "unquote", "has_option", "holds_option",
           "starts_as_needed", "exceptions_allow"]

#: Everything a plain line may hold. Not: quotes, backslash, $ and backquote, < > ( ) { },
#: ! (history), # (comments), ^ and [ ] (zsh and bash patterns), tabs and newlines.
_WORD_CHARS = r"A-Za-z0-9_./:=,@%+~*?-"  # (- last: it is a literal there)
PLAIN_LINE = re.compile(f"[ |&;{_WORD_CHARS}]*")
_SEPARATOR = re.compile(r"[|&;]")
#: A quoted part: what may be inside (see the module's docstring) and the quote's end.
_QUOTED = {"'": re.compile(r"[ -&(-~]*'"), '"': re.compile(r'[ #%-_a-~]*(?<!\\)"')}
#: A redirection a plain line may hold (see the module's docstring), with the space
#: before it; what follows it ends a word.
_HARMLESS_REDIRECTION = re.compile(r" (?:[12&]?>>? */dev/null|[12]?>&[12])(?=[ |&;]|$)")
#: The ``&`` of a redirection is no separator (``2>&1``, ``&>``).
_REDIRECTION_AMPERSAND = re.compile(r">&|&>")
_NOT_WORD_CHAR = re.compile(f"[^{_WORD_CHARS}]")
#: An alias text the shells expand in a plain line themselves: plain, one command, and
#: not ending in a blank (which would have the next word expanded too).
_PLAIN_ALIAS_TEXT = re.compile(f"[ {_WORD_CHARS}]*[{_WORD_CHARS}]")


#: An exception a read-only prefix names: an option, or ``=`` and a word; or an option
#: it needs first, ``+`` and the option (the shells test words against options as
#: patterns). A long option with ``=`` at its end holds only with a value
#: (``--dry-run=``: ``--dry-run=false`` may switch off an option the prefix needs).
EXCEPTION = re.compile(r"(?:--?|=|\+--?)[A-Za-z0-9][A-Za-z0-9_.+-]*|--[A-Za-z0-9][A-Za-z0-9_.+-]*=")
_EXCEPTION_START = re.compile(r" [-=+]")
#: What a shell may expand to several words (of what a plain line may hold).
_PATTERN_CHAR = re.compile(r"[*?]")


#: The shells scan a quoted line in a loop of parameter expansions: they take one this
#: long, with this many quote characters, at most (bash needed 1 s for 1,000 characters
#: of '' pairs), and leave any other to the co-process.
MAX_QUOTED_LINE = 400
MAX_QUOTES = 24
#: The longest line the shells check against their kept prefixes at all: their string
#: operations cost time in proportion to the line at every word (bash took minutes over
#: a pasted 150 KB line of options); a longer one goes to the co-process.
MAX_PLAIN_LINE = 4096


def unquote(line: str) -> tuple[str, frozenset[int]] | None:
    """``line`` with its quoted parts replaced as the module's docstring says, and which
    pieces of it (split at each ``| & ;``, counted from 0) hold one; or None when a quote
    is not closed, holds what a shell would expand, or starts a command, or the line is
    longer or has more quotes than the shells scan."""
    if len(line) > MAX_QUOTED_LINE or line.count("'") + line.count('"') > MAX_QUOTES:
        return None
    out: list[str] = []
    pieces: set[int] = set()
    at = 0
    while (start := min((i for i in (line.find("'", at), line.find('"', at)) if i >= 0),
                        default=-1)) >= 0:
        out.append(line[at:start])
        before = "".join(out)
        # what comes before the word this quote is in
        words_before = before[:max(before.rfind(c) for c in " |&;") + 1].rstrip(" ")
        if not words_before or words_before.endswith(("|", "&", ";")):
            return None  # it is in the first word of a command
        end = _QUOTED[line[start]].match(line, start + 1)
        if end is None:
            return None
        pieces.add(len(_SEPARATOR.findall(_REDIRECTION_AMPERSAND.sub("", before))))
        body = line[start + 1:end.end() - 1]
        out.append(_NOT_WORD_CHAR.sub("_", body) or "_")
        at = end.end()
    out.append(line[at:])
    return "".join(out), frozenset(pieces)


def drop_redirections(text: str) -> str | None:
    """``text`` (a line as :func:`unquote` puts it) without its harmless redirections,
    or None when one is not after its command's first word (``2>/dev/null ls``; zsh
    runs ``>/dev/null`` alone as ``cat``)."""
    out: list[str] = []
    at = 0
    for found in _HARMLESS_REDIRECTION.finditer(text):
        out.append(text[at:found.start()])
        before = "".join(out).rstrip(" ")
        if not before or before.endswith(("|", "&", ";")):
            return None
        at = found.end()
    out.append(text[at:])
    return "".join(out)


def plain_commands(line: str, redirections: bool = False) -> list[list[str]] | None:
    """The words of each command of a plain line (quoted parts as :func:`unquote` puts
    them; with ``redirections``, the harmless ones a shell's line may hold dropped), or
    None when the line is not plain (or ends in ``|``, ``|&`` or ``&&``, where the shell
    asks for more)."""
    commands = plain_pieces(line, redirections)
    return None if commands is None else [words for words, _ in commands]


def plain_pieces(line: str, redirections: bool = False) -> list[tuple[list[str], bool]] | None:
    """:func:`plain_commands`, each with whether it holds a quoted part (then its words
    are the text standing in for them: ``u''p`` stands in for ``up``)."""
    text = line.rstrip(" ")
    # (one that starts with a separator is no command line: the shells test its first word)
    if text.endswith(("|", "|&", "&&")) or text.lstrip(" ")[:1] in ("|", "&", ";"):
        return None
    quoted: frozenset[int] = frozenset()
    if "'" in text or '"' in text:
        found = unquote(text)
        if found is None:
            return None
        text, quoted = found
    if redirections and ">" in text:
        dropped = drop_redirections(text)
        if dropped is None:
            return None
        text = dropped
    if not PLAIN_LINE.fullmatch(text):
        return None
    commands = [(words, n in quoted) for n, piece in enumerate(_SEPARATOR.split(text))
                if (words := piece.split())]
    return commands or None


def expand_plain_aliases(words: list[str], aliases: Mapping[str, str]) -> list[str] | None:
    """The words of a plain line's command once the shell has expanded its first word's
    aliases (``ll src`` -> ``ls --color=auto -alF src``), or None when an alias's text
    is not plain itself (then the shells ask the co-process, which parses it)."""
    seen: set[str] = set()
    while words and words[0] in aliases and words[0] not in seen:
        seen.add(words[0])
        text = aliases[words[0]]
        if not _PLAIN_ALIAS_TEXT.fullmatch(text):
            return None
        words = text.split() + words[1:]
    return words


def prefix_entry(entry: str) -> tuple[str, tuple[str, ...]]:
    """A read-only prefix as replies and tables name it (``git status -c --exec``,
    ``gh pr =create -R``): its words and its exceptions, the options and ``=words`` it
    must not have (``RuleSet.read_only_prefix``)."""
    cut = _EXCEPTION_START.search(entry)
    if cut is None:
        return entry, ()
    return entry[:cut.start()], tuple(entry[cut.start() + 1:].split())


@dataclass(frozen=True)
class Wrapper:
    """A program that runs the command after it (CLASSES.md rule 9: the line takes that
    command's class), with the options of its own the shells look past: ``flags`` alone,
    ``with_arg`` with a value (the next word; ``--opt=value``, or ``-uvalue`` for a short
    one). ``duration``: a duration comes first (``timeout 10s``). ``reparsed``: the
    command's words are joined and run by ``sh -c`` (``watch``), so a quoted or pattern
    word could be more than one word there: none is looked past."""

    flags: frozenset[str] = frozenset()
    with_arg: frozenset[str] = frozenset()
    duration: bool = False
    reparsed: bool = False

    def spec(self) -> str:
        """The form the shell scripts hold it in (a test compares them): ``" -H -n | -u
        -g |"``, flags then options with a value, and ``d`` / ``r`` for the two marks."""
        return (f" {' '.join(sorted(self.flags))} | {' '.join(sorted(self.with_arg))} |"
                f"{'d' if self.duration else ''}{'r' if self.reparsed else ''}")


#: The wrappers the shells look past (only these options: `sudo -i`, `sudo -e`,
#: `ionice -p PID` and every other form stop the look, and the line goes to the
#: co-process). Aliases are expanded before them, not after (a wrapper's alias text that
#: ends in a blank, which would expand the next word, is not plain).
WRAPPERS: dict[str, Wrapper] = {
    "sudo": Wrapper(frozenset({"-E", "-H", "-n"}), frozenset({"-g", "-u", "--group", "--user"})),
    "timeout": Wrapper(frozenset({"--foreground", "--preserve-status", "-v", "--verbose"}),
                       frozenset({"-k", "-s", "--kill-after", "--signal"}), duration=True),
    "nice": Wrapper(with_arg=frozenset({"-n", "--adjustment"})),
    "ionice": Wrapper(frozenset({"-t", "--ignore"}), frozenset({"-c", "-n", "--class", "--classdata"})),
    "watch": Wrapper(frozenset({"-b", "-c", "-d", "-e", "-g", "-p", "-t", "-w", "-x", "--beep", "--color",
                                "--chgexit", "--differences", "--errexit", "--exec", "--no-title",
                                "--no-wrap", "--precise"}),
                     frozenset({"-n", "--interval"}), reparsed=True),
}
_DURATION = re.compile(r"[0-9]+(?:\.[0-9]+)?[smhd]?")


def past_wrappers(words: list[str], quoted: bool = False) -> list[str]:
    """The command that the wrappers at the start of a plain command's ``words`` run
    (``sudo -u www timeout 5 crontab -l`` -> ``crontab -l``), classified as that
    command; the words unchanged where a wrapper has an option or form not in
    :data:`WRAPPERS` (the caller then finds no prefix for the wrapper). ``quoted``: the
    command has quoted text (a reparsed wrapper is not looked past then). The shells look
    past them the same way, after the first word's aliases and before nothing else."""
    while words and (wrapper := WRAPPERS.get(words[0])) is not None:
        at = 1
        while at < len(words) and words[at].startswith("-"):
            word = words[at]
            name = word.partition("=")[0] if word.startswith("--") else word[:2]
            if word in wrapper.flags:
                at += 1
            elif name in wrapper.with_arg and word != name:     # --signal=KILL, -uroot
                if _PATTERN_CHAR.search(word):
                    return words
                at += 1
            elif word in wrapper.with_arg and at + 1 < len(words) \
                    and not _PATTERN_CHAR.search(words[at + 1]):
                at += 2
            else:
                return words
        if wrapper.duration:
            if at >= len(words) or not _DURATION.fullmatch(words[at]):
                return words
            at += 1
        if at >= len(words) or words[at].startswith("-") or wrapper.reparsed and (
                quoted or any(_PATTERN_CHAR.search(word) for word in words[at:])):
            return words
        words = words[at:]
    return words


def prefix_split(words: Sequence[str], size: int,
                 with_arg: Container[str] | None) -> tuple[str, list[str], list[str]] | None:
    """The words a ``size``-word read-only prefix of a plain command would be (its
    program and first ``size - 1`` positionals), the words after them, and the options
    looked past on the way (both are checked against the prefix's exceptions; an option
    the prefix needs must come first after it, as the shells test); None when it has not
    so many. Options before a positional (``git -C src log``, ``kubectl
    -n prod get pods``) are looked past only when the program's options that take a
    value (``with_arg``) are known, and as the rules read an argv
    (:class:`shellguard.rules.engine.ArgvView`): one of those takes the next word with it,
    any other option is one word. ``--``, and a pattern character in what is looked past
    (the shell could expand it to several words), end the search. (Not for a line with
    quotes, whose words are the text standing in for them: `-''` is `-`, a positional.)"""
    key = [words[0]]
    skipped: list[str] = []
    at = 1
    while len(key) < size:
        if at >= len(words):
            return None
        word = words[at]
        if word.startswith("-") and word != "-":
            if with_arg is None or word == "--" or _PATTERN_CHAR.search(word):
                return None
            skipped.append(word)
            at += 1
            if word in with_arg:
                if at >= len(words) or _PATTERN_CHAR.search(words[at]):
                    return None
                skipped.append(words[at])
                at += 1
            continue
        key.append(word)
        at += 1
    return " ".join(key), list(words[at:]), skipped


class ReadPrefixes:
    """The read-only prefixes a shell keeps from the co-process's replies, and the plain
    lines they let through. The zsh and bash scripts do the same in their own words
    (``_shellguard_keep_reads``, ``_shellguard_plain_reads``); a test holds them to this."""

    def __init__(self, limit: int = 1000, redirections: bool = True) -> None:
        self.limit = limit
        #: whether a line may hold harmless redirections (the shells': not xonsh's)
        self.redirections = redirections
        self._kept: dict[str, tuple[str, ...]] = {}
        #: program -> its options that take a value (a read table's third part), for
        #: looking past options before a prefix's subcommand words
        self.with_arg: dict[str, frozenset[str]] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        self._kept.clear()
        self.with_arg.clear()

    def keep(self, field: str) -> None:
        """Keep the prefixes of a reply's ``read_prefixes`` ("ls,git status -c --exec")."""
        if len(self._kept) >= self.limit:
            self._kept.clear()
        for entry in field.split(","):
            words, unless = prefix_entry(entry)
            if words:
                self._kept[words] = unless

    def lets_through(self, line: str, aliases: Mapping[str, str] | None = None) -> bool:
        """Is every command of plain ``line`` (its aliases expanded) a kept prefix and
        words without its options?"""
        if not self._kept or len(line) > MAX_PLAIN_LINE:
            return False
        commands = plain_pieces(line, self.redirections)
        if commands is None:
            return False
        # a quoted word (`'up'`, `u''p`) is not the text that stands in for it: in a
        # command with quotes, a word exception, a needed option or an option to look
        # past cannot be told apart
        for typed, quoted in commands:
            words = expand_plain_aliases(typed, aliases) if aliases else typed
            if not words:
                return False
            words = past_wrappers(words, quoted)
            if words[0] in WRAPPERS:
                return False     # (one with an option or form it does not know)
            # the program and up to two subcommand words, shortest first (options before
            # them looked past only in a line without quotes: `-''` is `-`, no option)
            with_arg = None if quoted else self.with_arg.get(words[0])
            for size in (1, 2, 3):
                split = prefix_split(words, size, with_arg)
                if split is None:
                    return False
                if split[0] in self._kept:
                    break
            else:
                return False
            exceptions = self._kept[split[0]]
            if not exceptions_allow(split[1], exceptions, split[2]) or (
                    quoted and any(e[0] in "=+" for e in exceptions)):
                return False
        return True


def exceptions_allow(words: Sequence[str], exceptions: Sequence[str],
                     looked_past: Sequence[str] = ()) -> bool:
    """Do the ``words`` after a read-only prefix start as its ``exceptions`` need, and do
    they and the options ``looked_past`` before its subcommand words hold none of the
    others?"""
    return starts_as_needed(words, exceptions) and not holds_option(
        [*looked_past, *words], exceptions)


def starts_as_needed(words: Sequence[str], exceptions: Sequence[str]) -> bool:
    """When a prefix's ``exceptions`` name options it needs (``+-l``, ``+--list``), is
    the first of the ``words`` after it one of them (a short one also inside a cluster
    of letters, ``-ln``, as the rules read a cluster; not ``--list=x``, since a value may
    switch it off: ``--dry-run=false``)?"""
    needs = [e[1:] for e in exceptions if e[0] == "+"]
    if not needs:
        return True
    first = words[0] if words else ""
    if first.startswith("--"):
        return first in needs
    letters = first[1:]
    return first in needs or (len(first) > 2 and first[0] == "-" and letters.isascii()
                              and letters.isalpha() and any("-" + c in needs for c in letters))


def holds_option(words: Sequence[str], exceptions: Sequence[str]) -> bool:
    """Is one of a prefix's ``exceptions`` among ``words``: an option (see
    :func:`has_option`), or a word its ``=word`` entry names?"""
    return any(has_option(word, option) for word in words if word.startswith("-")
               for option in exceptions if option[0] == "-") or any(
        "=" + word in exceptions for word in words if not word.startswith("-"))


def has_option(word: str, option: str) -> bool:
    """``--output``, ``--output=x``, ``-ofile``; ``--outp`` (any start of a long option's
    name: the rules take abbreviations, see ArgvView.has_flag); and ``-o`` inside a
    cluster (``-xo``); ``--dry-run=`` only with a value (``--dry-run=false``, ``--dry=0``).
    Errs towards yes: a "yes" only costs a round trip."""
    if word.startswith(option):
        return True
    name = word.partition("=")[0]
    if len(name) > 2 and name.startswith("--") and option.startswith(name) and (
            not option.endswith("=") or "=" in word):
        return True
    return (len(option) == 2 and option[1] != "-" and word[1:2] not in ("", "-")
            and option[1] in word[2:])
