"""Alias expansion, done the way the shell does it before a line runs.

An interactive shell replaces the first word of every simple command that names an
alias by the alias's text, before it parses the rest: with ``alias dc='docker
compose'``, ``dc down -v`` runs ``docker compose down -v``, not the desk calculator.
The shells tell the co-process their aliases (see :mod:`shellguard.protocol`) and the
line is classified as it will run. As in bash and zsh: the first word of an alias's
text is expanded in turn unless it is an alias already being expanded (``alias
ls='ls --color=auto'``), and an alias whose text ends in a blank has the next word
expanded too (``alias sudo='sudo '``). Quoted or escaped words are not aliases.

zsh also has global aliases (``alias -g G='| grep'``), expanded wherever a whole word
names one: ``ls G x`` runs ``ls | grep x``. They are expanded first, the text parsed
again (a global alias's text can hold further aliases, never itself), then the
command-position aliases.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from shellguard.parse.walk import syntax_tree

__all__ = ["expand_aliases", "alias_candidates"]

# The words a line could name an alias with (a quick test before parsing).
_WORD = re.compile(r"[^\s;|&<>()`'\"\\$]+")


def alias_candidates(line: str) -> list[str]:
    """Every word of ``line`` that could name an alias, wherever it stands (more than
    the command words: the caller only looks them up)."""
    return _WORD.findall(line)
# The first word of an alias's text, when it is a plain word.
_LEADING = re.compile(r"\s*([^\s;|&<>()`'\"\\$=]+)(?=\s|$)")


def _resolve(name: str, aliases: Mapping[str, str]) -> str:
    """The text ``name`` expands to, its first word expanded in turn."""
    text = aliases[name]
    seen = {name}
    while (match := _LEADING.match(text)) and match.group(1) in aliases \
            and match.group(1) not in seen:
        seen.add(match.group(1))
        text = text[:match.start(1)] + aliases[match.group(1)] + text[match.end(1):]
    return text


# Global aliases whose texts name further global aliases: at most this deep.
_MAX_GLOBAL_ROUNDS = 8
# A word under these is part of a larger word or an assignment's value: not an alias.
_NOT_WHOLE_WORDS = frozenset({"concatenation", "variable_assignment"})


def _expand_global(line: str, global_aliases: Mapping[str, str]) -> tuple[str, list[str]]:
    """``line`` with every whole word that names a global alias replaced by its text,
    round after round while the texts name more (each name expands in one round only),
    and the names expanded."""
    used: list[str] = []
    for _ in range(_MAX_GLOBAL_ROUNDS):
        if not any(word in global_aliases and word not in used
                   for word in alias_candidates(line)):
            break
        tree, data = syntax_tree(line)
        edits: list[tuple[int, int, bytes]] = []
        names: list[str] = []
        stack = [tree.root_node]
        while stack:
            node = stack.pop()
            if node.type == "word" and (node.parent is None
                                        or node.parent.type not in _NOT_WHOLE_WORDS):
                name = node.text.decode("utf-8", "replace")
                if name in global_aliases and name not in used:
                    edits.append((node.start_byte, node.end_byte,
                                  global_aliases[name].encode("utf-8", "replace")))
                    names.append(name)
            stack.extend(node.named_children)
        if not edits:
            break
        for start, end, text in sorted(edits, reverse=True):
            data = data[:start] + text + data[end:]
        line = data.decode("utf-8", "replace")
        used += sorted(set(names), key=names.index)
    return line, used


def expand_aliases(line: str, aliases: Mapping[str, str],
                   global_aliases: Mapping[str, str] | None = None) -> tuple[str, tuple[str, ...]]:
    """The line with its aliases expanded, and the names expanded (in order; empty,
    and the line unchanged, when none was). ``global_aliases``: zsh's ``alias -g``."""
    used_global: list[str] = []
    if global_aliases:
        line, used_global = _expand_global(line, global_aliases)
    if not aliases or not any(word in aliases for word in alias_candidates(line)):
        return line, tuple(used_global)
    tree, data = syntax_tree(line)
    edits: list[tuple[int, int, bytes]] = []
    used: dict[str, int] = {}  # name -> where it is first used
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "command":
            words = [c for c in node.named_children
                     if c.type not in ("variable_assignment", "file_redirect",
                                       "herestring_redirect", "heredoc_redirect")]
            for index, child in enumerate(words[:8]):
                word = child.named_children[0] if child.type == "command_name" and \
                    child.named_children else child
                name = word.text.decode("utf-8", "replace") if word.type == "word" else ""
                if name not in aliases:
                    break
                text = _resolve(name, aliases)
                edits.append((word.start_byte, word.end_byte, text.encode("utf-8", "replace")))
                used[name] = min(used.get(name, word.start_byte), word.start_byte)
                # a text ending in a blank: the next word is looked up too
                if index == len(words) - 1 or not text[-1:].isspace():
                    break
        stack.extend(node.named_children)
    if not edits:
        return line, tuple(used_global)
    for start, end, text in sorted(edits, reverse=True):
        data = data[:start] + text + data[end:]
    return (data.decode("utf-8", "replace"),
            (*used_global, *sorted(used, key=used.__getitem__)))
