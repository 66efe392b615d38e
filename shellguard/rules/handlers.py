"""Handlers for programs that run other code: wrappers, shells, interpreters, database clients, ssh, find.

A program entry in a rule file names its handler (``handler = "exec"``) and gives
the handler its data (which options take a value, which option carries a script).
A handler returns findings, usually by handing the inner command back to the
classifier, or ``None`` to let the ordinary rules decide.
"""

from __future__ import annotations

import binascii
import itertools
import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from shellguard import payloads  # its regex tables compile on first use, not at start-up
from shellguard.lazy_re import LazyPattern
from shellguard.parse import SimpleCommand, Word
from shellguard.rules.engine import ArgvView, glob_any, program_name, switched_on
from shellguard.rules.schema import Program
from shellguard.verdict import Crud, Finding, Verdict

if TYPE_CHECKING:
    from shellguard.classify import Classifier, Context

__all__ = ["HANDLERS", "NETWORK_FETCHERS", "sql_findings", "stdin_text"]

Handler = Callable[["Classifier", tuple[Word, ...], Program, SimpleCommand, "Context", int],
                   "list[Finding] | None"]

#: Programs whose output is code from the network when piped into a shell.
NETWORK_FETCHERS = frozenset({"curl", "wget", "fetch", "aria2c", "http", "https", "xh", "lynx",
                              "httpie", "iwr", "invoke-webrequest", "gh"})
#: A word that names the descriptor bash opens for a redirection: `{fd}>log`.
_NAMED_FD = LazyPattern(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_FETCH_WORD = LazyPattern(r"\b(curl|wget|fetch|aria2c|https?|xh|iwr)\b")
_ASSIGNMENT = LazyPattern(r"^[A-Za-z_][A-Za-z0-9_]*=")
#: An expansion in a word's text: `$x`, `${x:-y}`, `$(cmd)`, `` `cmd` ``.
_EXPANSION = LazyPattern(r"\$\{[^}]*\}|\$\([^)]*\)|`[^`]*`|\$[A-Za-z_0-9@*#?!$-]\w*")


def _only_reports(part: str, name: str, option: str, does: str = "only reports") -> list[Finding]:
    """The finding for a program given an option after which it only reports (``mongosh
    --version``, ``ssh -V``: a program's ``read_only_options``)."""
    return [Finding(part, Crud.READ, f"{name} {option} {does}", rule_id=f"{name}.read-only")]


def _setting(program: Program, key: str, default):  # type: ignore[no-untyped-def]
    return program.settings.get(key, default)


def _session(part: str, name: str, why: str | None = None) -> list[Finding]:
    return [Finding(part, Crud.UPDATE, why or f"{name} opens an interactive session whose input "
                                              "shellguard does not see",
                    rule_id=f"{name}.session", confirm=True)]


def _remote_code(part: str, how: str) -> list[Finding]:
    return [Finding(part, Crud.UPDATE, f"runs code downloaded from the network ({how})",
                    rule_id="remote-code", confirm=True)]


def _unknown_code(part: str, what: str, crud: Crud = Crud.CREATE) -> list[Finding]:
    return [Finding(part, crud, f"runs {what}, whose effect the command line does not show",
                    source="heuristic", rule_id="unknown-code", confidence=0.4, confirm=True)]


def _quote(text: str) -> str:
    """Quote a word so that joining words and parsing them again gives the same words."""
    if text and re.fullmatch(r"[\w@%+=:,./{}*?\[\]~^-]+", text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"


def _part(words: tuple[Word, ...]) -> str:
    return " ".join(w.raw for w in words)


def _is_option(text: str) -> bool:
    return text.startswith("-") and text != "-"


def _echoed_text(cmd: SimpleCommand) -> str | None:
    """The fixed text that `echo` or `printf` (everything upstream) pipe into ``cmd``,
    also through `base64 -d` (`echo cm0gLXJmIHg= | base64 -d | sh` runs `rm -rf x`)."""
    upstream = list(cmd.upstream)
    decode = _decodes_base64(cmd)
    if decode:
        upstream.pop()
    feeders = [c for c in upstream if program_name(c.name) in ("echo", "printf")]
    if not feeders or len(feeders) != len(upstream) or any(
            w.dynamic for c in feeders for w in c.words):
        return None
    text = "\n".join(payloads.printf_text(c.argv) for c in feeders)
    if decode:
        try:
            text = binascii.a2b_base64("".join(text.split())).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
    return text


def stdin_text(cmd: SimpleCommand) -> str | None:
    """The text ``cmd`` reads on stdin when the line shows it: a here-doc or here-string
    (which wins over a pipe, as in the shell), else what echo/printf pipe in."""
    body = cmd.stdin_body
    return body if body is not None else _echoed_text(cmd)


def _names_option(text: str, options: set[str]) -> bool:
    """Is ``text`` one of ``options`` (with or without `=value`), or a cluster of short
    options holding one (`-lvp` for `-l`)?"""
    return text.split("=", 1)[0] in options or (
        text.startswith("-") and not text.startswith("--") and len(text) > 2
        and any(f"-{c}" in options for c in text[1:]))


def _attached_value(text: str, options: set[str], with_arg: frozenset[str]) -> str:
    """The value attached to one of the short ``options`` in ``text`` (`-Sx`, `-iSx`: the
    rest of the cluster), or "" (another option with a value comes first: `-uS`)."""
    if not text.startswith("-") or text.startswith("--"):
        return ""
    for k, c in enumerate(text[1:], start=1):
        if f"-{c}" in options:
            return text[k + 1:]
        if f"-{c}" in with_arg:
            return ""
    return ""


def _takes_next_word(text: str, with_arg: frozenset[str]) -> bool:
    """Is ``text`` a short-option cluster whose letter that takes a value ends it, so that
    the value is the next word (`ssh -ti KEY host`, `flock -xw 5 lock`), as getopt reads
    it? (`-p2222`, with the value attached, takes none.)"""
    if len(text) < 3 or text[0] != "-" or not text[1].isalpha():
        return False
    for k in range(1, len(text)):
        if f"-{text[k]}" in with_arg:
            return k == len(text) - 1
    return False


def _created(text: str, creates: dict[str, str], name: str, part: str,
             with_arg: frozenset[str] = frozenset()) -> list[Finding]:
    """The CREATE a `creates_options` entry names for the option ``text``: the option,
    the option with one value (`valgrind --tool=massif`), or a short one in a cluster
    or with its value attached (`ssh -vE log`, `-Elog`), read as getopt reads it."""
    said = text if text in creates else text.split("=", 1)[0]
    if said not in creates and len(text) > 2 and text[0] == "-" and text[1] != "-":
        for letter in text[1:]:
            if f"-{letter}" in creates:
                said = f"-{letter}"
                break
            if f"-{letter}" in with_arg:
                break
    if said not in creates:
        return []
    return [Finding(part, Crud.CREATE, f"{name} {said} {creates[said]}", rule_id=f"{name}.creates")]


def _decodes_base64(cmd: SimpleCommand) -> bool:
    last = cmd.upstream[-1] if cmd.upstream else None
    return last is not None and program_name(last.name) in ("base64", "gbase64") and any(
        arg in ("-d", "--decode", "-D") for arg in last.argv[1:])


def _hidden(findings: list[Finding], cmd: SimpleCommand) -> list[Finding]:
    """Text decoded before it runs keeps its class (CLASSES.md rule 9), and asks: a
    person reading the line does not see what it does."""
    if not _decodes_base64(cmd):
        return findings
    return [replace(f, reason=f"{f.reason} (decoded from base64)", confirm=True)
            for f in findings]


def _script_from_stdin(classifier: Classifier, part: str, cmd: SimpleCommand, ctx: Context,
                       depth: int, what: str) -> list[Finding] | None:
    """A shell or interpreter reading its program from stdin: here-doc, here-string or a pipe."""
    body = cmd.stdin_body
    if body is not None:
        return classifier.script(body, ctx, depth + 1, "nested")
    source = next((r for r in cmd.redirects if r.replaces_stdin and r.target), None)
    if source is not None and source.target is not None:      # `bash < x.sh`, `sh <&3`
        where = f"on descriptor {source.target.text}" if source.op == "<&" else f"in {source.target.text}"
        return _unknown_code(part, f"the {what} {where}")
    if cmd.upstream:
        names = {program_name(c.name) for c in cmd.upstream}
        if names & NETWORK_FETCHERS or any(_FETCH_WORD.search(c.text) for c in cmd.upstream):
            return _remote_code(part, f"piped into {what}")
        text = _echoed_text(cmd)
        if text is not None:
            return _hidden(classifier.script(text, ctx, depth + 1, "nested"), cmd)
        return _unknown_code(part, f"commands piped into {what}")
    return None


# -- exec: sudo, env, timeout, xargs, nohup, watch ... --------------------------

#: words after which the next one is code (`sh -c CODE`, `perl -e CODE`, `eval CODE`)
_CODE_OPTIONS = frozenset({"-c", "-e", "-E", "--command", "--eval", "-Command", "-r", "eval"})


def exec_handler(classifier: Classifier, words: tuple[Word, ...], program: Program,
                 cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding] | None:
    part = _part(words)
    name = program.name
    with_arg = program.options_with_arg
    session_flags = set(_setting(program, "session_flags", []))
    script_options = set(_setting(program, "script_options", []))
    split_options = set(_setting(program, "split_string_options", []))
    read_only = set(_setting(program, "read_only_options", []))
    on_process = set(_setting(program, "process_options", []))
    skip_assignments = bool(_setting(program, "skip_assignments", False))
    edit_options = set(_setting(program, "edit_options", []))
    creates: dict[str, str] = _setting(program, "creates_options", {})
    created: list[Finding] = []
    assigned: list[str] = []  # `env GIT_PAGER='rm x' git log`: checked as the shell's are
    # `xargs -I{} sh -c '{}'`: where the input goes, the words are only known at run time
    placeholders: set[str] = set(_setting(program, "input_placeholders", []))
    replace_options: list[str] = _setting(program, "replace_options", [])
    session = False
    edit = ""  # the sudoedit option, when given
    if _setting(program, "options_anywhere", False):
        # su/runuser: `su root -c 'cmd'` puts the script option after the user name
        # `script -c 'make' build.log` also writes its log (or ./typescript)
        writes = _setting(program, "writes_why", "")
        also = [Finding(part, Crud.CREATE, writes, rule_id=f"{name}.writes")] if writes else []
        for k, word in enumerate(words[1:], start=1):
            if word.text.split("=", 1)[0] in script_options:
                if "=" in word.text:
                    return classifier.script(word.text.split("=", 1)[1], ctx, depth + 1,
                                             "nested") + also
                if k + 1 < len(words):
                    return _payload(classifier, words[k + 1], part, ctx, depth) + also
        bare = Crud.parse(_setting(program, "bare_class", "UPDATE"))
        return [Finding(part, bare, _setting(program, "bare_why", f"{name} opens a session"),
                        rule_id=f"{name}.session", confirm=True)]
    i = 1
    while i < len(words):
        text = words[i].text
        if text == "--":
            i += 1
            break
        if _is_option(text):
            key = text.split("=", 1)[0]
            if key in read_only:
                return _only_reports(part, name, key)
            if key in program.dry_run and ("=" not in text or switched_on(text.split("=", 1)[1])):
                # `parallel --dry-run rm {} ::: *.log` prints the commands it would run
                return [Finding(part, Crud.READ, f"{name} {key} only prints what it would run",
                                rule_id=f"{name}.dry-run")]
            if _names_option(text, on_process):
                return _process_findings(words, i, program, part)
            created += _created(text, creates, name, part, with_arg)
            if key in edit_options:
                edit = key
            attached = _attached_value(text, split_options, with_arg)
            if key in split_options or attached:
                # `env -S 'A=1 git' reset --hard`: the string is split into words that
                # go before the rest (also `-S'...'` and `-iS'...'`, the value attached)
                at = i + 1 if "=" in text or attached else i + 2
                if at > len(words) or any(w.dynamic for w in words[at - 1:]):
                    return None
                head = attached or (text.split("=", 1)[1] if "=" in text else words[i + 1].text)
                return classifier.script(" ".join((head, *(_quote(w.text) for w in words[at:]))),
                                         ctx, depth + 1, "nested")
            if key in script_options:
                if "=" in text:
                    return classifier.script(text.split("=", 1)[1], ctx, depth + 1, "nested")
                if i + 1 < len(words):
                    return _payload(classifier, words[i + 1], part, ctx, depth)
                return None
            if _names_option(text, session_flags):
                session = True
            for option in replace_options:
                if text == option:
                    taken = option in with_arg and i + 1 < len(words)
                    placeholders.add(words[i + 1].text if taken else "{}")
                elif text.startswith(option + "=") or (
                        not option.startswith("--") and text.startswith(option)):
                    placeholders.add(text[len(option):].lstrip("=") or "{}")
            if (key in with_arg and "=" not in text) or _takes_next_word(text, with_arg):
                i += 2
                continue
            i += 1
            continue
        if skip_assignments and _ASSIGNMENT.match(text):
            assigned.append(text)
            i += 1
            continue
        break
    rest = words[i:]
    rest = rest[int(_setting(program, "leading_operands", 0)):]
    if placeholders:
        # the input as the program, or as the code a shell runs (`sh -c '{}'`), is code
        # only known at run time; elsewhere (`wc -l {}`) it is data
        rest = tuple(Word(w.text, w.raw, True, w.procsub)
                     if (k == 0 or rest[k - 1].text in _CODE_OPTIONS)
                     and any(p and w.text.startswith(p) for p in placeholders) else w
                     for k, w in enumerate(rest))
    command_after = _setting(program, "command_after", "")
    cuts = [k for k, w in enumerate(rest) if w.text == command_after] if command_after else []
    if cuts:
        # `zargs -- *.log -- rm`: the command follows the last separator, and the words
        # before it are its arguments
        rest = rest[cuts[-1] + 1:] + rest[:cuts[-1]]
    stop_at = _setting(program, "stop_at", "")
    if stop_at:
        cut = next((k for k, w in enumerate(rest) if w.text == stop_at), None)
        if cut is not None:
            # `parallel gzip ::: *.log`: the words after ::: are the command's arguments
            rest = rest[:cut] + tuple(w for w in rest[cut + 1:] if w.text not in (":::", "::::"))
        elif rest and _setting(program, "appends_input_without_stop", False) and not any(
                p and p in w.text for w in rest for p in placeholders):
            # `ls *.txt | parallel gzip`: with neither ::: nor a {}, each input line is
            # the command's argument, as xargs hands it on
            rest = tuple(rest) + (Word("INPUT", "INPUT"),)
    if edit and rest:
        # `sudo -e /etc/hosts` is sudoedit: the operands are files opened in an editor
        return [Finding(part, Crud.UPDATE, f"{name} {edit} opens {rest[0].text} in an editor",
                        rule_id=f"{name}.edit")]
    log = _setting(program, "writes_unless_redirected", "")
    if log and rest and not any(r.writes and r.fd in ("", "1") for r in cmd.redirects):
        # `nohup make &` at a terminal: the output goes to ./nohup.out
        crud, why = classifier._write_targets([log], Crud.CREATE,
                                              f"{name} writes the command's output to {log}", ctx)
        created.append(Finding(part, crud, why, rule_id=f"{name}.output"))
    if assigned and rest:
        cmd = SimpleCommand(rest, tuple(assigned), cmd.redirects, cmd.text, cmd.upstream,
                            cmd.context)
    return created + _exec_rest(classifier, part, program, rest, session, cmd, ctx, depth)


def _exec_rest(classifier: Classifier, part: str, program: Program, rest: tuple[Word, ...],
               session: bool, cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding]:
    """What a wrapper runs: its command, or what it does with none."""
    name = program.name
    redirects = cmd.redirects
    if _setting(program, "named_descriptors", False):
        # `exec {fd}>log`: bash opens a descriptor and puts its number in $fd (the
        # grammar leaves `{fd}` as a word, and the redirection without a descriptor)
        named = tuple(itertools.takewhile(lambda w: _NAMED_FD.fullmatch(w.raw) is not None, rest))
        rest = rest[len(named):]
        redirects = redirects[len(named):]
    if not rest:
        if session:
            return _session(part, name, f"{name} opens an interactive shell")
        if _setting(program, "bare_stdin_is_code", False) and any(
                r.replaces_stdin for r in redirects):
            # `exec < x.sh`: the interactive shell then runs what it reads from there
            return _unknown_code(part, f"the commands {name} makes the shell read from "
                                 "its new input", Crud.UPDATE)
        bare = _setting(program, "bare_class", "READ")
        why = _setting(program, "bare_why", f"{name} with no command only reports")
        return [Finding(part, Crud.parse(bare), why, rule_id=f"{name}.bare",
                        confirm=Crud.parse(bare) != Crud.READ)]
    if _setting(program, "appends_input", False):
        # xargs/parallel hand their input to the command as more arguments
        rest = tuple(rest) + (Word("INPUT", "INPUT"),)
    if _setting(program, "join_operands", False):
        if any(w.dynamic for w in rest):
            return _unknown_code(part, f"a command that {name} builds at run time")
        as_script = _setting(program, "operand_is_script", False)
        found = classifier.script(" ".join(_quote(w.text) for w in rest) if len(rest) > 1
                                  and not as_script else " ".join(w.text for w in rest),
                                  ctx, depth + 1, "nested")
        if (as_script and len(rest) > 1 and _setting(program, "operands_also_as_words", False)
                and not any(c.isspace() for c in rest[0].text)):
            # GNU parallel joins the words into a shell line, moreutils' parallel runs them
            # as they are: `parallel bash -c 'git reset --hard' ::: x` is one or the other
            # (a first word with spaces names no program to run)
            found += classifier.script(" ".join(_quote(w.text) for w in rest), ctx, depth + 1,
                                       "nested")
        return found
    if cmd.assignments and cmd.words == rest:
        # the wrapper's VAR=value words, which may name code the program runs
        return classifier.command(cmd, ctx, depth + 1)
    return classifier.argv(rest, cmd, ctx, depth + 1)


def _process_findings(words: tuple[Word, ...], at: int, program: Program,
                      part: str) -> list[Finding]:
    """`ionice -p 1234`, `chrt -p 1234`, `taskset -p 1234`: no command runs; a running
    process's setting is shown, or changed when a setting is given too."""
    name = program.name
    setters = set(_setting(program, "process_setters", []))
    operands: list[str] = []
    skip = False
    for word in words[1:]:
        text = word.text
        if skip:
            skip = False
        elif _is_option(text):
            key = text.split("=", 1)[0]
            if key in setters or (not text.startswith("--") and text[:2] in setters):
                # `ionice -c 3 -p 1234`: the setting comes as an option
                return [Finding(part, Crud.UPDATE, f"{name} changes a running process",
                                rule_id=f"{name}.process")]
            skip = key in program.options_with_arg and "=" not in text
        else:
            operands.append(text)
    if _setting(program, "value_before_pid", False) and len(operands) > 1:
        # `chrt -p 10 1234`, `taskset -cp 0,2 1234`: a value before the pid sets it
        return [Finding(part, Crud.UPDATE, f"{name} changes a running process",
                        rule_id=f"{name}.process")]
    return [Finding(part, Crud.READ, f"{name} {words[at].text} only shows a running process's "
                                     "setting", rule_id=f"{name}.process-show")]


def _payload(classifier: Classifier, word: Word, part: str, ctx: Context,
             depth: int) -> list[Finding]:
    """A script handed over as one word (`bash -c '...'`, `su -c '...'`)."""
    if word.dynamic:
        if _FETCH_WORD.search(word.raw):
            return _remote_code(part, "a shell runs what curl or wget printed")
        inner = classifier.script(word.text, ctx, depth + 1, "nested")
        return inner + _unknown_code(part, f"a script only known at run time ({word.raw})")
    return classifier.script(word.text, ctx, depth + 1, "nested")


# -- shells: bash -c, sh script.sh, curl | sh ----------------------------------


def shell_handler(classifier: Classifier, words: tuple[Word, ...], program: Program,
                  cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding] | None:
    part = _part(words)
    name = program.name
    with_arg = program.options_with_arg
    read_only = set(_setting(program, "read_only_options", []))
    wants_script = False
    from_stdin = False  # `bash -s -- args`: the script comes on stdin
    checks_only = ""    # -n: parse, run nothing (bash ignores it in an interactive shell;
    interactive = False  # +n turns it off again)
    i = 1
    while i < len(words):
        text = words[i].text
        if text in ("--", "-"):     # a lone `-` ends the options too (`curl ... | bash -`)
            i += 1
            break
        if text.startswith(("-", "+")) and len(text) > 1:
            short = text[0] == "-" and text[1] != "-"
            # (-n also inside a cluster: `bash -xn deploy.sh` only parses it too)
            if text in read_only or (short and any(f"-{c}" in read_only for c in text[1:])):
                checks_only = checks_only or text
            elif text[0] == "+" and any(f"-{c}" in read_only for c in text[1:]) or text in (
                    "+o", "--noexec=false"):
                checks_only = ""
            interactive |= (short and "i" in text) or text == "--interactive"
            if text in with_arg:
                i += 2
                continue
            if not text.startswith("--") and "c" in text[1:]:
                wants_script = True
            if not text.startswith("--") and "s" in text[1:]:
                from_stdin = True
            i += 1
            continue
        break
    if checks_only and not interactive:
        return _only_reports(part, name, checks_only, "only checks or reports")
    rest = words[i:] if not from_stdin else ()
    if wants_script:
        if not rest:
            return _unknown_code(part, f"{name} -c with no script")
        return _payload(classifier, rest[0], part, ctx, depth)
    if rest:
        script = rest[0]
        if script.procsub:
            if _FETCH_WORD.search(script.raw):
                return _remote_code(part, f"{name} <(...)")
            return _unknown_code(part, f"a script produced by {script.raw}", Crud.UPDATE)
        guess = classifier.unknown(tuple(w.text for w in rest), part, False)
        return [Finding(part, guess[0].crud, f"runs the script {script.text}, whose effect the "
                                             "command line does not show",
                        source=guess[0].source, rule_id="shell.script", confidence=0.4,
                        confirm=True)]
    fed = _script_from_stdin(classifier, part, cmd, ctx, depth, name)
    if fed is not None:
        return fed
    return _session(part, name, f"{name} starts an interactive shell")


# -- interpreters: python -c, node -e, perl -pi -e ------------------------------


def _interpreter_mode(words: tuple[Word, ...], program: Program) -> tuple[str, str] | None:
    """("session" | "confirm", why) when an option before the script changes what runs:
    one of the program's ``session_options`` (a REPL or debugger whose later input
    shellguard never sees, CLASSES.md rule 7) or ``confirm_options`` (code the line does
    not show, rule 8)."""
    sessions: dict[str, str] = _setting(program, "session_options", {})
    confirms: dict[str, str] = _setting(program, "confirm_options", {})
    with_arg = program.options_with_arg
    i = 1
    while i < len(words):
        text = words[i].text
        if text == "--" or not _is_option(text):
            return None
        key = text.split("=", 1)[0]
        if key in confirms:
            return "confirm", confirms[key]
        for option, why in sessions.items():
            # `perl -de0` is the debugger too; `perl -d:NYTProf` is a profiler, not a session
            if key == option or (len(option) == 2 and text.startswith(option)
                                 and text[2:3] != ":"):
                return "session", why
        i += 2 if key in with_arg and "=" not in text else 1
    return None


def interpreter_handler(classifier: Classifier, words: tuple[Word, ...], program: Program,
                        cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding] | None:
    mode = _interpreter_mode(words, program)
    if mode is None:
        return _interpreter_run(classifier, words, program, cmd, ctx, depth)
    how, why = mode
    part = _part(words)
    if how == "confirm":
        return [Finding(part, Crud.READ, why, rule_id=f"{program.name}.runs-code", confidence=0.8,
                        confirm=True)]
    # `python -i script.py`: the script runs, then the session starts
    ran = _interpreter_run(classifier, words, program, cmd, ctx, depth) or []
    return [f for f in ran if f.rule_id != f"{program.name}.session"] + _session(part, program.name,
                                                                                  why)


#: a script file an interpreter runs (`vol.py`, `tool.pl`), not an installed command
_SCRIPT_FILE = LazyPattern(r"\.(py|pl|rb|php|js|mjs|cjs|ts|lua|tcl|r|R|jl)$")

def _perl_cluster(letters: str) -> tuple[str, bool]:
    """A perl or ruby switch cluster (`-0pi`, `-lane`, `-0777ne`, `-i.bak`) as read:
    its letters without the digits -0 and -l take (`-0pe` is -0, -p, -e), and whether
    it holds -i. A switch that takes the rest of the word as its value (`-Mstrict`,
    `-Ilib`, `-F,`, -i's backup suffix) ends the cluster, kept as written."""
    kept: list[str] = []
    i = 0
    while i < len(letters):
        letter = letters[i]
        if letter in "MmIFxdDrCEWTKi":
            kept.append(letters[i:])
            return "".join(kept), letter == "i"
        if letter != "0":       # (-0 is no letter: `-0pe` is a cluster of switches)
            kept.append(letter)
        i += 1
        if letter == "0" and letters[i:i + 1] in ("x", "X"):
            i += 1
            while i < len(letters) and letters[i] in "0123456789abcdefABCDEF":
                i += 1
        elif letter in "0l":
            while i < len(letters) and letters[i] in "01234567":
                i += 1
    return "".join(kept), False


def _interpreter_run(classifier: Classifier, words: tuple[Word, ...], program: Program,
                     cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding] | None:
    part = _part(words)
    name = program.name
    language = _setting(program, "language", name)
    code_options = set(_setting(program, "code_options", ["-c"]))
    module_option = _setting(program, "module_option", "")
    read_only = set(_setting(program, "read_only_options", []))
    with_arg = program.options_with_arg
    inplace = False
    code: Word | None = None
    i = 1
    while i < len(words):
        text = words[i].text
        if text == "--":
            i += 1
            break
        if not _is_option(text):
            break
        if text in read_only:
            return _only_reports(part, name, text)
        if module_option and text.startswith(module_option):
            module = text[len(module_option):] or (words[i + 1].text if i + 1 < len(words) else "")
            first = i + 1 if text != module_option else i + 2
            inner = (Word(module, module),) + tuple(words[first:])
            if not module:
                return None
            code_modules: dict[str, list[str]] = _setting(program, "code_modules", {})
            if module in code_modules:
                return _module_code(classifier, tuple(words[first:]), code_modules[module],
                                    language, part, ctx, depth)
            return classifier.argv(inner, cmd, ctx, depth + 1)
        letters = text[1:] if not text.startswith("--") else ""
        if language in ("perl", "ruby"):
            letters, edits = _perl_cluster(letters)
            inplace = inplace or edits
        if text in code_options or (letters and letters[-1:] in {o.lstrip("-") for o in
                                                                 code_options if len(o) == 2}
                                    and letters.isalpha()):
            if i + 1 < len(words):
                code = words[i + 1]
                i += 2
                if language in ("perl", "ruby") and inplace is False:
                    continue
                break
        if text in with_arg:
            i += 2
            continue
        i += 1
    findings: list[Finding] = []
    if inplace:
        findings.append(Finding(part, Crud.UPDATE, f"{name} -i edits files in place",
                                rule_id=f"{name}.in-place"))
    if code is not None:
        findings.extend(_code(classifier, code, language, part, ctx, depth))
        return findings
    rest = words[i:]
    if rest and rest[0].text == "-":  # `python3 -`: the program comes on stdin
        rest = ()
    if rest:
        if findings:
            return findings
        script = rest[0]
        if script.procsub and _FETCH_WORD.search(script.raw):
            return _remote_code(part, f"{name} <(...)")
        inner = tuple(rest)
        if ("." not in script.text and "/" not in script.text
                and script.text not in _setting(program, "known_scripts", [])):
            # `python foo`: a script file named foo, not the program of the same name
            guess = classifier.unknown(tuple(w.text for w in rest), part, False)[0]
            return [Finding(part, guess.crud, f"runs the script {script.text}, whose effect the "
                                              "command line does not show", source=guess.source,
                            rule_id=f"{name}.script", confidence=0.4, confirm=True)]
        nested = classifier.argv(inner, cmd, ctx, depth + 1)
        if any(f.rule_id.startswith("heuristic") for f in nested):
            crud = max(f.crud for f in nested)
            return [Finding(part, crud, f"runs the program {script.text}, whose effect the "
                                        "command line does not show", source="heuristic",
                            rule_id=f"{name}.script", confidence=0.4, confirm=True)]
        if (_SCRIPT_FILE.search(script.text)
                and script.text not in _setting(program, "reading_scripts", [])
                and not any(f.confirm or f.crud != Crud.READ for f in nested)):
            # a tool's script file run from a checkout (`python3 vol.py`): its code is
            # whatever that copy holds (CLASSES.md rule 8)
            return [replace(f, confirm=True) for f in nested]
        return nested
    if findings:
        return findings
    fed = _script_from_stdin(classifier, part, cmd, ctx, depth, name)
    if fed is not None:
        if fed and fed[0].rule_id != "remote-code" and cmd.stdin_body is not None:
            return _code_text(classifier, cmd.stdin_body, language, part, ctx, depth)
        return fed
    return _session(part, name, f"{name} starts an interactive interpreter")


def _module_code(classifier: Classifier, args: tuple[Word, ...], options: list[str],
                 language: str, part: str, ctx: Context, depth: int) -> list[Finding]:
    """`python -m timeit -s 'import os' 'os.system(...)'`: the module runs its operands
    and its setup option's value as code; ``options`` take a value (the first two, -s and
    --setup, are code too)."""
    setup = set(options[:2])
    code: list[Word] = []
    k = 0
    while k < len(args):
        key, eq, value = args[k].text.partition("=")
        if key in options:
            if eq:
                if key in setup:
                    code.append(Word(value, value, args[k].dynamic))
            elif k + 1 < len(args):
                if key in setup:
                    code.append(args[k + 1])
                k += 1
        elif not _is_option(args[k].text):
            code.append(args[k])
        k += 1
    findings: list[Finding] = []
    for word in code:
        findings.extend(_code(classifier, word, language, part, ctx, depth))
    return findings or [Finding(part, Crud.READ, "times an empty statement",
                                rule_id="python.timeit")]


def _code(classifier: Classifier, code: Word, language: str, part: str, ctx: Context,
          depth: int) -> list[Finding]:
    if code.dynamic and _FETCH_WORD.search(code.raw):
        return _remote_code(part, f"{language} runs downloaded code")
    return _code_text(classifier, code.text, language, part, ctx, depth)


def _existing_file(literals: tuple[str, ...], ctx: Context) -> str | None:
    """The first of the paths code that writes files may name that is a file which exists
    (when the code only reads it, the class is one too high; it asks anyway)."""
    for text in literals:
        exists, is_file = ctx.exists(text)
        if exists and is_file:
            return text
    return None


def _code_text(classifier: Classifier, text: str, language: str, part: str, ctx: Context,
               depth: int) -> list[Finding]:
    findings: list[Finding] = []
    for effect in payloads.code_effects(text, language):
        if effect.shell is not None:
            findings.extend(classifier.script(effect.shell, ctx, depth + 1, "nested"))
        else:
            crud, reason = effect.crud, effect.reason
            existing = _existing_file(effect.literals, ctx)
            if effect.empties:
                # emptied if it is there (DELETE), else a new empty file
                crud = Crud.DELETE if existing is not None else Crud.CREATE
            elif existing is not None:  # CLASSES.md rule 5: overwriting a file is UPDATE
                crud = Crud.UPDATE
                reason = reason.replace("creates files", f"overwrites {existing}, which exists", 1)
            findings.append(Finding(part, crud, reason, rule_id=f"{language}.api",
                                    confidence=0.8, confirm=True))
    findings.append(Finding(part, Crud.READ, f"runs inline {language} code; only what it visibly "
                                             "does is known", rule_id=f"{language}.inline",
                            confidence=0.5, confirm=True))
    return findings


# -- SQL clients: psql -c, mysql -e, sqlite3 db "..." -------------------------------


def _split_short_clusters(words: tuple[Word, ...], valued: set[str]) -> tuple[Word, ...]:
    """``-tAc SQL`` as ``-t -A -c SQL``; the first letter that takes a value takes the
    rest of the word (``-cSELECT``) or the next word. Values are never split."""
    out = [words[0]]
    takes_next = False
    for word in words[1:]:
        text = word.text
        if takes_next or word.dynamic or len(text) < 3 or text[0] != "-" or text[1] == "-" \
                or not text[1].isalpha():
            takes_next = not takes_next and text in valued
            out.append(word)
            continue
        for k in range(1, len(text)):
            option = "-" + text[k]
            out.append(Word(option, option))
            if option in valued:
                rest = text[k + 1:]
                if rest:
                    out.append(Word(rest, rest))
                takes_next = not rest
                break
        else:
            takes_next = False
    return tuple(out)


def sql_handler(classifier: Classifier, words: tuple[Word, ...], program: Program,
                cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding] | None:
    part = _part(words)
    name = program.name
    sql_options = set(_setting(program, "sql_options", []))
    file_options = set(_setting(program, "file_options", []))
    output_options = set(_setting(program, "output_options", []))
    # `sqlcmd -q SQL`: runs the SQL, then stays in an interactive session
    session_options: dict[str, str] = _setting(program, "session_options", {})
    stays: list[str] = []
    # `sqlite3 -cmd SQL db`: run before the main statements (or before the session)
    setup_options = set(_setting(program, "setup_sql_options", []))
    setup: list[Word] = []
    read_only = set(_setting(program, "read_only_options", []))
    operand_index = _setting(program, "sql_operand", -1)
    outputs: list[str] = []
    with_arg = program.options_with_arg
    statements: list[Word] = []
    files: list[str] = []
    operands: list[Word] = []
    if not program.single_dash_long:
        # `psql -tAc 'SELECT 1'`, `mysql -Bse '...'`: one option word per letter
        words = _split_short_clusters(words, sql_options | file_options | output_options
                                      | setup_options | set(with_arg))
    i = 1
    while i < len(words):
        text = words[i].text
        key, eq, value = text.partition("=")
        if _is_option(text):
            if key in read_only:
                return _only_reports(part, name, key, "only lists or reports")
            if key in session_options:
                stays.append(session_options[key])
            if key in sql_options or key in file_options:
                target = statements if key in sql_options else files
                if eq and key.startswith("--"):
                    target.append(Word(value, value) if target is statements else value)
                elif len(text) > 2 and not text.startswith("--") and key == text and text[:2] in (
                        sql_options | file_options):
                    pass
                elif i + 1 < len(words):
                    target.append(words[i + 1] if target is statements else words[i + 1].text)
                    i += 1
            elif key in setup_options and eq:
                setup.append(Word(value, value))     # `--init-command='DROP TABLE t'`
            elif key in setup_options and i + 1 < len(words):
                setup.append(words[i + 1])
                i += 1
            elif key in output_options:
                # `psql -c 'SELECT ...' -o out.txt`: the results go to a file
                if eq:
                    outputs.append(value)
                elif i + 1 < len(words):
                    outputs.append(words[i + 1].text)
                    i += 1
            elif (text[:2] in sql_options and len(text) > 2 and not text.startswith("--")
                  and not program.single_dash_long):  # (`duckdb -csv` is not `-c sv`)
                rest = text[2:]
                statements.append(Word(rest, rest))
            elif key in with_arg and not eq:
                i += 1
            i += 1
            continue
        operands.append(words[i])
        i += 1
    if operand_index >= 0 and len(operands) > operand_index:
        # sqlite3 runs every operand after the database, one after the other
        last = None if _setting(program, "sql_operand_rest", False) else operand_index + 1
        statements.extend(operands[operand_index:last])
    written = [Finding(part, Crud.CREATE, f"{name} writes its output to {target}",
                       rule_id=f"{name}.output")
               for target in outputs if target not in ("-", "/dev/null", "/dev/stdout")]
    def shell(command: str) -> list[Finding]:
        return classifier.script(command, ctx, depth + 1, "nested")

    first = sql_findings(part, name, setup, shell)  # -cmd SQL runs before anything else
    if files:  # (`sqlite3 -init setup.sql db 'SELECT 1'` runs both)
        first += _unknown_code(part, f"the SQL in {files[0]}", Crud.UPDATE)
    if statements:
        return (first + written + sql_findings(part, name, statements, shell)
                + [f for why in stays[:1] for f in _session(part, name, why)])
    if files:
        return first
    body = cmd.stdin_body
    if body is not None:
        return first + sql_findings(part, name, [Word(body, body)], shell)
    text = _echoed_text(cmd)
    if text is not None:  # `echo 'DROP TABLE t' | psql app`: the SQL is on the line
        return first + _hidden(sql_findings(part, name, [Word(text, text)], shell), cmd)
    if cmd.stdin_fed:
        return first + _unknown_code(part, f"SQL fed to {name} on stdin", Crud.UPDATE)
    return first + _session(part, name)


def sql_findings(part: str, name: str, statements: list[Word],
                  shell: Callable[[str], list[Finding]]) -> list[Finding]:
    """The statements' findings; ``shell`` classifies a command a shell escape runs."""
    findings: list[Finding] = []
    for word in statements:
        if word.dynamic:
            # The visible statements are the best guess of the class (`DROP TABLE $t`
            # deletes), and it asks: a value may hold more SQL. Read both with the
            # expansions as values and as written (`$$` may be SQL's dollar quote).
            visible = (payloads.sql_effects(_EXPANSION.sub("sg_value", word.text))
                       + payloads.sql_effects(word.text))
            best = max((e.crud for e in visible if e.shell is None), default=Crud.UPDATE)
            findings.extend(_unknown_code(part, f"SQL built at run time ({word.raw})", best))
            escapes = dict.fromkeys(e.shell for e in visible if e.shell is not None)
            findings.extend(f for escape in escapes if escape for f in shell(escape))
            continue
        for e in payloads.sql_effects(word.text):
            # (a shell escape is its command's findings, as in _code_text)
            findings.extend(shell(e.shell) if e.shell is not None else
                            [Finding(part, e.crud, e.reason, rule_id=f"{name}.sql", confidence=0.9)])
    return findings


def mongo_handler(classifier: Classifier, words: tuple[Word, ...], program: Program,
                  cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding] | None:
    part = _part(words)
    name = program.name
    code_options = set(_setting(program, "code_options", ["--eval"]))
    read_only = set(_setting(program, "read_only_options", []))
    said = next((w.text for w in words[1:] if w.text in read_only), None)
    if said is not None:
        return _only_reports(part, name, said)
    def run(code: str) -> list[Finding]:
        return [Finding(part, e.crud, e.reason, rule_id=f"{name}.eval", confidence=0.85)
                for e in payloads.mongo_effects(code)]

    found: list[Finding] = []
    for i, word in enumerate(words[1:], start=1):
        key, eq, value = word.text.partition("=")
        if key in code_options:
            # (each --eval runs, in order)
            found += run(value if eq else (words[i + 1].text if i + 1 < len(words) else ""))
    body = cmd.stdin_body
    if not found and body is not None:
        return run(body)
    if any(not _is_option(w.text) and w.text.endswith(".js") for w in words[1:]):
        found += _unknown_code(part, "a Mongo script file", Crud.UPDATE)
    if not found:
        return _session(part, name)
    if any(w.text in _setting(program, "session_flags", []) for w in words[1:]):
        found += _session(part, name)  # `--shell`: a session after the code
    return found


# -- ssh host 'cmd' -----------------------------------------------------------------


#: `ssh -O CMD host`: a request to a running control master, not a session. `check` only
#: asks; the others stop it or change its forwardings.
_SSH_CONTROL = {"check": Crud.READ, "exit": Crud.UPDATE, "stop": Crud.UPDATE,
                "forward": Crud.UPDATE, "cancel": Crud.UPDATE, "proxy": Crud.UPDATE}

#: ssh -o options whose value is a command run on this machine (RemoteCommand: there).
_SSH_COMMAND_OPTIONS = {"proxycommand", "localcommand", "knownhostscommand", "remotecommand"}


def remote_handler(classifier: Classifier, words: tuple[Word, ...], program: Program,
                   cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding] | None:
    part = _part(words)
    name = program.name
    with_arg = program.options_with_arg
    read_only = set(_setting(program, "read_only_options", []))
    creates: dict[str, str] = _setting(program, "creates_options", {})
    created: list[Finding] = []
    no_command = False
    # `pdsh -w web[1-4] uptime`: the hosts come with options, every operand is the command
    host: int | None = 0 if _setting(program, "hosts_from_options", False) else None
    local: list[tuple[str, str]] = []
    i = 1
    while i < len(words):
        text = words[i].text
        if text == "--":
            i += 1
            break
        created += _created(text, creates, name, part, with_arg)
        if not _is_option(text):
            if host is not None:
                break
            # OpenSSH reads options after the host too (`ssh db -N -L ...`); the command
            # starts at the first word after the host that is not one.
            host = i
            i += 1
            continue
        if text in read_only:
            return _only_reports(part, name, text)
        if text.startswith("-O") and name in ("ssh", "autossh"):
            request = text[2:] or (words[i + 1].text if i + 1 < len(words) else "")
            crud = _SSH_CONTROL.get(request, Crud.UPDATE)  # an unknown request asks
            return [Finding(part, crud, f"{name} -O {request} sends a request to a running "
                                        "control master", rule_id=f"{name}.control")]
        if text.startswith("-W") and name in ("ssh", "autossh"):
            no_command = True  # `ssh -W %h:%p bastion`: forwards stdio, runs nothing
        if text.startswith("-o"):  # `-o ProxyCommand='sh -c ...'`: a command run here
            option = text[2:] or (words[i + 1].text if i + 1 < len(words) else "")
            key, _, value = option.replace("=", " ", 1).partition(" ")
            if key.lower() in _SSH_COMMAND_OPTIONS and value.strip():
                local.append((key, value.strip()))
        if "N" in text[1:] and not text.startswith("--"):
            no_command = True
        if text in with_arg or _takes_next_word(text, with_arg):
            i += 2
            continue
        i += 1
    if host is None and i < len(words):
        host = i  # `ssh -- host command`
        i += 1
    rest = words[i:] if host is not None else ()
    body = cmd.stdin_body
    if rest and body is not None and not any(w.dynamic for w in rest):
        # `ssh host 'bash -s' <<'EOF'`: the here-doc is the remote command's stdin, so
        # it is read as that command's own (a shell runs it as its script)
        end = "SHELLGUARD_EOF"
        while end in body:
            end += "_"
        rest = (Word(f"{' '.join(w.text for w in rest)} <<'{end}'\n{body}\n{end}",
                     "<remote command with its here-doc>"),)
    elif host is not None and not rest and body is not None and not no_command:
        # `ssh host <<'EOF'`: no command, so the login shell reads the here-doc as its script
        rest = (Word(body, "<here-doc>"),)
    if local:
        found = [Finding(f.part, f.crud, f"{f.reason} (the {key} {name} runs)", f.source,
                         f.rule_id, f.confidence, f.confirm)
                 for key, value in local
                 for f in classifier.script(value, ctx, depth + 1, "nested")]
        return created + found + _remote_rest(classifier, part, name, rest, no_command, ctx,
                                              depth)
    return created + _remote_rest(classifier, part, name, rest, no_command, ctx, depth)


def _remote_rest(classifier: Classifier, part: str, name: str, rest: tuple[Word, ...],
                 no_command: bool, ctx: Context, depth: int) -> list[Finding]:
    """What the remote end runs: a session, a tunnel, or the command after the host."""
    if not rest:
        if no_command:
            return [Finding(part, Crud.READ, f"{name} -N or -W only forwards a connection",
                            rule_id=f"{name}.tunnel")]
        return _session(part, name, f"{name} opens a remote session whose input shellguard "
                                    "does not see")
    if any(w.dynamic for w in rest):
        nested = classifier.script(" ".join(w.text for w in rest), ctx, depth + 1, "nested")
        return nested + _unknown_code(part, "a remote command built at run time", Crud.READ)
    return classifier.script(" ".join(w.text for w in rest), ctx, depth + 1, "nested")


# -- find -delete / -exec ------------------------------------------------------------

#: (find's ``reads_unless`` in runners.toml names these and -delete: a test holds it to them)
_FIND_WRITES = {"-fprint", "-fprint0", "-fls", "-fprintf"}
_FIND_EXEC = {"-exec", "-execdir", "-ok", "-okdir"}
_FIND_DELETE = {"-delete", "-rm"}     # (-rm: bfs's)


#: A dotenv line that only sets a variable: no command, no substitution.
_PLAIN_ASSIGNMENT = LazyPattern(
    r"""(export\s+)?[A-Za-z_][A-Za-z0-9_]*=("(?:[^"`\\$]|\\.|\$(?![({]))*"|'[^']*'"""
    r"""|(?:[^\s'"`$;&|<>()\\]|\$(?![({]))*)\s*(#.*)?""")
_MAX_SOURCED_BYTES = 1 << 16


def source_handler(classifier: Classifier, words: tuple[Word, ...], program: Program,
                   cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding] | None:
    """`source .env`: a dotenv file is session state (CLASSES.md rule 3) while every line
    of it only sets a variable; anything else in it runs, so its text is classified and
    the line asks. Other files are left to the rules."""
    target = words[1] if len(words) > 1 else None
    if target is None or not glob_any(tuple(_setting(program, "dotenv_files", [])), target.text):
        return None
    if target.dynamic:
        # (a file named at run time cannot be read now: what it holds may run)
        return [Finding(_part(words), Crud.READ, f"loads {target.raw} into the current shell "
                        "session; which file, and so what runs, is only known at run time",
                        rule_id="source.dotenv-unknown", confidence=0.5, confirm=True)]
    try:
        with open(ctx.resolve(target.text), encoding="utf-8", errors="replace") as fh:
            text = fh.read(_MAX_SOURCED_BYTES + 1)
    except OSError:
        return None  # sourcing fails: nothing runs
    finally:
        ctx.fs_dependent = True
    part = _part(words)
    if len(text) > _MAX_SOURCED_BYTES:
        return _unknown_code(part, f"the shell code in {target.text}")
    lines = (line.strip() for line in text.splitlines())
    if all(not line or line.startswith("#") or _PLAIN_ASSIGNMENT.fullmatch(line) for line in lines):
        return [Finding(part, Crud.READ, f"loads the variables of {target.text} into the "
                                         "current shell session", rule_id="source.dotenv")]
    found = [replace(f, reason=f"{f.reason} (in {target.text})", confirm=True)
             for f in classifier.script(text, ctx, depth + 1, "nested")]
    return found or _unknown_code(part, f"the shell code in {target.text}")


def alias_handler(classifier: Classifier, words: tuple[Word, ...], program: Program,
                  cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding] | None:
    """`alias ls='rm -rf build'`: later lines that name a program the rules know would
    run the alias's text instead (the shells send their aliases with each line, but a
    line pasted with the definition still looks like `ls`). An alias whose text does
    worse than the program it shadows takes the class of its text and asks, as a
    function that shadows a program does; any other is left to the rules (session
    state)."""
    found: list[Finding] = []
    # zsh's `alias -g X='| rm -rf x'`: a global alias is expanded anywhere in a line
    # (`ls X`), so whatever its name, its text must only read
    is_global = any(w.text.startswith("-") and "g" in w.text for w in words[1:])
    for word in words[1:]:
        name, eq, text = word.text.partition("=")
        if not eq or word.dynamic or not (
                is_global or classifier.rules.knows(name) or name in ("sudo", "cd")):
            continue
        if is_global:
            text = text.lstrip("|&; \t")
        inner = Verdict.combine(classifier.script(text, ctx, depth + 1, "nested"))
        # (`alias rm='rm -i'`, `alias vim=nvim`: no worse than what the name runs)
        bare = Crud.READ if is_global else Verdict.combine(
            classifier.script(name, ctx, depth + 1, "nested")).crud
        if inner.crud > bare or (is_global and inner.confirm):
            where = f"any later line that names {name} would run it" if is_global else \
                f"later '{name}' lines would run it instead"
            found.append(Finding(_part(words), inner.crud, f"defines the alias {name}; {where}: "
                                 f"{inner.reason}", rule_id="shell.alias-shadows", confirm=True))
    return found or None


def find_handler(classifier: Classifier, words: tuple[Word, ...], program: Program,
                 cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding] | None:
    part = _part(words)
    findings: list[Finding] = []
    i = 1
    while i < len(words):
        text = words[i].text
        if text in _FIND_DELETE:
            findings.append(Finding(part, Crud.DELETE, f"find {text} removes every file it matches",
                                    rule_id="find.delete"))
        elif text in _FIND_EXEC:
            end = i + 1
            while end < len(words) and words[end].text not in (";", "+"):
                end += 1
            inner = words[i + 1:end]
            if inner:
                findings.extend(classifier.argv(tuple(inner), cmd, ctx, depth + 1))
            i = end
        elif text in _FIND_WRITES and i + 1 < len(words):
            crud, why = classifier._write_targets([words[i + 1].text], Crud.CREATE,
                                                  f"find {text} writes {words[i + 1].text}", ctx)
            findings.append(Finding(part, crud, why, rule_id="find.write"))
            i += 1
        i += 1
    if not findings:
        findings.append(Finding(part, Crud.READ, "find only lists files", rule_id="find.list"))
    return findings


def _awk_program_at(words: tuple[Word, ...], program: Program,
                    dynamic: bool = False) -> int | None:
    """Where the program text is among an awk command's words; None with a program file
    (-f) or a gawk source (-e), which the rules look at, and for a program built at run
    time unless ``dynamic``."""
    i = 1
    while i < len(words):
        text = words[i].text
        if text == "--":
            i += 1
            break
        if text in ("-f", "--file", "-e", "--source", "-E", "--exec") or \
                text.startswith(("--file=", "--source=", "--exec=")):
            return None
        if text in program.options_with_arg:
            i += 2
        elif text.startswith("-") and len(text) > 1:
            i += 1
        else:
            break
    return i if i < len(words) and (dynamic or not words[i].dynamic) else None


def awk_handler(classifier: Classifier, words: tuple[Word, ...], program: Program,
                cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding] | None:
    """awk programs whose commands (``system("date")``, ``print | "sort"``) are string
    literals: those commands are classified as shell lines, and the rest of the program
    by the rules. Anything else (a command built at run time) is the rules' to ask about."""
    at = _awk_program_at(words, program, dynamic=True)
    if at is not None and words[at].dynamic:
        if re.fullmatch(r"\$\{?\w+\}?", words[at].text):
            # `awk "$PROGRAM" f`: the whole program comes from a variable
            return _unknown_code(_part(words), f"an awk program held in {words[at].raw}",
                                 Crud.UPDATE)
        return None
    found = payloads.awk_commands(words[at].text) if at is not None else None
    if at is None or found is None or (not found[0] and found[1] == words[at].text):
        return None
    commands, rest = found  # (no commands: the rules look at the program, regexes blanked)
    findings = [f for command in commands
                for f in classifier.script(command, ctx, depth + 1, "nested")]
    stripped = words[:at] + (Word(rest, _quote(rest)),) + words[at + 1:]
    return findings + classifier.argv(stripped, cmd, ctx, depth + 1)


#: socat addresses that are not a client connection (a listener, a program, a file).
_SOCAT_NOT_CLIENT = LazyPattern(r"(?i)^(exec|system|open|create|gopen|pipe|file|pty|"
                                r"[a-z0-9-]*listen|[a-z0-9-]*recv)[:,]")
#: The socat addresses a client's text may go between: stdio and a connection. (A bare
#: path is GOPEN: for a regular file the text would be written into it, so only a path
#: named as a socket counts: `/run/haproxy/admin.sock`, `/tmp/mpvsocket`.)
_SOCAT_CLIENT = LazyPattern(r"(?i)^(-|stdio|stdin|stdout|(tcp[46]?(-connect)?|udp[46]?(-connect|"
                            r"-sendto)?|unix-connect|unix-client|unix-sendto|abstract-connect|"
                            r"ssl|openssl(-connect)?|socks4a?|socks5|proxy|sctp[46]?(-connect)?):.*"
                            r"|/\S*(\.sock|\.socket|socket|sock))$")


#: socat address options that act on files (`,unlink-early` deletes the socket's path)
_SOCAT_FILE_OPTION = LazyPattern(r"(?i),(unlink(-early|-late|-close)?|creat|trunc|append|"
                                 r"perm|perm-late|user|user-late|group|group-late|o-trunc)\b")


def socket_handler(classifier: Classifier, words: tuple[Word, ...], program: Program,
                   cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding] | None:
    """A client (nc, telnet, socat) sending text the line shows
    (`printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc host 80`, `echo stats | nc host 11211`):
    classified by what the requests ask for. Listeners, programs run on a connection and
    text that is not a known request are the rules' to ask about."""
    servers = set(_setting(program, "server_options", []))
    if any(_names_option(w.text, servers) or _SOCAT_NOT_CLIENT.match(w.text) for w in words[1:]):
        return None
    if program.name == "socat" and (not all(_SOCAT_CLIENT.match(w.text) for w in words[1:]
                                            if not w.text.startswith("-") or w.text == "-")
                                    or any(_SOCAT_FILE_OPTION.search(w.text) for w in words[1:])):
        return None
    text = stdin_text(cmd)
    crud = payloads.socket_text_class(text) if text is not None else None
    if crud is None:
        return None
    name = program.name
    what = "requests that only read" if crud is Crud.READ else "requests that change data"
    return _hidden([Finding(_part(words), crud, f"{name} sends {what}",
                            rule_id=f"{name}.requests")], cmd)


def ex_handler(classifier: Classifier, words: tuple[Word, ...], program: Program,
                cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding] | None:
    """`vim -es -c 'g/TODO/p' -c 'q!' f`, `printf '%s\\n' ,p q | ed -s f`: an editor run on
    a list of commands that only show text and then quit without writing reads.
    Anything else (no commands, a write, a shell escape, a script) is the rules'."""
    commands: list[str] = []
    if program.name == "ed":
        text = stdin_text(cmd)
        if text is None:
            return None
        commands = [line for line in text.split("\n") if line.strip()]
    else:
        # in ex mode (`ex`, `vim -e`/`-es`) -s means silent; elsewhere it reads keys from a file
        ex_mode = program_name(words[0].text) in ("ex", "nex") or any(
            w.text in ("-e", "-E", "-es", "-Es", "-se", "-sE") for w in words[1:])
        i = 1
        while i < len(words):
            text = words[i].text
            if words[i].dynamic:
                return None
            if ex_mode and text == "-sc":  # `ex -sc CMD`: silent, then the command
                text = "-c"
            if text in ("-c", "--cmd") and i + 1 < len(words):
                if words[i + 1].dynamic:
                    return None
                commands.append(words[i + 1].text)
                i += 2
                continue
            if text.startswith("+") and len(text) > 1:
                commands.append(text[1:])
            elif text in ("-S", "-W", "-w", "--remote-send", "--remote-expr") or (
                    text == "-s" and not ex_mode):
                return None  # a script or keys the line does not show
            elif text in ("--startuptime", "--log") or re.fullmatch(r"-V\d*\D.*", text):
                return None  # writes a log file
            i += 1
    if not payloads.ex_commands_only_read(commands):
        return None
    return _hidden([Finding(_part(words), Crud.READ, f"{program.name} only shows text and "
                            "quits without writing", rule_id=f"{program.name}.show-and-quit")],
                   cmd)


def fed_handler(classifier: Classifier, words: tuple[Word, ...], program: Program,
                cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding] | None:
    """A client that sends what comes on its standard input when the line feeds it
    (`http URL < body.json` POSTs it, `kcat -b k -t t < msgs` produces): the setting
    `fed_class` with `fed_why`, unless an option of `fed_unless` (or, with
    `fed_unless_method`, a method word first: `http GET url`) says otherwise. Anything
    else is the rules'."""
    if not cmd.stdin_fed:
        return None
    unless = set(_setting(program, "fed_unless", []))
    if any(_names_option(w.text, unless) for w in words[1:]):
        return None
    view = ArgvView.of(tuple(w.text for w in words), program)
    if (_setting(program, "fed_unless_method", False) and view.positionals
            and _HTTP_METHOD_WORD.fullmatch(view.positionals[0])):
        return None
    crud = Crud[_setting(program, "fed_class", "CREATE")]
    why = _setting(program, "fed_why", "sends what comes on its standard input")
    return [Finding(_part(words), crud, f"{program.name} {why}", rule_id=f"{program.name}.stdin")]


#: An HTTP method given as httpie's first positional.
_HTTP_METHOD_WORD = LazyPattern(r"(?i)GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE|CONNECT")


HANDLERS: dict[str, Handler] = {
    "alias": alias_handler,
    "awk": awk_handler,
    "source": source_handler,
    "exec": exec_handler,
    "shell": shell_handler,
    "interpreter": interpreter_handler,
    "sql": sql_handler,
    "mongo": mongo_handler,
    "remote": remote_handler,
    "find": find_handler,
    "socket": socket_handler,
    "ex": ex_handler,
    "fed": fed_handler,
}
