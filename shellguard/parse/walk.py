"""Walk tree-sitter-bash's syntax tree down to the simple commands that would run.

The grammar does the hard part (quotes, here-docs, substitutions, compound
statements); this module only collects, for every ``command`` node, its words after
quote removal, its assignments and redirections, and what feeds it through a pipe,
and it recurses into every place where more commands hide (``$()``, backticks,
``<()``, loop and function bodies, here-doc bodies that expand).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import replace
from functools import lru_cache

from shellguard.parse.model import Redirect, Script, SimpleCommand, Word

__all__ = ["parse_script", "syntax_tree", "MAX_DEPTH"]

#: Deeper nesting than this is not walked (and the script is marked incomplete):
#: nobody types it, and a hostile line must not exhaust Python's stack.
MAX_DEPTH = 120

_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff\ud800-\udfff]")
_SUBSTITUTIONS = ("command_substitution", "process_substitution")
#: What starts a substitution inside text the grammar does not parse (an expansion's pattern).
_PATTERN_SUBSTITUTION = re.compile(rb"\$\(|`|[<>]\(")
_REDIRECTS = ("file_redirect", "heredoc_redirect", "herestring_redirect")
_STATEMENTS = ("subshell", "compound_statement", "list", "pipeline", "if_statement",
               "for_statement", "c_style_for_statement", "while_statement", "case_statement",
               "redirected_statement", "negated_command")


@lru_cache(maxsize=1)
def _parser():  # type: ignore[no-untyped-def]
    # Imported lazily so that importing shellguard stays cheap for tools that never parse.
    import tree_sitter_bash
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_bash.language()))


def syntax_tree(source: str):  # type: ignore[no-untyped-def]
    """tree-sitter-bash's syntax tree of ``source``, and the bytes its offsets count in."""
    # tree-sitter-bash's scanner reads out of bounds on some characters beyond the
    # BMP (found by fuzzing: a segfault); none of them matter to what runs.
    data = _BEYOND_BMP.sub("\ufffd", source).encode("utf-8", "replace")
    tree = _parser().parse(data)
    if _KEYWORD_BEFORE_BRACE.search(data):
        blanked = _blank_keywords_before_groups(tree, data)
        if blanked is not None:
            data = blanked
            tree = _parser().parse(data)
    if tree.root_node.has_error:
        escaped = _escape_literal_dollars(tree, data)
        if escaped is not None:
            retry = _parser().parse(escaped)
            if not retry.root_node.has_error:
                return retry, escaped
    return tree, data


#: `time { ...; }` and `coproc [NAME] { ...; }`: keywords tree-sitter-bash reads as a
#: command named `time` whose arguments are `{` and the group's first words.
_KEYWORD_BEFORE_BRACE = re.compile(rb"(^|[\s;&|(])(time|coproc)\s[^\n]*\{")


def _blank_keywords_before_groups(tree, data: bytes) -> bytes | None:  # type: ignore[no-untyped-def]
    """``data`` with each `time` or `coproc NAME` keyword before a brace group turned into
    spaces (the group runs as it would without them; offsets stay), or None when there
    is none. (`time` only times the group; a coprocess runs it in the background.)"""
    spans: list[tuple[int, int]] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type != "command":
            stack.extend(node.children)
            continue
        name = node.child_by_field_name("name")
        args = node.children_by_field_name("argument")
        if name is None or name.text not in (b"time", b"coproc") or not args:
            continue
        at = 0
        while at < len(args) - 1 and args[at].text in (b"-p", b"--"):  # `time -p { ...; }`
            at += 1
        if name.text == b"coproc" and len(args) > 1 and args[1].text == b"{":
            at = 1
        if args[at].text == b"{":
            spans.append((name.start_byte, args[at].start_byte))
    if not spans:
        return None
    for start, end in spans:
        data = data[:start] + b" " * (end - start) + data[end:]
    return data


#: A `$` that starts no expansion: bash keeps it as a literal character (`brew search
#: /^jq$/`, `echo a$/`), but tree-sitter-bash reports a syntax error for it unquoted.
_LITERAL_DOLLAR = re.compile(rb"\$[^\w{(\['\"@*#?$!\s-]")
#: Where such an ERROR may sit: between the words of a command line (not a here-doc body).
_PLAIN_PARENTS = {"program", "list", "pipeline", "command", "redirected_statement",
                  "concatenation", "command_substitution", "subshell"}


def _escape_literal_dollars(tree, data: bytes) -> bytes | None:  # type: ignore[no-untyped-def]
    """``data`` with a backslash before each literal `$` that tree-sitter cannot read, or
    None when some error is of another kind. An unquoted `\\$` is the same literal `$`."""
    starts: list[int] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR":
            if (node.parent is None or node.parent.type not in _PLAIN_PARENTS
                    or not _LITERAL_DOLLAR.match(data, node.start_byte)):
                return None
            starts.append(node.start_byte)
            continue
        if node.has_error:
            stack.extend(node.children)
    if not starts:
        return None
    for start in sorted(starts, reverse=True):
        data = data[:start] + b"\\" + data[start:]
    return data


def parse_script(source: str, context: str = "top") -> Script:
    """Parse ``source`` with the bash grammar and list what would run."""
    tree, _ = syntax_tree(source)
    walker = _Walker(context)
    walker.visit(tree.root_node, 0, ())
    problems = list(walker.problems)
    if tree.root_node.has_error:
        problems.append("the line does not parse as complete shell syntax")
    return Script(
        commands=tuple(walker.commands),
        redirects=tuple(walker.redirects),
        complete=not problems,
        problems=tuple(problems),
    )


def _text(node) -> str:  # type: ignore[no-untyped-def]
    return node.text.decode("utf-8", "replace")


def _hides_substitution(node) -> bool:  # type: ignore[no-untyped-def]
    """Text the grammar keeps whole that bash still expands: a here-doc body with an
    unquoted delimiter (backquotes; `$(...)` after `<<-`'s tabs) and the word of a
    `${x:-word}` (backquotes)."""
    text = _text(node)
    if "`" not in text and "$(" not in text:
        return False
    parent = node.parent
    if node.type == "heredoc_body" and parent is not None:
        start = next((c for c in parent.children if c.type == "heredoc_start"), None)
        return start is not None and not any(q in _text(start) for q in "'\"\\")
    return node.type == "word" and parent is not None and parent.type == "expansion"


def _glued(first: Word, rest: Word) -> Word:
    """One word of two nodes the grammar split with nothing between them."""
    return Word(first.text + rest.text, first.raw + rest.raw, first.dynamic or rest.dynamic,
                first.procsub or rest.procsub)


def _unescape_unquoted(text: str) -> str:
    """Backslash removal for an unquoted word: ``\\rm`` -> ``rm``, ``\\;`` -> ``;``."""
    if "\\" not in text:
        return text
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            if text[i + 1] != "\n":
                out.append(text[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _unescape_double(text: str) -> str:
    """Inside double quotes a backslash only escapes ``$ ` " \\`` and newline."""
    if "\\" not in text:
        return text
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in '$`"\\\n':
            if text[i + 1] != "\n":
                out.append(text[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _ansi_c(body: str) -> str:
    try:
        return codecs.decode(body.encode("latin-1", "backslashreplace"), "unicode_escape")
    except (UnicodeDecodeError, ValueError):
        return body


class _Walker:
    def __init__(self, context: str) -> None:
        self.context = context
        self.current = context  # context of the command whose words are being read
        self.commands: list[SimpleCommand] = []
        self.redirects: list[Redirect] = []
        self.problems: list[str] = []
        self.trailing: list = []  # statements the grammar hung on a here-doc redirect
        self.spilled: list[Word] = []  # words the grammar hung on a redirection's target

    # -- statements ---------------------------------------------------------

    def visit(self, node, depth: int, upstream: tuple[SimpleCommand, ...],  # type: ignore[no-untyped-def]
              context: str | None = None, extra_redirects: tuple[Redirect, ...] = ()) -> None:
        if depth > MAX_DEPTH:
            if "nesting too deep to inspect" not in self.problems:
                self.problems.append("nesting too deep to inspect")
            return
        ctx = context or self.context
        kind = node.type
        if kind == "command":
            self._command(node, depth, upstream, ctx, extra_redirects)
        elif kind in ("declaration_command", "unset_command"):
            self._builtin_like(node, depth, upstream, ctx)
        elif kind == "pipeline":
            self._pipeline(node, depth, upstream, ctx)
        elif kind == "redirected_statement":
            self._redirected(node, depth, upstream, ctx)
        elif kind in _SUBSTITUTIONS:
            # inside a function body, a substitution still only runs when the function does
            inner = ctx if ctx.startswith("function:") else "substitution"
            for child in node.named_children:
                self.visit(child, depth + 1, (), inner)
        elif kind == "function_definition":
            name = node.child_by_field_name("name")
            label = f"function:{_text(name) if name is not None else '?'}"
            for child in node.named_children:
                if child.type != "word":
                    self.visit(child, depth + 1, (), label)
        elif kind in _REDIRECTS:
            self.redirects.append(self._redirect(node, depth))
        elif kind in ("variable_assignment", "variable_assignments"):
            # `a=r` alone: a command with assignments and no words (session state)
            items = [node] if kind == "variable_assignment" else [
                c for c in node.named_children if c.type == "variable_assignment"]
            self.current = ctx
            self.commands.append(SimpleCommand((), tuple(self._assignment(c) for c in items), (),
                                               _text(node), upstream, ctx))
        elif kind == "ERROR":
            for child in node.children:
                self.visit(child, depth + 1, (), ctx)
        elif kind in ("word", "string", "concatenation", "simple_expansion", "expansion",
                      "heredoc_body", "test_command", "arithmetic_expansion",
                      "binary_expression", "unary_expression", "parenthesized_expression"):
            self._scan_for_substitutions(node, depth)
        else:
            for child in node.named_children:
                self.visit(child, depth + 1, upstream if kind == "negated_command" else (), ctx)

    def _pipeline(self, node, depth: int, upstream, ctx: str) -> None:  # type: ignore[no-untyped-def]
        seen: list[SimpleCommand] = list(upstream)
        for child in node.named_children:
            before = len(self.commands)
            self.visit(child, depth + 1, tuple(seen), ctx)
            seen.extend(c for c in self.commands[before:] if c.context == ctx)

    def _redirected(self, node, depth: int, upstream, ctx: str) -> None:  # type: ignore[no-untyped-def]
        body = node.child_by_field_name("body")
        redirects: list[Redirect] = []
        for child in node.named_children:
            if child.type in _REDIRECTS:
                redirect = self._redirect(child, depth, bare=body is None)
                redirects.append(redirect)
                self.redirects.append(redirect)
                for nested in child.named_children:
                    if nested.type in _REDIRECTS:
                        inner = self._redirect(nested, depth)
                        redirects.append(inner)
                        self.redirects.append(inner)
        trailing, self.trailing = self.trailing, []
        spilled, self.spilled = tuple(self.spilled), []
        if body is not None:
            # Redirections of a simple command belong to it (a here-doc fed to `bash`);
            # those of a compound statement are listed once, for the whole line.
            attach = tuple(redirects) if body.type == "command" else ()
            before = len(self.commands)
            self.visit(body, depth + 1, upstream, ctx, attach)
            if spilled:
                self._add_spilled(body, before, spilled)
            feeders = tuple(self.commands[before:])
        else:
            feeders = ()
            if spilled:
                self.problems.append("words after a redirection with no command")
        for node_after in trailing:
            self.visit(node_after, depth + 1, feeders if node_after.type == "pipeline" else (), ctx)

    def _add_spilled(self, body, before: int, spilled: tuple[Word, ...]) -> None:  # type: ignore[no-untyped-def]
        """Words after a redirection's target are arguments of the simple command it
        ends (`cat 2>/dev/null x y`; `a | tee < f out.txt`: of tee)."""
        last = self.commands[-1] if len(self.commands) > before else None
        if body.type in ("command", "pipeline", "declaration_command", "unset_command") and \
                last is not None and last.words:
            self.commands[-1] = replace(last, words=last.words + spilled)
        else:  # `{ echo; } > f x` is a syntax error in bash
            self.problems.append("words after the redirection of a compound statement")

    def _builtin_like(self, node, depth: int, upstream, ctx: str) -> None:  # type: ignore[no-untyped-def]
        self.current = ctx
        words = [Word(_text(node.children[0]), _text(node.children[0]))]
        assignments: list[str] = []
        for child in node.children[1:]:
            if child.type == "variable_assignment":
                assignments.append(_text(child))
                self._scan_for_substitutions(child, depth)
                words.append(Word(_text(child), _text(child)))
            elif child.is_named:
                words.append(self._word(child, depth))
        self.commands.append(SimpleCommand(tuple(words), tuple(assignments), (), _text(node),
                                           upstream, ctx))

    def _command(self, node, depth: int, upstream, ctx: str,  # type: ignore[no-untyped-def]
                 extra_redirects: tuple[Redirect, ...]) -> None:
        words: list[Word] = []
        assignments: list[str] = []
        redirects: list[Redirect] = list(extra_redirects)
        self.current = ctx
        word_end = -1       # where the last word ended: a word right after it is its rest
        for child in node.named_children:
            kind = child.type
            if kind == "variable_assignment":
                assignments.append(self._assignment(child))
            elif kind == "command_name":
                inner = child.named_children[0] if child.named_children else child
                words.append(self._word(inner, depth))
                word_end = child.end_byte
            elif kind in _REDIRECTS:
                redirect = self._redirect(child, depth)
                redirects.append(redirect)
                self.redirects.append(redirect)
            elif kind == "comment":
                continue
            elif kind in _STATEMENTS:
                # `time (make clean && make)`: a statement where a word would be
                self.visit(child, depth + 1, (), ctx)
            else:
                word = self._word(child, depth)
                if words and child.start_byte == word_end:
                    # the grammar splits `a_`cmd`.gz` after `a_`: bash reads one word
                    words[-1] = _glued(words[-1], word)
                else:
                    words.append(word)
                word_end = child.end_byte
        command = SimpleCommand(tuple(words), tuple(assignments), tuple(redirects), _text(node),
                                upstream, ctx)
        self.commands.append(command)
        if self.trailing and not extra_redirects:
            trailing, self.trailing = self.trailing, []
            for node_after in trailing:
                self.visit(node_after, depth + 1,
                           (command,) if node_after.type == "pipeline" else (), ctx)

    # -- words and redirections ---------------------------------------------

    def _assignment(self, node) -> str:  # type: ignore[no-untyped-def]
        """``NAME=value`` with the value's quotes removed (``x="a b"`` -> ``x=a b``)."""
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name is not None and name.type == "subscript":
            # `a[$(rm -f x)]=1`: bash expands the index first
            self._scan_for_substitutions(name, 0)
        if name is None or value is None:
            return _text(node)
        op = "+=" if "+=" in _text(node)[: len(_text(name)) + 2] else "="
        if value.type == "array":
            self._scan_for_substitutions(value, 0)
            return f"{_text(name)}{op}{_text(value)}"
        parts: list[str] = []
        dynamic = self._word_parts(value, parts, 0)
        text = "".join(parts) if not dynamic else _text(value)
        return f"{_text(name)}{op}{text}"

    def _redirect(self, node, depth: int, bare: bool = False) -> Redirect:  # type: ignore[no-untyped-def]
        op = ""
        fd = ""
        target: Word | None = None
        target_end = -1
        body: str | None = None
        spilled = len(self.spilled)
        for child in node.children:
            kind = child.type
            if kind == "file_descriptor":
                fd = _text(child)
            elif kind == "ERROR" and op == "<" and _text(child) == ">":
                op = "<>"  # `3<>file` (read and write; the grammar does not know it)
            elif not child.is_named:
                op = op or _text(child)
            elif kind == "heredoc_body":
                body = _text(child)
                self._scan_for_substitutions(child, depth)
            elif kind in ("heredoc_start", "heredoc_end"):
                continue
            elif kind in _REDIRECTS:
                continue  # nested, handled by the caller
            elif kind == "command" or kind in _STATEMENTS:
                # `cat <<EOF | kubectl apply -f -`: the grammar hangs the rest of the
                # line on the here-doc; the caller walks it after the body command
                self.trailing.append(child)
            elif target is None:
                target = self._word(child, depth)
                target_end = child.end_byte
                if node.type == "herestring_redirect":
                    body = target.text + "\n"
            elif node.type == "file_redirect" and child.start_byte == target_end:
                # `> a_`hostname`.gz`: the grammar ends the target before the backquote
                target = _glued(target, self._word(child, depth))
                target_end = child.end_byte
            elif node.type == "file_redirect":
                # `tee < in.txt copy.txt`: the grammar hangs the words after a
                # redirection's target on it; they are the command's arguments
                self.spilled.append(self._word(child, depth))
        if node.type == "heredoc_redirect" and (not body or target is not None):
            # (a here-doc has no target: a word there is its first line, which the grammar
            # made words of)
            body = self._heredoc_text(node) or body or ""
            target = None
        if op in (">", ">>") and target is not None and target.raw == "!" and \
                len(self.spilled) > spilled:
            target = self.spilled.pop(spilled)  # zsh's `>! file` (`>|`: even with noclobber)
        return Redirect(op=op, target=target, fd=fd, body=body, raw=_text(node), bare=bare)

    def _heredoc_text(self, node) -> str:  # type: ignore[no-untyped-def]
        """A here-doc's body from the source, where the grammar's misses its first line: it
        makes words of a first line that starts with a backslash (`\\! rm -rf x`, `\\o f`)."""
        start = next((c for c in node.children if c.type == "heredoc_start"), None)
        end = next((c for c in node.children if c.type == "heredoc_end"), None)
        if start is None or end is None:
            return ""
        source = node.text
        first = source.find(b"\n", start.end_byte - node.start_byte)
        if first < 0:
            return ""
        text = source[first + 1:end.start_byte - node.start_byte].decode("utf-8", "replace")
        if not _text(start).startswith(("'", '"', "\\")) and ("$(" in text or "`" in text):
            # an unquoted delimiter: bash expands the body, and these words are not read
            self.problems.append("a command substitution the parser does not read")
        return text

    def _word(self, node, depth: int) -> Word:  # type: ignore[no-untyped-def]
        raw = _text(node)
        parts: list[str] = []
        dynamic = self._word_parts(node, parts, depth)
        return Word("".join(parts), raw, dynamic, node.type == "process_substitution")

    def _word_parts(self, node, parts: list[str], depth: int) -> bool:  # type: ignore[no-untyped-def]
        """Append the unquoted text of ``node`` to ``parts``; return True if any part is dynamic."""
        kind = node.type
        if kind == "word":
            parts.append(_unescape_unquoted(_text(node)))
            return False
        if kind == "raw_string":
            parts.append(_text(node)[1:-1])
            return False
        if kind == "ansi_c_string":
            parts.append(_ansi_c(_text(node)[2:-1]))
            return False
        if kind in ("string", "translated_string"):
            dynamic = False
            end = None
            for child in node.children:
                if end is not None and child.start_byte > end:
                    # the grammar leaves a quoted newline between its content pieces
                    parts.append(node.text[end - node.start_byte:
                                           child.start_byte - node.start_byte].decode("utf-8", "replace"))
                if child.type == "string_content":
                    parts.append(_unescape_double(_text(child)))
                elif child.is_named:
                    dynamic |= self._word_parts(child, parts, depth)
                end = child.end_byte
            return dynamic
        if kind == "concatenation":
            dynamic = False
            for child in node.children:
                dynamic |= self._word_parts(child, parts, depth)
            return dynamic
        if kind in ("number", "variable_name", "special_variable_name", "test_operator",
                    "regex", "extglob_pattern", "brace_expression"):
            parts.append(_text(node))
            return False
        if kind in _SUBSTITUTIONS:
            self.visit(node, depth + 1, (), self.current)
            parts.append(_text(node))
            return True
        # $VAR, ${VAR...}, $((...)) and anything unforeseen: keep as written, unknown value.
        self._scan_for_substitutions(node, depth)
        parts.append(_text(node))
        return True

    def _scan_for_substitutions(self, node, depth: int) -> None:  # type: ignore[no-untyped-def]
        if depth > MAX_DEPTH:
            if "nesting too deep to inspect" not in self.problems:
                self.problems.append("nesting too deep to inspect")
            return
        before = len(self.commands)
        for child in node.named_children:
            if child.type in _SUBSTITUTIONS:
                self.visit(child, depth + 1, ())
            elif child.type == "regex" and _PATTERN_SUBSTITUTION.search(child.text):
                self._scan_pattern(child, depth + 1)
            else:
                self._scan_for_substitutions(child, depth + 1)
        if len(self.commands) == before and _hides_substitution(node):
            self.problems.append("a command substitution the parser does not read")

    def _scan_pattern(self, node, depth: int) -> None:  # type: ignore[no-untyped-def]
        """The pattern of ``${x%PATTERN}``, ``${x#...}``, ``${x^^...}``, ``${x,...}``: the
        grammar keeps it as text, but bash expands it first, running its substitutions
        (``${x%$(rm -rf build)}``). Parsed again as a word, and walked."""
        tree, _ = syntax_tree(": " + _text(node))
        before = len(self.commands)
        if not tree.root_node.has_error:
            self._scan_for_substitutions(tree.root_node, depth)
        if len(self.commands) == before:
            self.problems.append("a command substitution the parser does not read")
