"""From a xonsh command (both languages) to the one command line the classifier reads.

xonsh decides per statement whether a line is Python (``shutil.rmtree("b")``) or a
subprocess (``rm victim``, ``echo a; touch x``): a statement that does not parse as
Python, or an expression whose leftmost name is not defined, runs as a command. Asking
xonsh's own parser costs 1 to 3 ms a line, so this module mirrors that rule with the
standard ``ast`` parser (about 20 µs), erring towards asking:

- subprocess statements are sent as shell text, with xonsh's syntax rewritten into
  what the bash reader understands (``and``/``or`` -> ``&&``/``||``, ``![...]`` ->
  ``$(...)``, ``@(expr)`` -> a word known only at run time);
- Python statements are sent as ``python3 -c '<source>'``, so the interpreter
  one-liner reader looks for ``os.remove``, ``open(f, "w")``, ``.unlink()``, ...;
  captured commands inside them (``x = $(rm y)``) are sent as shell text too;
- Python that only computes (assignments, arithmetic, imports, well-known pure
  builtins and methods) is not sent at all: :func:`classifier_text` returns None.

Function bodies are not classified when they are defined: their commands are checked
when they run (the ``on_pre_spec_run`` backstop in :mod:`.hooks`).
"""

from __future__ import annotations

import ast
import bisect
import builtins
import re
from collections.abc import Callable
from typing import Any

__all__ = ["classifier_text", "shell_text", "incomplete"]

#: Builtins that only compute or print. ``map``/``filter``/``iter`` call their
#: argument and ``print(..., file=f)`` writes: those are checked separately.
PURE_BUILTINS = frozenset({
    "abs", "all", "any", "ascii", "bin", "bool", "bytearray", "bytes", "callable", "chr",
    "complex", "dict", "dir", "divmod", "enumerate", "filter", "float", "format",
    "frozenset", "getattr", "globals", "hasattr", "hash", "help", "hex", "id", "int",
    "isinstance", "issubclass", "iter", "len", "list", "locals", "map", "max", "min", "next",
    "oct", "ord", "pow", "print", "range", "repr", "reversed", "round", "set", "slice",
    "sorted", "str", "sum", "tuple", "type", "vars", "zip",
})
_CALLS_ITS_ARGUMENT = frozenset({"map", "filter", "iter", "sorted", "min", "max"})

#: Methods that read or build values (strings, containers, paths that are only read).
PURE_METHODS = frozenset({
    "capitalize", "casefold", "center", "count", "decode", "encode", "endswith",
    "expandtabs", "find", "format", "index", "isalnum", "isalpha", "isascii", "isdecimal",
    "isdigit", "isidentifier", "islower", "isnumeric", "isspace", "istitle", "isupper", "join",
    "ljust", "lower", "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind",
    "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith",
    "strip", "swapcase", "title", "upper", "zfill", "get", "keys", "values", "items", "copy",
    "append", "extend", "insert", "reverse", "sort", "union", "intersection", "difference",
    "issubset", "issuperset", "bit_length", "exists", "is_file", "is_dir", "is_symlink",
    "read_text", "read_bytes", "resolve", "absolute", "iterdir", "glob", "rglob", "stat",
    "with_suffix", "with_name", "with_stem", "joinpath", "relative_to", "as_posix", "match",
    "search", "fullmatch", "findall", "finditer", "group", "groups", "groupdict",
    "basename", "dirname", "abspath", "realpath", "normpath", "expanduser", "splitext",
    "isfile", "isdir", "islink", "getsize", "getcwd", "listdir", "getenv", "loads", "dumps",
})



class _Pattern:
    """A regular expression compiled when first used, not when xonsh starts."""

    __slots__ = ("_source", "_compiled")

    def __init__(self, source: str) -> None:
        self._source = source
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            self._compiled = re.compile(self._source)
        return getattr(self._compiled, name)


_BUILTIN_NAMES = frozenset(dir(builtins))
_PLACEHOLDER = "__sg_"
_ENV = "__sg_env_"
#: Bigger sources (a large paste) are sent as they are: the splitter's retries are
#: quadratic in the number of command lines, and the classifier has its own limit.
MAX_SOURCE_CHARS = 64 * 1024
MAX_COMMAND_LINES = 200
#: Deeper nesting of ``![...]`` is left as written (the classifier then asks).
MAX_NESTING = 16
_CAPTURES = {"$(": ")", "$[": "]", "!(": ")", "![": "]"}
_PY_STRING = _Pattern(r"""[rRbBfFuUpP]{0,3}('''|\"\"\"|'|")""")
#: A string prefix at the end of the text before a quote (not the end of a longer name).
_STR_PREFIX = _Pattern(r"(?<![A-Za-z0-9_])[rRbBfFuUpP]{1,3}$")
_PY_SPECIAL = _Pattern(r"[#'\"$!`]")
#: Text without any of these reads the same in xonsh and in bash.
_SHELL_SPECIAL = _Pattern(r"[@$!`#>]|(?<!\S)(?:and|or|not)(?!\S)")
_IDENT = _Pattern(r"[A-Za-z_][A-Za-z0-9_]*")
#: xonsh's stream redirections: ``e>o`` (2>&1), ``o>e`` (1>&2), ``e>f``, ``o>f``, ``a>f``.
_STREAM_MERGE = _Pattern(r"(?:(e|err|2)>(o|out)|(o|out|1)>(e|err))(?![\w>])")
_XONSH_REDIRECT = _Pattern(r"(e|err|o|out|a|all)>")
_REDIRECT_AS = {"e": "2>", "err": "2>", "o": ">", "out": ">", "a": "&>", "all": "&>"}
#: xonsh's boolean operators between commands.
_KEYWORD = _Pattern(r"(and|or|not)(?=\s|$)")
_KEYWORDS = {"and": "&&", "or": "||", "not": "!"}


def classifier_text(source: str, in_scope: Callable[[str], bool] = lambda name: False
                    ) -> str | None:
    """The command line to classify for ``source``, or None when it only computes.

    ``in_scope(name)`` says whether a name is defined in the session (xonsh's context);
    builtins and names the source itself binds count as defined.
    """
    src = source.replace("\r\n", "\n").replace("\\\n", " ")
    if not any(line.strip() and not line.lstrip().startswith("#") for line in src.split("\n")):
        return None
    if len(src) > MAX_SOURCE_CHARS:
        return src.strip()
    try:
        return _Split(src, in_scope).text()
    except (RecursionError, ValueError, MemoryError):
        return shell_text(src.strip())


def incomplete(source: str) -> bool:
    """True for the first lines of a block that xonsh will ask more lines for.

    The readline and dumb shells fire ``on_transform_command`` on the first line of a
    block (``for i in range(2):``) before the rest is typed, and again with the whole
    block; prompt_toolkit hands over complete blocks only.
    """
    import codeop
    import warnings

    try:
        view, _ = _python_view(source.replace("\r\n", "\n").replace("\\\n", " "))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return codeop.compile_command(view, "<xonsh>", "exec") is None
    except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError):
        return False


class _Split:
    """One source split into subprocess lines, captured commands and Python."""

    def __init__(self, src: str, in_scope: Callable[[str], bool]) -> None:
        self.src = src
        self.lines = src.split("\n")
        self.in_scope = in_scope
        view, self.captures = _python_view(src)
        self.view_lines = view.split("\n")
        if len(self.view_lines) != len(self.lines):
            raise ValueError("a captured command spans lines")
        self.sub_lines: set[int] = set()  # 0-based lines that run as commands
        self.deferred: set[int] = set()  # lines inside function bodies
        self.python_too: set[int] = set()  # command lines that also read as Python calls
        self.env_changes: list[str] = []  # `$X = ...` as the shell would write it
        self.bound: set[str] = set()

    def text(self) -> str | None:
        tree = self._parse()
        if tree is None:  # not xonsh we can read: all of it as shell text, which asks
            return shell_text(self.src.strip())
        self._bind_names(tree)
        pure = self._walk(tree.body)
        parts: list[str] = []
        for start, end in _spans(sorted(self.sub_lines - self.deferred)):
            parts.append(shell_text(_dedent("\n".join(self.lines[start:end + 1]))))
        for line_no, inner in self.captures:
            if line_no not in self.sub_lines and line_no not in self.deferred:
                parts.append(shell_text(inner.strip()))
        parts.extend(self.env_changes)
        if not pure:
            kept = [line for n, line in enumerate(self.lines)
                    if (n not in self.sub_lines or n in self.python_too) and line.strip()]
            parts.append("python3 -c " + _single_quote(_dedent("\n".join(kept)).strip()))
        parts = [p for p in parts if p.strip()]
        return "\n".join(parts) if parts else None

    # -- which lines are commands -------------------------------------------

    def _parse(self) -> ast.Module | None:
        """Parse as Python; a line that does not parse runs as a command (as in xonsh)."""
        lines = list(self.view_lines)
        for _ in range(min(len(lines), MAX_COMMAND_LINES) + 1):
            try:
                return ast.parse("\n".join(lines))
            except SyntaxError as exc:
                n = (exc.lineno or 0) - 1
                if not 0 <= n < len(lines) or n in self.sub_lines:
                    return None
                self.sub_lines.add(n)
                line = lines[n]
                lines[n] = line[:len(line) - len(line.lstrip())] + "pass"
        return None

    def _bind_names(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                self.bound.add(node.id)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    self.bound.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.bound.add(node.name)
            elif isinstance(node, ast.arg):
                self.bound.add(node.arg)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                self.bound.add(node.name)

    def _defined(self, name: str) -> bool:
        return (name in self.bound or name in _BUILTIN_NAMES or name.startswith(_PLACEHOLDER)
                or self.in_scope(name))

    def _shadowed(self, name: str) -> bool:
        return name in self.bound or self.in_scope(name)

    def _walk(self, body: list[ast.stmt]) -> bool:
        """Mark command statements; True when the Python left over only computes."""
        pure = True
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                first = stmt.body[0].lineno if stmt.body else stmt.lineno
                self.deferred.update(range(first - 1, (stmt.end_lineno or first)))
                parts: list[ast.AST] = [*stmt.decorator_list, stmt.args]
                if stmt.returns is not None:
                    parts.append(stmt.returns)
                pure = all(self._computes(p) for p in parts) and pure
                continue
            if isinstance(stmt, ast.Expr) and self._runs_as_command(stmt.value):
                lines = range(stmt.lineno - 1, stmt.end_lineno or stmt.lineno)
                self.sub_lines.update(lines)
                if any(isinstance(n, ast.Call) for n in ast.walk(stmt.value)):
                    # `shutil.rmtree("b")` before `import shutil`: xonsh tries it as a
                    # command, but it reads as Python; ask about both readings.
                    self.python_too.update(lines)
                    pure = False
                continue
            self._env_change(stmt)
            child_bodies = [getattr(stmt, f) for f in ("body", "orelse", "finalbody")
                            if isinstance(getattr(stmt, f, None), list)]
            for handler in getattr(stmt, "handlers", []) or []:
                child_bodies.append(handler.body)
            for case in getattr(stmt, "cases", []) or []:
                child_bodies.append(case.body)
            for child in child_bodies:
                pure = self._walk(child) and pure
            own = [n for f, n in ast.iter_fields(stmt)
                   if f not in ("body", "orelse", "finalbody", "handlers", "cases")]
            pure = all(self._computes(n) for n in _flatten(own)) and pure
        return pure

    def _env_change(self, stmt: ast.stmt) -> None:
        """``$X = v`` / ``del $X``: sent as ``export X=...`` / ``unset X``, like other shells'."""
        if isinstance(stmt, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            verb = "export {}=\"$__xonsh_expr\""
        elif isinstance(stmt, ast.Delete):
            targets, verb = stmt.targets, "unset {}"
        else:
            return
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name) and node.id.startswith(_ENV):
                    self.env_changes.append(verb.format(node.id[len(_ENV):]))

    def _runs_as_command(self, expr: ast.expr) -> bool:
        head = _leftmost_name(expr)
        if head is None:
            return False
        if not self._defined(head):
            return True
        # `id -v`, `zip --help`: a builtin minus a "flag" is a command in xonsh too.
        return (isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Sub)
                and isinstance(expr.left, ast.Name) and head in _BUILTIN_NAMES
                and not self._shadowed(head)
                and isinstance(expr.right, ast.Name | ast.UnaryOp | ast.BinOp))

    # -- does the Python only compute? ---------------------------------------

    def _computes(self, node: ast.AST) -> bool:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and not self._pure_call(sub):
                return False
        return True

    def _pure_call(self, call: ast.Call) -> bool:
        func = call.func
        if isinstance(func, ast.Name):
            name = func.id
            if name not in PURE_BUILTINS or self._shadowed(name):
                return False
            if name == "print" and any(k.arg == "file" for k in call.keywords):
                return False
            if name in _CALLS_ITS_ARGUMENT:
                callees = [*call.args[:1], *(k.value for k in call.keywords if k.arg == "key")]
                if name in ("sorted", "min", "max"):
                    callees = callees[1:] if call.args else callees
                return all(self._pure_callee(c) for c in callees)
            return True
        if isinstance(func, ast.Attribute):
            return func.attr in PURE_METHODS
        return False

    def _pure_callee(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in PURE_BUILTINS and not self._shadowed(node.id)
        if isinstance(node, ast.Attribute):
            return node.attr in PURE_METHODS
        return isinstance(node, ast.Lambda | ast.Constant)


def _flatten(values: list[object]) -> list[ast.AST]:
    out: list[ast.AST] = []
    for value in values:
        if isinstance(value, ast.AST):
            out.append(value)
        elif isinstance(value, list):
            out.extend(v for v in value if isinstance(v, ast.AST))
    return out


def _leftmost_name(node: ast.AST) -> str | None:
    """The first name of an expression, as xonsh's ``leftmostname`` finds it."""
    while True:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.BinOp | ast.Compare):
            node = node.left
        elif isinstance(node, ast.Attribute | ast.Subscript | ast.Starred):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.UnaryOp):
            node = node.operand
        elif isinstance(node, ast.BoolOp):
            node = node.values[0]
        elif isinstance(node, ast.Tuple) and node.elts:
            node = node.elts[0]
        else:
            return None


def _spans(numbers: list[int]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for n in numbers:
        if spans and spans[-1][1] == n - 1:
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((n, n))
    return spans


def _dedent(text: str) -> str:
    lines = text.split("\n")
    indents = [len(x) - len(x.lstrip()) for x in lines if x.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(x[cut:] for x in lines)


def _single_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


# -- scanners -------------------------------------------------------------------


def _balanced(text: str, start: int, open_: str, close: str) -> int:
    """Index just past the bracket closing the one at ``start`` (quote-aware), or len."""
    depth = 0
    i = start
    quote = ""
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)


def _string_end(text: str, start: int, quote: str) -> int:
    """Index just past a Python string literal whose opening quote is at ``start``."""
    i = start + len(quote)
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(quote, i):
            return i + len(quote)
        if len(quote) == 1 and text[i] == "\n":
            return i
        i += 1
    return len(text)


def _python_view(src: str) -> tuple[str, list[tuple[int, str]]]:
    """``src`` with xonsh-only syntax replaced by Python names, and the captured commands.

    ``$HOME`` -> ``__sg_env_HOME``; ``$(cmd)``/``!(cmd)``/``$[cmd]``/``![cmd]`` ->
    ``__sg_sub`` (the command is returned with its line number); ``p"x"`` ->
    ``__sg_path("x")``; ```glob``` -> ``__sg_glob``.
    """
    out: list[str] = []
    captures: list[tuple[int, str]] = []
    newlines = [m.start() for m in re.finditer("\n", src)]
    i, n = 0, len(src)
    while i < n:
        special = _PY_SPECIAL.search(src, i)
        if special is None:
            out.append(src[i:])
            break
        if special.start() > i:
            out.append(src[i:special.start()])
        i = special.start()
        c = src[i]
        if c == "#":
            end = src.find("\n", i)
            end = n if end < 0 else end
            out.append(src[i:end])
            i = end
        elif c in "'\"":
            prefix = _pop_prefix(out)
            quote = _PY_STRING.match(src, i)
            q = quote.group(1) if quote else c
            end = _string_end(src, i, q)
            literal = prefix.replace("p", "").replace("P", "") + src[i:end]
            out.append(f"__sg_path({literal})" if "p" in prefix.lower() else literal)
            i = end
        elif src.startswith(tuple(_CAPTURES), i):
            close = _CAPTURES[src[i:i + 2]]
            end = _balanced(src, i + 1, src[i + 1], close)
            captures.append((bisect.bisect(newlines, i), src[i + 2:end - 1]))
            if "\n" in src[i:end]:
                raise ValueError("a captured command spans lines")
            out.append("__sg_sub")
            i = end
        elif c == "$" and src.startswith("${", i):
            end = _balanced(src, i + 1, "{", "}")
            out.append("__sg_env")
            i = end
        elif c == "$" and (m := _IDENT.match(src, i + 1)):
            out.append(_ENV + m.group(0))
            i = m.end()
        elif c == "`":
            end = src.find("`", i + 1)
            end = n if end < 0 else end + 1
            if "\n" in src[i:end]:
                raise ValueError("a glob spans lines")
            out.append("__sg_glob")
            i = end
        else:
            out.append(c)
            i += 1
    return "".join(out), captures


def _pop_prefix(out: list[str]) -> str:
    """Take a string prefix (``r``, ``f``, ``p``, ``rb`` ...) just emitted, if it is one."""
    if not out or not (m := _STR_PREFIX.search(out[-1])):
        return ""
    out[-1] = out[-1][:m.start()]
    return m.group(0)


def shell_text(text: str, depth: int = 0) -> str:
    """A subprocess-mode command in the syntax the bash reader understands."""
    if depth > MAX_NESTING or not _SHELL_SPECIAL.search(text):
        return text
    out: list[str] = []
    i, n = 0, len(text)
    quote = ""
    word_start = True
    while i < n:
        c = text[i]
        if quote == "'":
            out.append(c)
            quote = "" if c == "'" else quote
            i += 1
            continue
        if quote == '"':
            if c == "\\":
                out.append(text[i:i + 2])
                i += 2
                continue
            out.append(c)
            quote = "" if c == '"' else quote
            i += 1
            continue
        if c == "\\":
            out.append(text[i:i + 2])
            i += 2
        elif c in "'\"":
            quote = c
            out.append(c)
            i += 1
        elif c == "#" and word_start:
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("@$(", i):
            out.append("$(")
            i += 3
        elif text.startswith("@(", i):
            i = _balanced(text, i + 1, "(", ")")
            out.append('"$__xonsh_expr"')
        elif text.startswith(("$[", "![", "!("), i):
            close = "]" if text[i + 1] == "[" else ")"
            end = _balanced(text, i + 1, text[i + 1], close)
            out.append("$(" + shell_text(text[i + 2:end - 1], depth + 1) + ")")
            i = end
        elif text.startswith("${", i):
            i = _balanced(text, i + 1, "{", "}")
            out.append('"$__xonsh_env"')
        elif c == "`":
            k = len(out)
            while k > 0 and len(out) - k < 2 and out[k - 1] in ("g", "r", "p", "f"):
                k -= 1
            if k == 0 or out[k - 1][-1:] in " \t\n;|&(":
                del out[k:]  # g`...`, r`...`, p`...`: a glob either way
            end = text.find("`", i + 1)
            i = n if end < 0 else end + 1
            out.append('"$__xonsh_glob"')
        elif word_start and (m := _KEYWORD.match(text, i)):
            out.append(_KEYWORDS[m.group(1)])
            i = m.end()
        elif word_start and (m := _STREAM_MERGE.match(text, i)):
            out.append("2>&1" if m.group(1) else "1>&2")
            i = m.end()
        elif word_start and (m := _XONSH_REDIRECT.match(text, i)):
            out.append(_REDIRECT_AS[m.group(1)])
            i = m.end()
        else:
            out.append(c)
            i += 1
        word_start = not out or out[-1][-1:] in " \t\n;|&("
    return "".join(out)
