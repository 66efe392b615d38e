"""Alias expansion, done the way the shell does it before a line runs.

An interactive shell replaces the first word of every simple command that names an
alias by the alias's text, before it parses the rest: with ``alias dc='docker
compose'``, ``dc down -v`` runs ``docker compose down -v``, not the desk calculator.
The shells tell the co-process their aliases (see :mod:`shellguard.protocol`) and the
line is classified as it will run. As in bash and zsh: the first word of an alias's
text is expanded in turn unless it is an alias already being expanded (``alias
ls='ls --color=auto'``), and an alias whose text ends in a blank has the next word
expanded too (``alias sudo='sudo '``). Quoted or escaped words are not aliases.
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


def expand_aliases(line: str, aliases: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """The line with its aliases expanded, and the names expanded (in order; empty,
    and the line unchanged, when none was)."""
    if not aliases or not any(word in aliases for word in alias_candidates(line)):
        return line, ()
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
        return line, ()
    for start, end, text in sorted(edits, reverse=True):
        data = data[:start] + text + data[end:]
    return data.decode("utf-8", "replace"), tuple(sorted(used, key=used.__getitem__))
