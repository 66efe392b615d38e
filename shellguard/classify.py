"""Classify a command line: rules, then the verb heuristic, then the LLM hook, then the safe fallback.

:class:`Classifier` walks every simple command the line would run (see
:mod:`shellguard.parse`), lets the program's handler look inside wrappers, shells,
interpreters and database clients, asks the rule files about the rest, adds what
each redirection does, and combines the findings: the strictest class wins.
"""

from __future__ import annotations

import os
import re
import stat
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from shellguard import heuristics, patches, payloads
from shellguard.lazy_re import LazyPattern
from shellguard.parse import Redirect, SimpleCommand, Word, parse_script
from shellguard.parse.plain import plain_commands
from shellguard.rules.engine import ArgvView, RuleSet, builtin_rules, program_name
from shellguard.rules.handlers import HANDLERS, sql_findings, stdin_text
from shellguard.rules.schema import Program
from shellguard.verdict import Crud, Finding, Verdict

__all__ = ["Classifier", "Context", "LlmHook", "classify_command", "MAX_NESTING"]

#: Payloads inside payloads (`bash -c "sh -c '...'"`) deeper than this are not opened.
MAX_NESTING = 8
#: Above this size a line is not parsed at all: it asks.
MAX_COMMAND_BYTES = 1 << 20

_NULL_SINKS = {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero", "/dev/full",
               "/dev/random", "/dev/urandom"}
#: What most programs read as standard output when it names their output file (`> -` is
#: a file of that name, and so is `-` to the rules with `dash_is_file`).
_TERMINAL = "-"
_BLOCK_DEVICE = LazyPattern(r"^/dev/(sd|hd|vd|xvd|nvme|mmcblk|disk|mapper/|dm-|md|loop|nbd|"
                            r"rbd|zd|sr|fd\d|ram|mtdblock|bcache)")
#: `prettier@3.3.3`, `@biomejs/biome@1.9.4`: a package runner's (npx, bunx, uvx) pinned
#: package; the program it runs is named by the part before the version.
_PINNED_PACKAGE = LazyPattern(r"^((?:@[\w.-]+/)?[\w.-]+)@[\w.^~<>=*+-]+$")
_HELP_FLAGS = {"-help", "--help", "-?", "--usage"}  # not -h: tmux split-window -h
_TRUNCATORS = {(":",), ("true",), ("false",), ("cat", "/dev/null"), ("printf", ""),
               ("printf", "%s", "")}
_ECHO_OPTIONS = LazyPattern(r"-[neE]+")


def _writes_nothing(argv: tuple[str, ...]) -> bool:
    """Does this command print nothing at all (`:`, `echo -n`, `echo -ne ''`, `printf ''`),
    so that `> f` after it only empties f?"""
    if argv in _TRUNCATORS:
        return True
    if argv[:1] != ("echo",) or len(argv) < 2:
        return False
    options = [a for a in argv[1:] if a and _ECHO_OPTIONS.fullmatch(a)]
    return (any("n" in o for o in options)
            and all(a == "" or _ECHO_OPTIONS.fullmatch(a) for a in argv[1:]))


class LlmHook(Protocol):
    """The plug-in point for commands no rule decides (the embedded LLM implements it)."""

    def classify(self, part: str, heuristic: Finding) -> Finding | None:
        """A better finding for ``part``, or None to keep the heuristic's."""


@dataclass
class Context:
    """State of one classification: where it runs and whether the answer depends on the disk."""

    cwd: str
    home: str
    fs_dependent: bool = False

    def resolve(self, path: str) -> str:
        if path.startswith("~/") or path == "~":
            path = self.home + path[1:]
        return os.path.normpath(os.path.join(self.cwd, path))

    def exists(self, path: str) -> tuple[bool, bool]:
        """(exists, is a regular file or other non-directory) for a path as written."""
        self.fs_dependent = True
        try:
            st = os.stat(self.resolve(path))
        except (OSError, ValueError):
            return False, False
        return True, not stat.S_ISDIR(st.st_mode)


class Classifier:
    """Rules, heuristic and LLM hook behind one ``classify`` call; cheap to call repeatedly."""

    def __init__(self, rules: RuleSet | None = None, llm: LlmHook | None = None,
                 cache_size: int = 2048) -> None:
        # (2,048 answers: more distinct lines than a session types; each costs ~0.7 kB,
        # and the shells keep the lines allowed before themselves)
        self.rules = rules if rules is not None else builtin_rules()
        self.llm = llm
        self._cache: OrderedDict[str, Verdict] = OrderedDict()
        self._cache_size = cache_size

    # -- public -------------------------------------------------------------

    def classify(self, command: str, cwd: str | None = None) -> Verdict:
        cached = self._cache.get(command)
        if cached is not None:
            self._cache.move_to_end(command)
            return Verdict(cached.crud, cached.reason, cached.confidence, "cache",
                           cached.confirm, cached.findings)
        ctx = self.context(cwd)
        verdict = Verdict.combine(self.findings(command, ctx))
        # Not cached: answers that depend on the disk, and heuristic answers while an LLM
        # may still weigh in (the model may be loading; the LLM client keeps its own cache).
        llm_pending = self.llm is not None and any(f.source == "heuristic" for f in verdict.findings)
        if not ctx.fs_dependent and not llm_pending:
            self._cache[command] = verdict
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return verdict

    @staticmethod
    def context(cwd: str | None) -> Context:
        home = os.environ.get("HOME") or str(Path.home())
        try:
            base = cwd if cwd and os.path.isabs(cwd) else os.getcwd()
        except OSError:
            base = "/"
        return Context(cwd=base, home=home)

    def findings(self, command: str, ctx: Context) -> list[Finding]:
        if len(command.encode("utf-8", "surrogatepass")) > MAX_COMMAND_BYTES:
            return [Finding(command[:80], Crud.CREATE, "the line is too long to inspect",
                            source="fallback", rule_id="fallback.too-long", confidence=0.1,
                            confirm=True)]
        return self.plain_reads(command, ctx) or self.script(command, ctx, 0)

    def plain_reads(self, command: str, ctx: Context) -> list[Finding] | None:
        """The findings for an unquoted plain line (:mod:`shellguard.parse.plain`) whose
        every command a read-only prefix covers, found without parsing it. Such a line
        is READ (tests/test_read_prefixes.py holds the prefixes to that: the shells let
        it through on them), and its commands are simple argvs: each goes to the rules
        as the parsed line's would, for the same reason. None for any other line."""
        if "'" in command or '"' in command:
            return None
        commands = plain_commands(command)
        if commands is None or not all(self.rules.covering_prefix(typed) for typed in commands):
            return None
        findings: list[Finding] = []
        for typed in commands:
            words = tuple(Word(word, word) for word in typed)
            part = " ".join(typed)
            findings += self.program(words, tuple(typed), program_name(typed[0]), part,
                                     SimpleCommand(words, text=part), ctx, 0)
        if any(f.crud != Crud.READ or f.confirm for f in findings):
            return None  # (never, while the prefixes hold: the parsed line decides)
        return findings

    # -- scripts and commands -----------------------------------------------

    def script(self, source: str, ctx: Context, depth: int, context: str = "top") -> list[Finding]:
        """Findings for every part of a script (a command line, or a payload inside one)."""
        if depth > MAX_NESTING:
            return [Finding(source[:80], Crud.CREATE, "commands nested too deeply to inspect",
                            source="fallback", rule_id="fallback.nesting", confidence=0.1,
                            confirm=True)]
        parsed = parse_script(source, context)
        findings: list[Finding] = []
        if "((" in source and _ARITHMETIC_HISTORY.search(source):
            # `(( HISTFILESIZE = 0 ))`, `: $(( HISTFILESIZE = 0 ))`: no command, same effect
            findings.append(Finding(source.strip()[:80], Crud.UPDATE, "sets HISTFILE or "
                                    "HISTFILESIZE by arithmetic: the history file is moved or cut",
                                    rule_id="shell.history-file", confirm=True))
        owned: set[int] = set()
        bodies: dict[str, list[Finding]] = {}
        called: set[str] = set()
        variables: dict[str, str] = {}
        for cmd in parsed.commands:
            for redirect in cmd.redirects:
                owned.add(id(redirect))
            # A function body only runs if the line calls the function (CLASSES.md: defining is READ).
            target = (bodies.setdefault(cmd.context[9:], []) if cmd.context.startswith("function:")
                      else findings)
            if cmd.words and not cmd.words[0].dynamic:
                called.add(cmd.words[0].text)
            if cmd.words and not cmd.words[0].dynamic and cmd.words[0].text in bodies \
                    and not cmd.context.startswith(f"function:{cmd.words[0].text}"):
                # `gl() { git log -n "$1"; }; gl 5`: the call runs the body, whose
                # findings join the line's below
                target.append(Finding(cmd.text.strip() or cmd.words[0].text, Crud.READ,
                                      f"calls {cmd.words[0].text}, defined on this line",
                                      rule_id="shell.function-call"))
            else:
                target.extend(self.command(cmd, ctx, depth, variables))
            for redirect in cmd.redirects:
                target.extend(self.redirect(redirect, cmd, ctx))
        pending = [name for name in bodies if name in called]
        while pending:
            name = pending.pop()
            body = bodies.pop(name, [])
            findings.extend(body)
            pending.extend(n for n in bodies if any(f.part.split(" ", 1)[0] == n for f in body))
        for name, body in bodies.items():
            findings.append(self._definition(name, body))
        for redirect in parsed.redirects:
            if id(redirect) not in owned:
                findings.extend(self.redirect(redirect, None, ctx))
        if "()" in source and "&" in source and _FORK_BOMB.search(source):
            findings.append(Finding(source.strip()[:80], Crud.UPDATE, "defines a function that "
                                    "starts copies of itself without end (a fork bomb): the "
                                    "machine runs out of processes", rule_id="shell.fork-bomb",
                                    confirm=True))
        if "'" in source and ("$(" in source or "`" in source) and _evaluates_quoted_code(source):
            # `[[ 'a[$(rm -rf build)]' -eq 1 ]]`, `x='a[$(...)]'; echo $((x))`: bash
            # evaluates an array subscript in text it takes as arithmetic or as a name
            findings.append(Finding(source.strip()[:80], Crud.UPDATE, "a quoted command "
                                    "substitution may run where the shell evaluates text as "
                                    "arithmetic or as a name", rule_id="shell.evaluated-text",
                                    confidence=0.5, confirm=True))
        if not parsed.complete:
            reason = parsed.problems[0] if parsed.problems else "the line does not parse"
            findings.append(Finding(source.strip()[:80], Crud.READ, reason, source="fallback",
                                    rule_id="fallback.incomplete", confidence=0.3, confirm=True))
        return findings

    def _definition(self, name: str, body: list[Finding]) -> Finding:
        """A function defined and not called: READ (CLASSES.md: session state), unless
        it takes the name of a program the rules know and its body does more than
        read. Later lines naming that program would run the body while they look
        like the program (`ls() { rm -rf x; }`, then `ls`), so that definition asks,
        with the body's class."""
        part = f"{name}() {{ ... }}"
        inner = Verdict.combine(body)
        program = re.sub(r"[\\'\"$]", "", name)    # zsh takes `l\s() {...}` for ls
        if _HOOK_FUNCTIONS.match(program) and (inner.crud != Crud.READ or inner.confirm):
            # `precmd() { rm -rf build; }`: the shell itself runs it, at once or later
            return Finding(part, inner.crud, f"defines {program}, which the shell runs by "
                           f"itself: {inner.reason}", rule_id="shell.hook-function", confirm=True)
        if self.rules.knows(program) and (inner.crud != Crud.READ or inner.confirm):
            return Finding(part, inner.crud, f"defines {program}, which later '{program}' lines "
                           f"would run instead: {inner.reason}", rule_id="shell.function-shadows",
                           confirm=True)
        return Finding(part, Crud.READ, f"only defines the function {name}",
                       rule_id="shell.function")

    def command(self, cmd: SimpleCommand, ctx: Context, depth: int,
                variables: dict[str, str] | None = None) -> list[Finding]:
        part = cmd.text.strip() or " ".join(cmd.argv)
        variables = {} if variables is None else variables
        if "=" in cmd.text and "${" in cmd.text:
            # `: ${PS0:='$(rm -rf build)'}` assigns as the expansion is made
            for name, value in _EXPANSION_ASSIGNMENT.findall(cmd.text):
                if (_GUARD_VARIABLES.match(name) and not _harmless_history(name, value)) or (
                        _PROMPT_VARIABLES.match(name) and ("$(" in value or "`" in value)):
                    return [Finding(part, Crud.UPDATE, f"sets {name} inside an expansion; the "
                                    "shell acts on it by itself", rule_id="shell.hook-variable",
                                    confirm=True)]
        if not cmd.words:
            for assignment in cmd.assignments:
                name, _, value = assignment.partition("=")
                name = name.rstrip("+").partition("[")[0]   # `PROMPT_COMMAND[1]=...` too
                if _GUARD_VARIABLES.match(name) and not _harmless_history(name, value):
                    return [Finding(part, Crud.UPDATE, f"changes {name}, which the shell (and "
                                    "shellguard) acts on by itself", rule_id="shell.hook-variable",
                                    confirm=True)]
                if name == "PATH" and _replaces_path(value):
                    return [_path_finding(part)]
                if _sets_code_variable(name, value):
                    # an exported variable (PAGER often is), `set -a` or a later `export
                    # NAME` hands it to every program run next
                    return [_code_variable_finding(part, name)]
                if _PROMPT_VARIABLES.match(name) and ("$(" in value or "`" in value):
                    # `PS1='$(rm notes.txt)'`: runs at every prompt, unseen by the guard
                    return [Finding(part, Crud.UPDATE, f"{name} runs commands every time the "
                                    "prompt is shown", rule_id="shell.prompt-command",
                                    confirm=True)]
                if re.fullmatch(r"[\w./:@%+-]*", value):
                    variables[name] = value
            return [Finding(part, Crud.READ, "only sets shell variables", rule_id="shell.assignment")]
        words = cmd.words
        if words[0].text in _DECLARATIONS:
            if any(w.text.startswith("PATH=") and _replaces_path(w.text[5:]) for w in words[1:]):
                return [_path_finding(part)]
            for word in words[1:]:
                name, eq, value = word.text.partition("=")
                if eq and (_COMMAND_VARIABLES.match(name) or _OPTION_VARIABLES.match(name)) \
                        and _sets_code_variable(name, value):
                    return [_code_variable_finding(part, name)]
        if words[0].text == "history" and any(
                a.startswith("HISTFILE=") and not _harmless_history("HISTFILE", a[9:])
                for a in cmd.assignments):
            # `HISTFILE=~/.bashrc history -w`: the session's history goes to that file
            return [Finding(part, Crud.UPDATE, "writes the session's history to the file "
                            "HISTFILE names here", rule_id="shell.history-file", confirm=True)]
        # `GIT_PAGER='rm -rf build' git log`: the program runs the variable's command
        commands = [a.split("=", 1) for a in cmd.assignments
                    if _COMMAND_VARIABLES.match(a.split("=", 1)[0])]
        # (not `export GIT_PAGER=...`: a declaration runs nothing now; see guard.* rules)
        if commands and words[0].text not in ("export", "declare", "typeset", "local",
                                               "readonly"):
            found = []
            for name, value in commands:
                if name in _TRANSPORT_VARIABLES and value.strip():
                    # `GIT_SSH_COMMAND='ssh -i key' git fetch`: the program adds a host and
                    # its own command, whose effect is the program's to say
                    value += " host true"
                found += [Finding(f.part, f.crud, f"{f.reason} (run by way of {name})", f.source,
                                  f.rule_id, f.confidence, f.confirm)
                          for f in self.script(value, ctx, depth + 1, "nested")]
            bare = SimpleCommand(words, tuple(a for a in cmd.assignments
                                             if not _COMMAND_VARIABLES.match(a.split("=", 1)[0])),
                                 cmd.redirects, cmd.text, cmd.upstream, cmd.context)
            return found + self.command(bare, ctx, depth, variables)
        injected = [a.split("=", 1)[0] for a in cmd.assignments
                    if _INJECTING_VARIABLES.match(a.split("=", 1)[0])
                    and _LOADS_CODE.get(a.split("=", 1)[0], _ANY_VALUE).search(a)]
        if injected:
            found = self.argv(words, cmd, ctx, depth) if not words[0].dynamic else []
            return found + [Finding(part, Crud.READ, f"{injected[0]} changes which code the "
                                    "program loads or runs, or a file it writes",
                                    rule_id="shell.code-injection",
                                    confidence=0.6, confirm=True)]
        if words[0].dynamic:
            resolved = _resolve_program(words[0], variables)
            if resolved is not None:
                inner = self.argv((Word(resolved, words[0].raw),) + words[1:], cmd, ctx, depth)
                return [Finding(f.part, f.crud, f"{f.reason} (the program is named by "
                                f"{words[0].raw})", f.source, f.rule_id, min(f.confidence, 0.6),
                                True) for f in inner]
        return self.argv(words, cmd, ctx, depth)

    def argv(self, words: tuple[Word, ...], cmd: SimpleCommand, ctx: Context,
             depth: int) -> list[Finding]:
        """Findings for one argv (the whole command, or what a wrapper runs)."""
        argv = tuple(w.text for w in words)
        part = " ".join(w.raw for w in words)
        if not argv:
            return []
        if words[0].dynamic:
            clue = heuristics.verb_class(argv[1:])
            return [Finding(part, clue[0] if clue else Crud.CREATE,
                            f"the program to run ('{words[0].raw}') is only known when it runs",
                            source="heuristic", rule_id="heuristic.dynamic-program",
                            confidence=0.3, confirm=True)]
        if (argv[0].startswith(_INIT_SCRIPT_DIRS) and not argv[0].endswith("/")
                and "/" not in argv[0].rpartition("init.d/")[2]):
            # `/etc/init.d/nginx status`: an init script takes the actions `service` does
            service = (Word("service", "service"), Word(argv[0].rpartition("/")[2], words[0].raw))
            return self.argv(service + tuple(words[1:]), cmd, ctx, depth)
        name = program_name(argv[0])
        if name in _BUILTIN_NAMES and "/" in argv[0] and not argv[0].startswith(_SYSTEM_BIN_DIRS):
            # `bin/test`, `/opt/app/bin/status`: a file of the project or an app, not the
            # builtin (`/usr/bin/test` is coreutils' own)
            return self.unknown(argv, part, False)
        findings = self.program(words, argv, name, part, cmd, ctx, depth)
        if _of_the_project(argv[0]):
            # `./sum -c GetBiosInfo`, `tools/check`: the project's own program, whatever
            # tool it is named after: that tool's rules give the class, and it asks
            # (CLASSES.md rule 8). Tools installed for the project (`bin/rails`,
            # `vendor/bin/phpstan`, `node_modules/.bin/tsc`, `.venv/bin/pip`) are theirs.
            findings = [f if f.confirm else replace(f, confirm=True) for f in findings]
        return findings

    def program(self, words: tuple[Word, ...], argv: tuple[str, ...], name: str, part: str,
                cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding]:
        """Findings for an argv whose program is ``name`` (by its rules or handler), and
        for what the templates in its options do (`ansible -a "{{ lookup('pipe', ...) }}"`)."""
        findings = self._program(words, argv, name, part, cmd, ctx, depth)
        program = self.rules.program(name)
        options = program.settings.get("template_options") if program is not None else None
        if options:
            findings = findings + self._templates(argv, program, options, part, ctx, depth)
        return findings

    def _templates(self, argv: tuple[str, ...], program: Program, options: list[str], part: str,
                   ctx: Context, depth: int) -> list[Finding]:
        """The commands and writes of the templates given to ``options``, and a command
        given as a list (`-a "argv=['rm', '-rf', 'x']"`)."""
        view = ArgvView.of(argv, program)
        found: list[Finding] = []
        for value in (v for option in options for v in view.option_values.get(option, [])):
            for effect in payloads.template_effects(value):
                found.extend(self.script(effect.shell, ctx, depth + 1, "nested")
                             if effect.shell is not None else
                             [Finding(part, effect.crud, effect.reason,
                                      rule_id=f"{program.name}.template", confidence=0.8)])
            listed = payloads.ansible_argv(value)
            if listed:
                found.extend(self.argv(tuple(Word(w, w) for w in listed), SimpleCommand(
                    tuple(Word(w, w) for w in listed)), ctx, depth + 1))
        return found

    def _program(self, words: tuple[Word, ...], argv: tuple[str, ...], name: str, part: str,
                 cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding]:
        program = self.rules.program(name)
        if program is not None and program.handler:
            handled = HANDLERS[program.handler](self, words, program, cmd, ctx, depth)
            if handled is not None:
                return handled
        known = program is not None or self.rules.knows(name)
        view = ArgvView.of(argv, program)  # split once: the dry-run check and the rules share it
        match = self.rules.match_view(view)
        # --help and dry-run flags count only before a command or program the line runs;
        # after it they are that program's to read (`npx some-tool -n`, `go run ./x
        # --help`, which builds and runs ./x). A script (`setup.py --version`) runs its
        # own code before it reads any option, and so does a program of the project's own
        # (`./gradlew --version` runs the wrapper, which may download and run Gradle).
        own = argv[:1 + _runs_from(match)] if match is not None and (
            match.rule.runs or match.rule.confirm) else argv
        # Nor do they after the second word a subcommand takes, which may be a command
        # too: `docker run alpine sh -c 'rm -rf /d' --help` creates a container whose
        # shell deletes (some CLIs read options anywhere: asking about `kubectl delete
        # pod x --help` costs little).
        if match is not None and len(view.positional_index) > match.consumed + 1:
            own = own[:1 + view.positional_index[match.consumed + 1]]
        # (A rule that names a help flag and asks knows that its help runs code or
        # writes: `zig build --help` compiles and runs build.zig to list its steps,
        # `cmake --help-full out.txt` writes the help to a file.)
        rule_owns_help = match is not None and (
            match.rule.confirm or match.rule.crud != Crud.READ) and any(
            f in _HELP_FLAGS or f.startswith("--help-") or f == "--version"
            for f in match.rule.flags)
        if (known and not rule_owns_help and _asks_for_help(argv[1:], len(own) - 1)
                and not name.endswith(_SCRIPT_SUFFIXES)
                and not ("/" in argv[0] and argv[0][0] not in "/~")):
            return [Finding(part, Crud.READ, f"{name} only prints its help or version",
                            rule_id="core.help")]
        if program is not None and program.dry_run:
            # (a dry-run option counts anywhere unless the rule hands words on to another
            # command: `ansible web -m copy -a ... --check`, but not `npx tool -n`)
            own_view = view if own is argv or not match.rule.runs else ArgvView.of(own, program)
            dry = next((f for f in program.dry_run
                        if own_view.sets_flag(f, program.single_dash_long)), None)
            if dry is not None and own_view.negated(program.dry_run):
                dry = None      # `--dry-run --no-dry-run`: the last one wins
            if dry is not None and any(own_view.has_flag(o, program.single_dash_long)
                                       for o in program.settings.get("dry_run_unless", ())):
                dry = None      # `certbot --dry-run --pre-hook ...`: the hooks still run
            if dry is not None and own_view.positionals[:1] and (
                    own_view.positionals[0] in program.settings.get("no_dry_run_in", ())):
                dry = None      # `git config alias.dry --dry-run`: a value
            if dry is not None:
                return [Finding(part, Crud.READ, f"{dry} makes {name} a dry run",
                                rule_id=f"{name}.dry-run")]
        if match is None:
            return self.unknown(argv, part, known)
        return self.from_rule(match, words, part, cmd, ctx, depth)

    def from_rule(self, match, words: tuple[Word, ...], part: str,  # type: ignore[no-untyped-def]
                  cmd: SimpleCommand, ctx: Context, depth: int) -> list[Finding]:
        rule = match.rule
        crud = rule.crud
        why = rule.why
        view = match.view
        if (crud != Crud.READ and len(view.positionals) == match.consumed
                and any(f in _HELP_FLAGS for f in view.flags)):
            # `terraform destroy -help`: usage, nothing runs
            label = " ".join((program_name(view.program),) + view.positionals[:match.consumed])
            return [Finding(part, Crud.READ, f"{label} only prints its help", rule_id="core.help")]
        if rule.writes or rule.writes_option:
            targets: list[str] = []
            rest = list(view.positionals[match.consumed:])
            if rule.writes in ("last", "sync") and rest:
                targets.append(rest[-1])
            elif rule.writes == "first" and rest:
                targets.append(rest[0])
            elif rule.writes == "args":
                targets.extend(rest)
            for opt in rule.writes_option:
                targets.extend(view.option_values.get(opt, []))
            # (rsync: a source ending in / is synced into the destination; a file is copied in)
            syncs = rule.writes == "sync" and any(p.endswith("/") for p in rest[:-1])
            crud, why = self._write_targets(targets, crud, why, ctx, syncs, rule.dash_is_file)
        if rule.applies_patch:
            crud, why = self._patch_effect(view, match.consumed, cmd, ctx, crud, why)
        label = " ".join((program_name(view.program),) + view.positionals[:match.consumed])
        findings = [Finding(part, crud, f"{label}: {why}", rule_id=rule.id,
                            confidence=rule.confidence, confirm=rule.confirm)]
        statements = [Word(value, value, "$" in value or "`" in value)
                      for option in rule.sql_option
                      for value in view.option_values.get(option, [])]
        if statements:
            # the SQL the line shows decides, statement by statement (`--sql 'DROP ...'`)
            findings = [replace(f, rule_id=rule.id) if f.rule_id == f"{label}.sql" else f
                        for f in sql_findings(part, label, statements, lambda command: self.script(
                            command, ctx, depth + 1, "nested"))]
        if rule.runs:
            findings.extend(self._runs(rule.runs, match, words, cmd, ctx, depth))
        for entry in rule.runs_option:
            # `tar --checkpoint-action=exec='rm x'`: an option whose value is a shell command
            option, _, prefix = entry.partition("=")
            for value in view.option_values.get(option, []):
                if value.startswith(prefix):
                    findings.extend(self.script(value[len(prefix):], ctx, depth + 1, "nested"))
        return findings

    def _runs(self, how: str, match, words: tuple[Word, ...], cmd: SimpleCommand,  # type: ignore[no-untyped-def]
              ctx: Context, depth: int) -> list[Finding]:
        """A rule whose program runs another command (`uv run pytest`, `kubectl exec p -- rm x`)."""
        view = match.view
        tokens = words[1:]
        if how == "after-dashdash":
            idx = next((i for i, w in enumerate(tokens) if w.text == "--"), None)
            inner = tokens[idx + 1:] if idx is not None else ()
        elif how == "after-flag":
            # `fd -e md -x wc -l`: the words after the option are the command; an
            # attached value is its first word (`--exec=rm`, `-Hxrm`)
            # The command gets each item found where `{}` (or `{/}`, `{.}` ...) stands, or
            # at the end (`fd -X gzip -9` compresses the files found).
            inner = ()
            for i, w in enumerate(tokens):
                value = _after_flag(w.text, match.rule.flags)
                if value is not None:
                    first = (Word(value, value, w.dynamic),) if value else ()
                    inner = first + tokens[i + 1:]
                    if inner and not any("{" in t.text for t in inner):
                        inner += (Word("INPUT", "INPUT"),)
                    break
        elif how in ("script", "scripts"):
            # `hyperfine 'make' 'make -j8'`: each operand is a command line for a shell;
            # `trap 'rm -f $tmp' EXIT`: the first one is (a word only known at run time
            # is parsed as written, and asks)
            operands = view.positional_index[match.consumed:]
            return [finding for i in (operands[:1] if how == "script" else operands)
                    for finding in self.script(tokens[i].raw if tokens[i].dynamic
                                               else tokens[i].text, ctx, depth + 1, "nested")]
        else:
            if len(view.positional_index) <= match.consumed:
                return []
            inner = tokens[view.positional_index[match.consumed]:]
        if not inner:
            return []
        if len(inner) == 1 and not inner[0].dynamic and " " in inner[0].text.strip():
            # one quoted word with spaces: a command line for a shell (`git submodule
            # foreach 'git reset --hard'`); read as a script, which asks at least as much
            return self.script(inner[0].text, ctx, depth + 1, "nested")
        pinned = _PINNED_PACKAGE.match(inner[0].text)
        if pinned and not inner[0].dynamic:
            inner = (Word(pinned.group(1), inner[0].raw),) + tuple(inner[1:])
        return self.argv(tuple(inner), cmd, ctx, depth + 1)

    def _patch_effect(self, view: ArgvView, consumed: int, cmd: SimpleCommand, ctx: Context,
                      crud: Crud, why: str) -> tuple[Crud, str]:
        """The class of applying the patch the line shows (a here-doc, a patch given as
        an operand, or a patch file that can be read now), else the rule's own."""
        texts = [stdin_text(cmd)]
        files = [r.target.text for r in cmd.redirects
                 if r.op == "<" and r.fd in ("", "0") and r.target and not r.target.dynamic]
        for value in (*view.positionals[consumed:], *view.option_values.get("-i", []),
                      *view.option_values.get("--input", [])):
            if "\n" in value:
                texts.append(value)          # `apply_patch "*** Begin Patch ..."`
            else:
                files.append(value)
        for file in files:
            if file != "-":
                ctx.fs_dependent = True
                texts.append(patches.patch_file_text(ctx.resolve(file)))
        found = [p for p in map(patches.read_patch, filter(None, texts)) if p is not None]
        if not found:
            return crud, why
        reverse = view.sets_flag("-R") or view.sets_flag("--reverse")
        merged = patches.PatchFiles(*(tuple(path for p in found for path in
                                            getattr(p.reversed() if reverse else p, kind))
                                      for kind in ("added", "deleted", "changed")))
        effect = merged.effect()
        if effect is None:
            return crud, why
        new_crud, new_why = effect
        if new_crud == Crud.CREATE:
            # an added file that is there already is overwritten
            if any(ctx.exists(path)[0] for path in merged.added):
                return Crud.UPDATE, f"{new_why}, which exists"
        return new_crud, new_why

    def _write_targets(self, targets: list[str], crud: Crud, why: str, ctx: Context,
                       into_directory: bool = False, dash_is_file: bool = False) -> tuple[Crud, str]:
        """The class of writing ``targets``; ``into_directory``: a directory that is
        there already is updated too (rsync makes it match its source); ``dash_is_file``:
        `-` is a file of that name, not the terminal."""
        # process substitutions (`tee >(wc -l)`) are pipes, not files
        real = [t for t in targets if t not in _NULL_SINKS and (t != _TERMINAL or dash_is_file)
                and not t.startswith((">(", "<("))]
        if targets and not real:
            return Crud.READ, "output goes to /dev/null or the terminal"
        for target in real:
            if _BLOCK_DEVICE.match(target):
                return Crud.DELETE, f"writes over the block device {target}"
        if crud == Crud.CREATE:
            for target in real:
                exists, is_file = ctx.exists(target)
                if exists and is_file:
                    return Crud.UPDATE, f"overwrites {target}, which exists"
                if exists and into_directory:
                    return Crud.UPDATE, f"updates {target}, which exists"
        return crud, why

    def unknown(self, argv: tuple[str, ...], part: str, known_program: bool) -> list[Finding]:
        guess = heuristics.guess(argv, part, known_program)
        if self.llm is not None:
            try:
                better = self.llm.classify(part, guess)
            except Exception:  # the LLM must never cost an answer
                better = None
            if better is not None:
                return [better]
        return [guess]

    # -- redirections -------------------------------------------------------

    def redirect(self, redirect: Redirect, owner: SimpleCommand | None,
                 ctx: Context) -> list[Finding]:
        op = redirect.op
        target = redirect.target
        if target is None or not redirect.writes and op != ">&":
            return []
        if op == ">&" and (target.text.isdigit() or target.text == "-"):
            return []  # descriptor duplication, not a file
        part = redirect.raw.strip()
        if target.dynamic:
            if op in (">", ">|", "&>") and (redirect.bare or (
                    owner is not None and _writes_nothing(owner.argv))):
                return [Finding(part, Crud.DELETE, f"> empties a file named only at run time "
                                                   f"({target.raw})", rule_id="redirect.truncate",
                                confidence=0.5, confirm=True)]
            if op in (">>", "&>>"):
                return [Finding(part, Crud.UPDATE, f">> appends to a file named only at run "
                                                   f"time ({target.raw})",
                                rule_id="redirect.dynamic", confidence=0.5, confirm=True)]
            return [Finding(part, Crud.CREATE, f"writes to a file named only at run time "
                                               f"({target.raw})", rule_id="redirect.dynamic",
                            confidence=0.5, confirm=True)]
        path = target.text
        # (`> -` writes a file named -: only programs read `-` as the terminal)
        if path in _NULL_SINKS or path.startswith(("/dev/fd/", "/dev/pts/", "/proc/self/fd/")):
            return []
        if _BLOCK_DEVICE.match(path):
            return [Finding(part, Crud.DELETE, f"writes over the block device {path}",
                            rule_id="redirect.block-device")]
        if op in (">>", "&>>"):
            if owner is not None and _writes_nothing(owner.argv):  # `: >> f` appends nothing
                if ctx.exists(path)[0]:
                    return []
                return [Finding(part, Crud.CREATE, f">> creates {path}", rule_id="redirect.create")]
            return [Finding(part, Crud.UPDATE, f">> appends to {path}", rule_id="redirect.append")]
        exists, is_file = ctx.exists(path)
        if op == "<>":
            # opened to read and write, created when missing, never emptied: what writes
            # to it later (`echo x >&3`) is a descriptor copy
            if not exists:
                return [Finding(part, Crud.CREATE, f"<> creates {path}", rule_id="redirect.create")]
            return [Finding(part, Crud.UPDATE, f"<> opens {path} for writing",
                            rule_id="redirect.read-write", confirm=True)]
        if not exists:
            return [Finding(part, Crud.CREATE, f"> creates {path}", rule_id="redirect.create")]
        if redirect.bare or (owner is not None and _writes_nothing(owner.argv)):
            return [Finding(part, Crud.DELETE, f"> empties {path}", rule_id="redirect.truncate")]
        if owner is not None and _reads_target(owner, path, ctx):
            # `sort f > f`: the shell empties f before the command reads it
            return [Finding(part, Crud.DELETE, f"> empties {path} before the command reads it",
                            rule_id="redirect.self-truncate")]
        return [Finding(part, Crud.UPDATE, f"> overwrites {path}, which exists",
                        rule_id="redirect.overwrite")]


#: Variables the shell acts on by itself (its hooks, shellguard's own, the tables of what a
#: name runs, the history file): changing them is tampering.
_GUARD_VARIABLES = LazyPattern(r"^(PROMPT_COMMAND|PS0|BASH_ENV|ENV|ZDOTDIR|preexec_functions|"
                               r"precmd_functions|chpwd_functions|periodic_functions|"
                               r"zshexit_functions|zshaddhistory_functions|SHELLGUARD_\w*|"
                               r"_SHELLGUARD_\w*|__sg\w*|_shellguard\w*|"
                               # zsh's tables of functions and commands, bash's command hash:
                               # a name then runs something else (`functions[precmd]=...`)
                               r"functions|commands|BASH_CMDS|"
                               # the file the shell writes its history to on exit, and how
                               # much of it it keeps (HISTFILESIZE=0 empties it at once)
                               r"HISTFILE|HISTFILESIZE)$")


def _harmless_history(name: str, value: str) -> bool:
    """HISTFILE pointed nowhere, or HISTFILESIZE large enough to cut nothing a user
    keeps (0 empties the history file at once)."""
    value = value.strip("'\"")
    if name == "HISTFILE":
        return value in ("", "/dev/null")
    if name == "HISTFILESIZE":
        return not value.isdigit() or int(value) >= 100
    return False


#: Functions the shell runs by itself (zsh's hooks and TRAPs, the not-found handlers).
_HOOK_FUNCTIONS = LazyPattern(r"^(precmd|preexec|chpwd|periodic|zshexit|zshaddhistory|"
                              r"TRAP[A-Z0-9]+|command_not_found_handler?)$")
#: Programs' options and config files taken from the environment (one of them can name
#: a command, an output file or a library).
_OPTION_NAMES = (r"TF_CLI_ARGS\w*|GOFLAGS|FZF_DEFAULT_OPTS|SKIM_DEFAULT_OPTIONS|LESS|SYSTEMD_LESS|"
                 r"LESSHISTFILE|TAR_OPTIONS|WGETRC|CURL_HOME|BAT_CONFIG_PATH|GH_CONFIG_DIR|"
                 r"OPENSSL_CONF|TF_CLI_CONFIG_FILE|HTTPIE_CONFIG_DIR|PIP_CONFIG_FILE|PIP_LOG|"
                 r"PIP_LOG_FILE|FFREPORT|GCONV_PATH|PYTHONHOME|SSLKEYLOGFILE|TF_LOG_PATH|"
                 r"RCLONE_LOG_FILE|ANSIBLE_LOG_PATH")
#: Prefix assignments that load other code into the program (`LD_PRELOAD=./x.so ls`).
_INJECTING_VARIABLES = LazyPattern(r"^(LD_PRELOAD|LD_AUDIT|LD_LIBRARY_PATH|DYLD_\w+|BASH_ENV|ENV|"
                                   r"PYTHONSTARTUP|PYTHONPATH|PERL5OPT|PERL5LIB|RUBYOPT|"
                                   r"NODE_OPTIONS|PROMPT_COMMAND|GIT_CONFIG_PARAMETERS|"
                                   r"GIT_CONFIG_COUNT|GIT_CONFIG_KEY_\d+|GIT_CONFIG_VALUE_\d+|"
                                   r"GIT_CONFIG_GLOBAL|GIT_CONFIG_SYSTEM|JAVA_TOOL_OPTIONS|"
                                   r"_JAVA_OPTIONS|JDK_JAVA_OPTIONS|MAKEFLAGS|RUSTC|RUSTC_WRAPPER|"
                                   r"RUSTC_WORKSPACE_WRAPPER|PSQLRC|MYSQL_HOME|SQLITE_HISTORY|"
                                   r"MANOPT|GIT_TRACE\w*|PATH|PS4|RIPGREP_CONFIG_PATH|GIT_EXEC_PATH|"
                                   r"CARGO_BUILD_RUSTC_WRAPPER|CARGO_BUILD_RUSTC|LESSKEY|LESSKEYIN|"
                                   r"HGRCPATH|JJ_CONFIG|"
                                   + _OPTION_NAMES + r")$")
#: Of those, the programs' options and config files taken from the environment, which no
#: guard.* rule looks for in `export NAME=...` (the others' rules there know their values).
_OPTION_VARIABLES = LazyPattern(rf"^({_OPTION_NAMES})$")
_ANY_VALUE = LazyPattern("")


def _sets_code_variable(name: str, value: str) -> bool:
    """Does ``name=value`` set a variable that later commands run or load as code (a
    pager that is not a usual one, a preloaded library, options that run a command)?"""
    return name != "PATH" and (
        (_COMMAND_VARIABLES.match(name) is not None and not _USUAL_COMMAND.fullmatch(value))
        or (_INJECTING_VARIABLES.match(name) is not None
            and _LOADS_CODE.get(name, _ANY_VALUE).search(f"{name}={value}") is not None))


def _code_variable_finding(part: str, name: str) -> Finding:
    return Finding(part, Crud.READ, f"sets {name}, which later commands run or load as code; "
                   "its effect is not on this line", rule_id="shell.code-variable", confirm=True)
#: Variables that load code only with some values (`NODE_OPTIONS=--max-old-space-size=4096`
#: and `MAKEFLAGS=-j8` load none).
_LOADS_CODE = {
    "NODE_OPTIONS": LazyPattern(r"(^NODE_OPTIONS=|\s)['\"]?(-r|--require|--import|--loader|"
                                r"--experimental-loader)"),
    **dict.fromkeys(("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS"), LazyPattern(
        r"-(javaagent|agentlib|agentpath)|-XX:\+?On(Error|OutOfMemoryError)")),
    "MAKEFLAGS": LazyPattern(r"--eval|(=|\s)['\"]?-[a-zA-Z]*E"),
    "GOFLAGS": LazyPattern(r"-(toolexec|exec|overlay|modfile)"),
    # a log file (-o, --log-file), a lesskey file (-k) or a start-up command (+cmd)
    **dict.fromkeys(("LESS", "SYSTEMD_LESS"), LazyPattern(
        r"=['\"]?(.*\s)?(\+|-[A-Za-z]*[oOk]|--(log|LOG|lesskey))")),
    "TAR_OPTIONS": LazyPattern(r"checkpoint-action|compress-program|to-command|rsh-command|"
                               r"info-script|volume-script|(=|\s)['\"]?-[A-Za-z]*[IF]"),
    **dict.fromkeys(("LESSHISTFILE", "LESSKEY", "LESSKEYIN", "WGETRC", "CURL_HOME",
                     "BAT_CONFIG_PATH", "GH_CONFIG_DIR", "OPENSSL_CONF", "TF_CLI_CONFIG_FILE",
                     "HTTPIE_CONFIG_DIR", "PIP_CONFIG_FILE", "PIP_LOG", "PIP_LOG_FILE",
                     "FFREPORT", "GCONV_PATH", "PYTHONHOME", "GIT_CONFIG_GLOBAL",
                     "GIT_CONFIG_SYSTEM", "PSQLRC", "RIPGREP_CONFIG_PATH", "SQLITE_HISTORY",
                     "PYTHONSTARTUP", "BASH_ENV", "ENV", "MYSQL_HOME", "HGRCPATH", "JJ_CONFIG",
                     # TLS session keys appended to the file (curl, Firefox, Chrome, Python),
                     # and log files
                     "SSLKEYLOGFILE", "TF_LOG_PATH", "RCLONE_LOG_FILE", "ANSIBLE_LOG_PATH"),
                    # (an empty value or /dev/null: no file, nothing loaded or written)
                    LazyPattern(r"=['\"]?(?!-?['\"]?$|/dev/null)\S")),
    **dict.fromkeys(("FZF_DEFAULT_OPTS", "SKIM_DEFAULT_OPTIONS"),
                    LazyPattern(r"execute|become|--listen")),
    "MANOPT": LazyPattern(r"(=|\s)['\"]?-[a-zA-Z]*[PHC]|--(pager|html|config-file)"),
    # a trace written to a file (0, 1, true: to the terminal)
    **dict.fromkeys(("GIT_TRACE", "GIT_TRACE2", "GIT_TRACE2_EVENT", "GIT_TRACE2_PERF",
                     "GIT_TRACE_PACKET", "GIT_TRACE_PERFORMANCE", "GIT_TRACE_SETUP",
                     "GIT_TRACE_CURL"), LazyPattern(r"=['\"]?[/~.$]")),
    # `PS4='$(rm -rf build)' bash -xc ls`: a traced shell expands it before every command
    "PS4": LazyPattern(r"\$\(|`"),
    # a directory of the project's searched for programs first (`PATH=.:$PATH ls`)
    "PATH": LazyPattern(r"=['\"]?(\.|[^/$~:'\"][^:]*)(:|['\"]?$)"),
}
#: Prefix assignments whose value is a command line the program may run.
_COMMAND_VARIABLES = LazyPattern(r"^(LESSOPEN|LESSCLOSE|GIT_SSH|RSYNC_RSH|SVN_SSH|FCEDIT|DIFFTOOL|"
                                 # every tool's own: AWS_PAGER, GH_BROWSER, KUBE_EDITOR,
                                 # KUBECTL_EXTERNAL_DIFF, FZF_DEFAULT_COMMAND, WGET_ASKPASS
                                 r"\w*(PAGER|EDITOR|VISUAL|BROWSER|ASKPASS|EXTERNAL_DIFF|"
                                 r"_SSH_COMMAND|_PROXY_COMMAND|_DEFAULT_COMMAND))$")
#: The usual values of those: viewers, editors and browsers that run nothing else, by
#: name or system path, with plain options (`less -R`, `code --wait`, `/usr/bin/nvim`).
_USUAL_COMMAND = LazyPattern(r"['\"]*(/usr/bin/|/usr/local/bin/|/bin/|/opt/homebrew/bin/|/snap/bin/)?"
                             r"(cat|less|more|most|moar|ov|bat|batcat|delta|"
                             r"diff-so-fancy|head|vi|vim|nvim|gvim|mvim|nano|pico|emacs|"
                             r"emacsclient|micro|hx|helix|kak|joe|ne|mg|ed|code|codium|cursor|"
                             r"subl|zed|mate|gedit|kate|true|:|none|firefox|chromium|"
                             r"google-chrome|open|xdg-open|w3m|lynx)?(\s+-[\w=-]*)*['\"]*")
#: Command variables that name a remote shell: the program adds the host and its command.
_TRANSPORT_VARIABLES = frozenset({"GIT_SSH_COMMAND", "GIT_SSH", "RSYNC_RSH"})
#: A single-quoted `$(...)` or backquote, and the places where bash evaluates text again:
#: arithmetic (`$(( ))`, `(( ))`, `[[ ]]` and `test` comparisons, `let`, integer
#: variables), array subscripts and names (`${a[...]}`, `${!x}`, `[ -v ]`, `unset`, `read`,
#: `printf -v`) and prompt expansion (`${x@P}`).
_EVALUATES_TEXT = LazyPattern(r"\$\(\(|\(\(|\[\[|\$\{!|@P\}|\$\{\w+\[|"
                              r"(?:^|[\s;&|(!])(?:\[|test|let|unset|read|mapfile|readarray)\s|"
                              r"printf\s+-v|(?:declare|typeset|local|export)\s+-\w*[iaA]")


def _evaluates_quoted_code(source: str) -> bool:
    """Does a single-quoted text of ``source`` hold a command substitution while the
    rest of it (outside those quotes) evaluates text again (:data:`_EVALUATES_TEXT`)?"""
    quoted: list[str] = []
    outside: list[str] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "\\":
            outside.append(source[i:i + 2])
            i += 2
        elif ch == "'" or (ch == "$" and source.startswith("$'", i)):
            # '...' and $'...' (in which \' does not end it)
            start = i + (2 if ch == "$" else 1)
            j = start
            while j < n and source[j] != "'":
                j += 2 if ch == "$" and source[j] == "\\" else 1
            quoted.append(source[start:j])
            outside.append("''")
            i = j + 1
        elif ch == '"':
            j = i + 1
            while j < n and source[j] != '"':
                j += 2 if source[j] == "\\" else 1
            outside.append(source[i:j + 1])
            i = j + 1
        else:
            outside.append(ch)
            i += 1
    return any("$(" in q or "`" in q for q in quoted) and \
        _EVALUATES_TEXT.search("".join(outside)) is not None


#: `:(){ :|:& };:` and its renamings: a function whose body runs itself twice, once in the
#: background or down a pipe.
_FORK_BOMB = LazyPattern(r"(?P<n>[^\s(){}|&;<>]+)\s*\(\)\s*\{[^}]*?(?<![\w.:-])(?P=n)\s*[|&]\s*"
                         r"(?P=n)(?![\w.:-])[^}]*&")
_DECLARATIONS = frozenset({"export", "declare", "typeset", "local", "readonly"})


def _replaces_path(value: str) -> bool:
    """A PATH value that drops the one before (`PATH=/tmp`) or puts a relative directory
    first (`PATH=.:$PATH`): later commands may run other programs than their names say."""
    value = value.strip("'\"")
    return ("$PATH" not in value and "${PATH" not in value) or \
        _LOADS_CODE["PATH"].search(f"PATH={value}") is not None


def _path_finding(part: str) -> Finding:
    return Finding(part, Crud.READ, "changes PATH so that commands may run other programs than "
                   "their names say", rule_id="shell.path", confidence=0.6, confirm=True)


#: `${NAME:=value}` and `${NAME=value}`: the expansion assigns NAME when it is unset (or empty).
#: An assignment to HISTFILE or HISTFILESIZE inside `(( ))` or `$(( ))` (parentheses of
#: its own may come first: `(( a = (1), HISTFILESIZE = 0 ))`).
_ARITHMETIC_HISTORY = LazyPattern(r"\(\((?:(?!\)\)).)*?\bHISTFILE(SIZE)?\s*([-+*/%]?=(?!=)|\+\+|--)",
                                  re.S)
_EXPANSION_ASSIGNMENT = LazyPattern(r"\$\{(\w+)(?:\[[^]]*\])?:?=([^}]*)")
#: Prompt strings: the shell expands them, command substitutions included, at every prompt.
_PROMPT_VARIABLES = LazyPattern(r"^(PS[0-4]|PROMPT|RPROMPT|RPS1|PROMPT2|PROMPT3|PROMPT4)$")
#: Variables that conventionally name a program.
_PROGRAM_VARIABLES = {"EDITOR": "vi", "VISUAL": "vi", "GIT_EDITOR": "vi", "SUDO_EDITOR": "vi",
                       "FCEDIT": "vi", "PAGER": "less", "MANPAGER": "less", "GIT_PAGER": "less",
                       "SHELL": "sh", "BROWSER": "xdg-open"}
_EXPANSION = LazyPattern(r"^\$\{?(\w+)(?:(:?[-=])([^}]*))?\}?$")


def _resolve_program(word: Word, variables: dict[str, str]) -> str | None:
    """The program a dynamic command word most likely names: a default value
    (``${RM:-rm}``), a literal assigned earlier on the line (``a=r; b=m; $a$b``), or a
    conventional variable (``$EDITOR``)."""
    text = word.raw.strip('"')
    if "$(" in text or "`" in text or "<(" in text:
        return None  # a command substitution names the program: nothing to resolve
    whole = _EXPANSION.match(text)
    if whole:
        name, op, default = whole.groups()
        if name in variables:
            return variables[name]
        if op and default and "$" not in default:
            return default
        return _PROGRAM_VARIABLES.get(name)
    pieces = re.findall(r"\$\{?(\w+)\}?|([^$]+)", text)
    out = []
    for name, literal in pieces:
        if literal:
            out.append(literal)
        elif name in variables:
            out.append(variables[name])
        else:
            return None
    return "".join(out) or None


def _after_flag(token: str, flags: tuple[str, ...]) -> str | None:
    """For a ``runs = "after-flag"`` rule: None when ``token`` is not one of ``flags``;
    else the value attached to it ("" when the command starts at the next word):
    ``-x`` -> "", ``--exec=rm`` -> "rm", ``-Hx`` -> "", ``-xrm`` -> "rm"."""
    if token in flags:
        return ""
    name, eq, value = token.partition("=")
    if eq and name.startswith("--") and name in flags:
        return value
    if len(token) > 2 and token[0] == "-" and token[1] != "-":
        for k in range(1, len(token)):
            if f"-{token[k]}" in flags:
                return token[k + 1:]
    return None


def _runs_from(match) -> int:  # type: ignore[no-untyped-def]
    """Index in the argv's tokens where the command a ``runs`` rule hands on starts
    (their number when there is none): what the program itself reads ends there."""
    view = match.view
    if match.rule.runs == "after-dashdash":
        return next((i for i, tok in enumerate(view.tokens) if tok == "--"), len(view.tokens))
    if match.rule.runs == "after-flag":
        return next((i + 1 for i, tok in enumerate(view.tokens)
                     if _after_flag(tok, match.rule.flags) is not None), len(view.tokens))
    if len(view.positional_index) > match.consumed:
        return view.positional_index[match.consumed]
    return len(view.tokens)


def _reads_target(owner: SimpleCommand, path: str, ctx: Context) -> bool:
    target = ctx.resolve(path)
    return any(not w.dynamic and not w.text.startswith("-") and ctx.resolve(w.text) == target
               for w in owner.words[1:])


#: Shell builtins and keywords: a relative path with one of these names (`bin/test`) is
#: a file of the project, which runs its own code.
_BUILTIN_NAMES = frozenset({
    ":", ".", "[", "[[", "true", "false", "test", "echo", "printf", "print", "type", "which",
    "whence", "where", "help", "exit", "return", "wait", "jobs", "fg", "bg", "times", "caller",
    "cd", "pwd", "export", "unset", "alias", "source", "eval", "exec", "read", "set", "shift",
    # fish's
    "contains", "string", "math", "status", "count", "argparse", "set_color", "isatty",
})


def _of_the_project(path: str) -> bool:
    """Is ``path`` a program of the project, run by a relative path (`./sum`, `ci/lint`),
    not one in a directory of installed tools (`bin/`, `node_modules/.bin/`), nor an npm
    package's scoped name (`npx @biomejs/biome`)?"""
    if "/" not in path or path[0] in "/~@":
        return False
    directory = path.rpartition("/")[0].rstrip("/").rpartition("/")[2]
    return directory not in ("bin", ".bin", "sbin")


#: Where SysV init scripts live.
_INIT_SCRIPT_DIRS = ("/etc/init.d/", "/etc/rc.d/init.d/", "/etc/rc.d/")
#: Where a program with a builtin's name is the system's own (`/usr/bin/test`).
_SYSTEM_BIN_DIRS = ("/bin/", "/usr/bin/", "/sbin/", "/usr/sbin/", "/usr/local/bin/",
                    "/usr/local/sbin/", "/opt/homebrew/bin/", "/run/current-system/sw/bin/")
#: Programs that are scripts of the project: they run their own code before they read
#: `--help` or `--version`.
_SCRIPT_SUFFIXES = (".py", ".sh", ".bash", ".rb", ".pl", ".php", ".js", ".mjs", ".cjs", ".ts")


def _asks_for_help(tokens: tuple[str, ...], before: int) -> bool:
    """``--help`` (or ``--help-TOPIC``) among the first ``before`` tokens, before ``--``;
    ``--version`` only where it takes no value (``gem install rails --version 7``
    installs); ``-version`` alone (``cwebp -version``, ``java -version``)."""
    if tokens == ("-version",):
        return True
    for i, tok in enumerate(tokens[:before]):
        if tok == "--":
            return False
        if tok == "--help" or (tok.startswith("--help-") and tok[7:].isalpha()):
            return True
        if tok == "--version" and (i + 1 == len(tokens) or tokens[i + 1].startswith("-")):
            return True
    return False


_default: Classifier | None = None


def classify_command(command: str, cwd: str | None = None) -> Verdict:
    """Classify with the built-in rules (a shared :class:`Classifier`)."""
    global _default
    if _default is None:
        _default = Classifier()
    return _default.classify(command, cwd)
