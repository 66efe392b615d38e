"""Load rule files and find the rule that decides an argv.

One small engine for every domain: the knowledge lives in ``rules/data/*.toml``
(and in the user's rule directory), never in code.
"""

from __future__ import annotations

import fnmatch
import os
import pickle
import re
import zlib
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path

from shellguard.parse.plain import EXCEPTION, exceptions_allow, prefix_split
from shellguard.rules.schema import (
    OPERAND_KEY,
    Program,
    Rule,
    RuleError,
    build_program,
    build_rule,
)
from shellguard.verdict import Crud

__all__ = ["RuleSet", "ArgvView", "Match", "ReadPrefix", "load_rules", "builtin_rules",
           "DATA_DIR", "glob_any", "program_name"]

DATA_DIR = Path(__file__).with_name("data")


@dataclass(frozen=True)
class ArgvView:
    """An argv split the way a rule looks at it: flags, option values and positionals."""

    program: str
    flags: tuple[str, ...]
    positionals: tuple[str, ...]
    option_values: dict[str, list[str]] = field(hash=False, compare=False)
    double_dash: bool = False
    tokens: tuple[str, ...] = ()
    # index in ``tokens`` of each positional, so a rule can hand the rest of argv on
    positional_index: tuple[int, ...] = ()
    # how many of ``flags`` come before the first positional
    leading_flags: int = 0

    @classmethod
    def of(cls, argv: tuple[str, ...], program: Program | None) -> ArgvView:
        name = program_name(argv[0]) if argv else ""
        with_arg = program.options_with_arg if program else frozenset()
        # (curl's `--expand-output F` is `--output F`, its variables expanded)
        variants: tuple[str, ...] = tuple(program.settings.get("option_prefixes", ())) if program else ()
        flags: list[str] = []
        positionals: list[str] = []
        index: list[int] = []
        values: dict[str, list[str]] = {}
        tokens = argv[1:]
        i = 0
        double_dash = False
        operands_only = False
        leading = -1
        while i < len(tokens):
            tok = tokens[i]
            if double_dash or operands_only or tok == "-" or not tok.startswith("-"):
                if leading < 0:
                    leading = len(flags)
                positionals.append(tok)
                index.append(i)
                operands_only = program is not None and program.options_end_at_operand
                operand = OPERAND_KEY.match(tok)
                if operand is not None:
                    # `dd of=FILE`: a key=value operand, kept under "of=" so that
                    # `writes_option = ["of="]` finds it (options always start with "-")
                    values.setdefault(operand.group(), []).append(tok[operand.end():])
            elif tok == "--":
                double_dash = True
            elif tok.startswith("--"):
                key, eq, value = tok.partition("=")
                for variant in variants:
                    if key.startswith(variant) and len(key) > len(variant):
                        key = "--" + key[len(variant):]
                        break
                flags.append(key)
                if eq:
                    values.setdefault(key, []).append(value)
                elif key in with_arg and i + 1 < len(tokens):
                    values.setdefault(key, []).append(tokens[i + 1])
                    i += 1
            else:
                if tok in with_arg:
                    flags.append(tok)
                    if i + 1 < len(tokens):
                        values.setdefault(tok, []).append(tokens[i + 1])
                        i += 1
                elif tok[:2] in with_arg and len(tok) > 2 and not (program and program.single_dash_long):
                    # `sort -oout.txt`: the option with its value attached (both kept:
                    # zip's -sf is an option of its own)
                    flags.extend((tok, tok[:2]))
                    values.setdefault(tok[:2], []).append(tok[2:].lstrip("="))
                    i += 1
                    continue
                flags.append(tok)
                if "=" in tok:
                    key, _, value = tok.partition("=")
                    values.setdefault(key, []).append(value)
                    if program and program.single_dash_long:
                        # `-outdir=build` is -outdir (elsewhere `-Dkey=v` is no cluster)
                        flags.append(key)
            i += 1
        if leading < 0:
            leading = len(flags)
        return cls(name, tuple(flags), tuple(positionals), values, double_dash, tokens,
                   tuple(index), leading)

    def after_subcommand(self) -> ArgvView:
        """This view without the options before the first positional (see
        Program.global_options_first)."""
        return replace(self, flags=self.flags[self.leading_flags:], leading_flags=0)

    def sets_flag(self, flag: str, single_dash_long: bool = False) -> bool:
        """:meth:`has_flag`, and every value given to it (``--dry-run=client``) turns it
        on: ``--dry-run=false``, ``--dry-run=none`` or ``--dry-run=$MODE`` do not."""
        return self.has_flag(flag, single_dash_long) and all(
            switched_on(value) for value in self.option_values.get(flag, ())) and not (
            self.turns_off(flag))

    def negated(self, group: Sequence[str]) -> bool:
        """Is an on/off option of ``group`` (one option's spellings: ``-n``,
        ``--dry-run``) turned off after it by a ``--no-`` form (``--dry-run
        --no-dry-run``, ``git clean -n --no-dry-run``)? The last one given wins."""
        off = [f"--no-{f[2:]}" for f in group if f.startswith("--") and len(f) > 2]
        if not off or not any(f in self.flags for f in off):
            return False
        last_off = max(i for i, f in enumerate(self.flags) if f in off)
        return not any(i > last_off for i, f in enumerate(self.flags) if f in group)

    def turns_off(self, flag: str) -> bool:
        """Is ``flag`` last given as switched off (``--dry-run=false``, ``--check=0``;
        ``--dry-run=client --dry-run=false``: the last one wins), or switched off under an
        abbreviation of its name (``--dry=false``: npm's and argparse's parsers take one)?"""
        values = self.option_values.get(flag)
        if flag.startswith("--") and any(
                key != flag and len(key) > 3 and key.startswith("--") and flag.startswith(key)
                and any(value.lower() in _FALSE_VALUES for value in given)
                for key, given in self.option_values.items()):
            return True
        return bool(values) and values[-1].lower() in _FALSE_VALUES

    def values_of(self, flag: str, known: frozenset[str] | None = None) -> list[str]:
        """The values given to ``flag``; with ``known`` (as for :meth:`has_flag`, where a
        value makes the line ask) also those given to an abbreviation of it
        (`wget --meth=DELETE`)."""
        values = self.option_values.get(flag, [])
        if known is None or not flag.startswith("--"):
            return values
        return values + [value for key, given in self.option_values.items()
                         if _abbreviates(key, flag, known) for value in given]

    def has_flag(self, flag: str, single_dash_long: bool = False,
                 known: frozenset[str] | None = None) -> bool:
        """Is ``flag`` given (``-r`` also inside ``-rf``)? ``known`` (the program's
        options the rules name) is given where a "yes" makes the line ask; then a long
        option also counts as any start of its name that is no known option itself
        (`sort --outp=f`: getopt_long, git and argparse take one that names no other
        option; one that does is an error), nor ends where a word of the name does
        (`--json` of --json-output is most often an option too), and a short one as the
        letter before a value attached to a cluster (`sed -ni.bak`)."""
        if flag.startswith("--"):
            return flag in self.flags or (known is not None and any(
                _abbreviates(tok, flag, known) for tok in self.flags))
        for tok in self.flags:
            if tok == flag:
                return True
            if single_dash_long or len(flag) != 2:
                continue
            if known is not None and tok[1:2].isalpha():
                # `sed -ni.bak`: the letter before a value attached to a cluster (asking)
                run = _LETTERS.match(tok, 1)
                if run is not None and run.end() < len(tok) and tok[run.end() - 1] == flag[1]:
                    return True
            # short clusters: `-rf` holds -r and -f; `-i.bak` is -i with a value
            body = tok[1:]
            if tok.startswith(flag) and not body[1:2].isalpha():
                return True
            # (`#` is a letter of curl's clusters: `-#O` is -# and -O)
            if (body.isalpha() or (body[:1] == "#" and body[1:].isalpha())) and flag[1] in body:
                return True
        return False


def _abbreviates(tok: str, flag: str, known: frozenset[str]) -> bool:
    """Is ``tok`` an abbreviation of the long option ``flag`` as getopt_long, git and
    argparse take one: a start of its name that is no known option itself, nor ends where
    a word of the name does (see :meth:`ArgvView.has_flag`)?"""
    return (2 < len(tok) < len(flag) and tok.startswith("--") and flag.startswith(tok)
            and flag[len(tok)] != "-" and tok not in known)


#: The letters of a short-option cluster, up to a value attached to it.
_LETTERS = re.compile(r"[A-Za-z]+")
#: Values that turn an on/off option on (kubectl's and helm's --dry-run take client and
#: server); anything else, a variable included, leaves it to the rules.
_TRUE_VALUES = frozenset({"true", "1", "yes", "on", "client", "server"})
_FALSE_VALUES = frozenset({"false", "0", "no", "off", "none", ""})


def switched_on(value: str) -> bool:
    """Does ``--flag=value`` turn an on/off option on?"""
    return value.lower() in _TRUE_VALUES


@dataclass(frozen=True)
class Match:
    rule: Rule
    view: ArgvView
    consumed: int  # positionals taken by the subcommand


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


#: A cross toolchain's tools (``arm-none-eabi-objdump``, ``aarch64-linux-gnu-gcc``,
#: ``avr-size``) are the GNU tools they are named after, for another target.
_CROSS_TOOL = re.compile(
    r"(?:aarch64|arm\w*|avr|i[3-6]86|m68k|mips\w*|msp430|nios2|or1k|powerpc\w*|ppc\w*|"
    r"riscv(?:32|64)|s390x?|sparc\w*|x86_64|xtensa|loongarch64|arc|csky|microblaze\w*|bpf)"
    r"(?:-[\w.]+){0,3}-(gcc|g\+\+|c\+\+|cc|cpp|ld|ld\.bfd|ld\.gold|as|ar|nm|objdump|objcopy|"
    r"readelf|size|strip|strings|gdb|addr2line|ranlib|gcov|elfedit|gprof|c\+\+filt|gfortran)")


def program_name(word: str) -> str:
    """``/usr/bin/rm`` -> ``rm``; ``python3.11`` stays itself (rule files list versions);
    ``arm-none-eabi-size`` -> ``size`` (a cross toolchain's); ``wsl.exe`` -> ``wsl``."""
    name = word.rsplit("/", 1)[-1]
    if "-" in name and (cross := _CROSS_TOOL.fullmatch(name)) is not None:
        return cross.group(1)
    return _without_exe(name)


def _without_exe(name: str) -> str:
    """A Windows program run from WSL or Git Bash: ``ipconfig.exe`` is ``ipconfig`` (rule
    files may name either)."""
    return name[:-4] if len(name) > 4 and name[-4:].lower() == ".exe" else name


@cache
def _patterns(patterns: tuple[str, ...], ignore_case: bool) -> tuple[frozenset[str], re.Pattern[str] | None]:
    """Glob patterns as (the literal words, one regex for the rest): most are literal."""
    if ignore_case:
        patterns = tuple(p.lower() for p in patterns)
    literal = frozenset(p for p in patterns if not any(c in p for c in "*?["))
    globs = [fnmatch.translate(p) for p in patterns if p not in literal]
    return literal, re.compile("|".join(globs)) if globs else None


def glob_any(patterns: tuple[str, ...], word: str, ignore_case: bool = False) -> bool:
    """``fnmatchcase(word, p)`` for any p (case-folded both sides with ``ignore_case``)."""
    literal, rest = _patterns(patterns, ignore_case)
    if ignore_case:
        word = word.lower()
    return word in literal or (rest is not None and rest.match(word) is not None)


def _match_subcommand(slots: tuple[tuple[str, ...], ...], words: tuple[str, ...],
                      ignore_case: bool) -> int | None:
    """Match slot patterns against the leading positionals; ``**`` spans any number of words.

    Returns how many positionals the subcommand used, or None.
    """
    if not slots:
        return 0
    slot, rest = slots[0], slots[1:]
    if slot == ("**",):
        for skip in range(len(words) + 1):
            used = _match_subcommand(rest, words[skip:], ignore_case)
            if used is not None:
                return skip + used
        return None
    if not words or not glob_any(slot, words[0], ignore_case):
        return None
    used = _match_subcommand(rest, words[1:], ignore_case)
    return None if used is None else used + 1


def _literal_first_slot(rule: Rule, ignore_case: bool) -> frozenset[str] | None:
    """The words a rule's first subcommand slot can match, when they are all literal."""
    if not rule.subcommand or rule.subcommand[0] == ("**",):
        return None
    literal, rest = _patterns(rule.subcommand[0], ignore_case)
    return literal if rest is None else None


class _Unpickling(dict):
    """A dict whose values may be pickled bytes, unpickled on first access.

    The rule cache stores each program's entry and rules this way, so a start-up
    unpickles two small dicts of bytes, and a command unpickles only its program's rules.
    """

    def __getitem__(self, key):  # type: ignore[no-untyped-def]
        value = dict.__getitem__(self, key)
        if isinstance(value, bytes):
            value = pickle.loads(value)
            if isinstance(value, list):
                # a rule listed under several programs is pickled with each of them: keep
                # one object per rule id, whichever program loads it first (half the memory)
                shared = self.__dict__.setdefault("_shared", {})
                value = [shared.setdefault(rule.id, rule) for rule in value]
            dict.__setitem__(self, key, value)
        return value

    def get(self, key, default=None):  # type: ignore[no-untyped-def]
        return self[key] if key in self else default

    def values(self):  # type: ignore[no-untyped-def]
        return [self[key] for key in self]

    def items(self):  # type: ignore[no-untyped-def]
        return [(key, self[key]) for key in self]

    def __reduce__(self):  # type: ignore[no-untyped-def]
        packed = {k: v if isinstance(v, bytes) else pickle.dumps(v, pickle.HIGHEST_PROTOCOL)
                  for k, v in dict.items(self)}
        return (_Unpickling, (packed,))


class RuleSet:
    """Programs and rules from any number of files, indexed by program name."""

    def __init__(self) -> None:
        self.programs: dict[str, Program] = _Unpickling()
        self._rules: dict[str, Rule] | None = {}
        # per program: its rules, most specific first
        self._by_program: dict[str, list[Rule]] = _Unpickling()
        self.errors: list[str] = []
        self.files: list[Path] = []
        # (program, first positional) -> the rules that can match it (see _candidates)
        self._by_word: dict[tuple[str, str | None], list[Rule]] = {}
        # program -> (the literal first words its rules name, each rule with its own)
        self._first_words: dict[str, tuple[frozenset[str], list[tuple[Rule, frozenset[str] | None]]]] = {}
        self._long_options: dict[str, frozenset[str]] = {}   # see _known_options
        # (program, leading positionals) -> its read-only prefix (see read_only_prefix)
        self._read_only: dict[tuple[str, tuple[str, ...]], ReadPrefix | None] = {}

    # -- loading ------------------------------------------------------------

    def add_file(self, path: Path) -> None:
        """Add one rule file; on error, record one line naming file and key, and keep the rest."""
        import tomllib  # only when (re)building: the cache spares the co-process this import

        where = str(path)
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            self.errors.append(f"{where}: {exc}")
            return
        except OSError as exc:
            self.errors.append(f"{where}: cannot read ({exc.strerror})")
            return
        try:
            programs, rules = self._build(data, where)
        except RuleError as exc:
            self.errors.append(str(exc))
            return
        self.files.append(path)
        for program in programs:
            self.programs[_without_exe(program.name)] = program
            for alias in program.settings.get("aliases", []):
                self.programs[_without_exe(alias)] = replace(program, name=alias)
        for rule in rules:
            self.rules[rule.id] = rule  # a later file (the user's) replaces a rule by id
        self._reindex()

    @staticmethod
    def _build(data: dict, where: str) -> tuple[list[Program], list[Rule]]:
        unknown = set(data) - {"program", "rule"}
        if unknown:
            raise RuleError(f"{where}: unknown top-level key '{sorted(unknown)[0]}' "
                            "(use [program.NAME] and [[rule]])")
        table = data.get("program", {})
        if not isinstance(table, dict):
            raise RuleError(f"{where}: 'program' must be a table of [program.NAME] entries")
        programs = [build_program(name, t, where) for name, t in table.items()]
        raw_rules = data.get("rule", [])
        if not isinstance(raw_rules, list):
            raise RuleError(f"{where}: rules are written as [[rule]] entries")
        rules = [build_rule(t, where) for t in raw_rules]
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise RuleError(f"{where}: rule '{rule.id}' is defined twice")
            seen.add(rule.id)
        return programs, rules

    @property
    def rules(self) -> dict[str, Rule]:
        """Every rule by id (materialises a lazily loaded set)."""
        if self._rules is None:
            self._rules = {}
            for name in list(self._by_program):
                for rule in self._rules_for(name):
                    self._rules[rule.id] = rule
        return self._rules

    def _rules_for(self, name: str) -> list[Rule]:
        return self._by_program.get(name, [])

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_rules"] = None  # rebuilt from _by_program when asked for
        state["_by_word"] = {}  # rebuilt as commands come
        state["_first_words"] = {}
        state["_long_options"] = {}
        state["_read_only"] = {}
        return state

    def _candidates(self, name: str, first: str | None, ignore_case: bool) -> list[Rule]:
        """The program's rules that can match when its first positional is ``first``.

        A rule whose first subcommand slot lists only literal words can match only one of
        those words: ``git status`` need not try the 150 other git rules. The list keeps
        the most-specific-first order, so the answer is the one a full scan would give.
        Built once per (program, word); every word no rule names shares one entry (None),
        so what users type cannot grow the index.
        """
        if first is not None and ignore_case:
            first = first.lower()
        found = self._by_word.get((name, first))
        if found is not None:
            return found
        slots = self._first_words.get(name)
        if slots is None:
            pairs = [(rule, _literal_first_slot(rule, ignore_case)) for rule in self._rules_for(name)]
            slots = frozenset(w for _, literal in pairs for w in literal or ()), pairs
            self._first_words[name] = slots
        words, pairs = slots
        if first not in words:
            first = None
            found = self._by_word.get((name, None))
            if found is not None:
                return found
        found = [rule for rule, literal in pairs if literal is None or first in literal]
        self._by_word[(name, first)] = found
        return found

    def strip_examples(self) -> None:
        """Drop examples (test data) to keep the cached set small and quick to load."""
        self._rules = {rid: replace(rule, examples=(), not_examples=(), known_miss=())
                       for rid, rule in self.rules.items()}
        self._reindex()

    def _reindex(self) -> None:
        index: dict[str, list[Rule]] = {}
        for rule in self.rules.values():
            for name in dict.fromkeys(_without_exe(n) for n in rule.programs):
                index.setdefault(name, []).append(rule)
        for rules in index.values():
            rules.sort(key=lambda r: (r.specificity, r.crud), reverse=True)
        self._by_program = _Unpickling(index)
        self._by_word = {}
        self._first_words = {}
        self._long_options = {}
        self._read_only = {}

    def warm_steps(self, names: Iterable[str]) -> Iterator[None]:
        """Read the rules of the programs ``names`` and compile their patterns, a few
        milliseconds a step: what a program's first command would otherwise wait for (a
        cold ``curl`` line: 4 ms, most of it compiling patterns). The co-process runs
        the steps while no line is waiting."""
        for name in names:
            if not self.knows(name):
                continue
            program = self.programs.get(name)
            rules = self._rules_for(name)
            ignore_case = bool(program and program.ignore_case)
            self._candidates(name, None, ignore_case)
            self._known_options(name, program)
            yield
            for start in range(0, len(rules), _WARM_STEP):
                for rule in rules[start:start + _WARM_STEP]:
                    _compile(rule, ignore_case)
                yield

    # -- lookup -------------------------------------------------------------

    def program(self, name: str) -> Program | None:
        return self.programs.get(name)

    def knows(self, name: str) -> bool:
        return name in self._by_program or name in self.programs

    def match(self, argv: tuple[str, ...]) -> Match | None:
        """The deciding rule for ``argv``: the most specific one whose conditions all hold."""
        if not argv:
            return None
        return self.match_view(ArgvView.of(argv, self.programs.get(program_name(argv[0]))))

    def match_view(self, view: ArgvView) -> Match | None:
        """:meth:`match` for an argv already split (the classifier splits it once)."""
        program = self.programs.get(view.program)
        first = view.positionals[0] if view.positionals else None
        known = self._known_options(view.program, program)
        # (Program.global_options_first: the view rules with a subcommand see, made once)
        after = view.after_subcommand() if (
            view.leading_flags and program and program.global_options_first) else None
        for rule in self._candidates(view.program, first, bool(program and program.ignore_case)):
            used = self._matches(rule, view, program, known, after)
            if used is not None:
                return Match(rule, view, used)
        return None

    def _known_options(self, name: str, program: Program | None) -> frozenset[str]:
        """The long options the rules name for program ``name``: a word that is one of
        them is that option, never an abbreviation of a longer one (`qpdf --json`)."""
        known = self._long_options.get(name)
        if known is None:
            rules = self._rules_for(name)
            if not rules and program is None:
                return frozenset()  # (not kept: what users type must not grow the cache)
            words: set[str] = set(program.options_with_arg | set(program.dry_run)) if program \
                else set()
            for rule in rules:
                words.update(rule.flags, rule.all_flags, rule.no_flags, rule.writes_option)
                words.update(flag for flag, _ in rule.option_values)
                words.update(o.partition("=")[0] for o in rule.runs_option)
            known = frozenset(w for w in words if w.startswith("--"))
            self._long_options[name] = known
        return known

    @staticmethod
    def _matches(rule: Rule, view: ArgvView, program: Program | None,
                 known: frozenset[str] = frozenset(),
                 after: ArgvView | None = None) -> int | None:
        ignore_case = bool(program and program.ignore_case)
        sdl = bool(program and program.single_dash_long)
        used = _match_subcommand(rule.subcommand, view.positionals, ignore_case)
        if used is None:
            return None
        if rule.subcommand and after is not None:
            view = after
        # An option given only as switched off (`--dry-run=false`) is no reason to read,
        # nor one not to do more; elsewhere its value counts (`--replicas=0`).
        # An abbreviated long option counts where it makes the line ask: for the options
        # of a rule that does more than read or asks (`sed --fi=x.sed`), and against a
        # reading rule.
        reads = rule.crud == Crud.READ and not rule.confirm
        more, fewer = (None, known) if reads else (known, None)
        if rule.flags and not any(view.has_flag(f, sdl, more)
                                  and not (reads and view.turns_off(f)) for f in rule.flags):
            return None
        if reads and rule.flags and view.negated(rule.flags):
            return None     # `git clean -n --no-dry-run -f`: the last one wins
        if rule.all_flags and not all(view.has_flag(f, sdl, more)
                                      and not (reads and view.turns_off(f))
                                      for f in rule.all_flags):
            return None
        if rule.no_flags and any(view.has_flag(f, sdl, fewer) and (reads or not view.turns_off(f))
                                 for f in rule.no_flags):
            return None
        rest = view.positionals[used:]
        if rule.min_args is not None and len(rest) < rule.min_args:
            return None
        if rule.max_args is not None and len(rest) > rule.max_args:
            return None
        if rule.args and not any(glob_any(rule.args, a) for a in rest):
            return None
        if rule.double_dash is not None and rule.double_dash != view.double_dash:
            return None
        # An option given twice: a rule that does more holds on either value, one that
        # only reads on both (`wget -O- -O page.html` saves the page: the last one wins)
        given = all if rule.crud == Crud.READ else any
        for flag, pattern in rule.option_values:
            values = view.values_of(flag, more)
            if not values or not given(glob_any((pattern,), v, ignore_case=True) for v in values):
                return None
        if rule.argv_regex is not None and not _regex(rule.argv_regex).search(" ".join(view.tokens)):
            return None
        return used

    def read_only_prefix(self, words: Sequence[str]) -> ReadPrefix | None:
        """The leading words (``ls``, ``git status``, ``gh pr list``: the program and up
        to two subcommand words) after which any words but the prefix's ``unless``
        options make a READ command, or None.

        True when no handler looks inside the program, one rule with no condition
        beyond those words only reads (so some rule always matches), and every rule
        tried before it either only reads or cannot match without one of its options
        present (those become ``unless``). The shells let a line of plain
        words through on it without a round trip: it must never hold for a command that
        may do more than read.
        """
        if not words or not _PREFIX_WORD.fullmatch(words[0]) or words[0] in _RESERVED:
            return None
        found = self._read_prefix(words[0], ())
        with_arg = self.options_with_arg(words[0])
        for depth in (1, 2):
            if found is not None:
                break
            split = prefix_split(words, depth + 1, with_arg)
            if split is None:
                break
            sub = tuple(split[0].split(" ")[1:])
            if not _PREFIX_WORD.fullmatch(sub[-1]):
                break
            found = self._read_prefix(words[0], sub)
        return found

    def covering_prefix(self, words: Sequence[str]) -> ReadPrefix | None:
        """The read-only prefix that makes the plain command ``words`` READ (its words
        and none of its exceptions: what the shells let through on it), or None."""
        prefix = self.read_only_prefix(words)
        return prefix if prefix is not None and prefix.covers(
            words, self.options_with_arg(words[0])) else None

    def options_with_arg(self, name: str) -> frozenset[str]:
        """The options of program ``name`` that take a value (what tells its
        positionals from option values, :class:`ArgvView`)."""
        program = self.programs.get(name)
        return program.options_with_arg if program is not None else frozenset()

    def read_only_prefixes(self, name: str) -> list[ReadPrefix]:
        """Every read-only prefix of program ``name`` that its rules spell out: the
        program alone, or else its subcommand words (one, or two when the first alone is
        none) that the rules name literally. What :meth:`read_only_prefix` gives a
        command of those words; a shell can be handed them before any line names them
        (:mod:`shellguard.read_table`)."""
        return [prefix for prefix in self.read_only_prefix_steps(name) if prefix is not None]

    def read_only_prefix_steps(self, name: str) -> Iterator[ReadPrefix | None]:
        """:meth:`read_only_prefixes` one candidate at a time (None: one that is not a
        prefix), for a caller that pauses between them (``ip`` has 1,400: 60 ms)."""
        if not _PREFIX_WORD.fullmatch(name) or name in _RESERVED:
            return
        alone = self._find_read_prefix(name, ())
        if alone is not None:
            yield alone
            return
        found: set[str] = set()
        for rule in self._rules_for(name):
            second = [w for w in (rule.subcommand[1] if len(rule.subcommand) > 1 else ())
                      if _PREFIX_WORD.fullmatch(w)]
            # (the literal words of its first slot, also beside patterns: `systemctl
            # status` of `status|show|list-*`; each is checked as a prefix of its own)
            first = rule.subcommand[0] if rule.subcommand and rule.subcommand[0] != ("**",) else ()
            for word in sorted(_patterns(first, False)[0]):
                if not _PREFIX_WORD.fullmatch(word) or f"{name} {word}" in found:
                    continue
                prefix = self._find_read_prefix(name, (word,))
                if prefix is None:
                    for more in second:
                        prefix = self._find_read_prefix(name, (word, more))
                        if prefix is not None and prefix.words not in found:
                            found.add(prefix.words)
                            yield prefix
                        else:
                            yield None
                else:
                    found.add(prefix.words)
                    yield prefix

    def _read_prefix(self, name: str, sub: tuple[str, ...]) -> ReadPrefix | None:
        key = (name, sub)
        if key in self._read_only:
            return self._read_only[key]
        found = self._find_read_prefix(name, sub)
        if len(self._read_only) < 4096:  # what users type must not grow it without bound
            self._read_only[key] = found
        return found

    def _find_read_prefix(self, name: str, sub: tuple[str, ...]) -> ReadPrefix | None:
        # The words of a prefix are the argv's first positionals (none starts with "-"),
        # so a rule whose subcommand slots cannot match them can never match.
        found = None
        program = self.programs.get(name)
        if program is None or not (program.handler or program.ignore_case):
            rules = self._rules_for(name) if not sub else [
                rule for rule in self._candidates(name, sub[0], False) if _may_match(rule, sub)]
            # Rules are tried most specific first and the first that matches decides: a
            # rule after one that only reads and always matches never decides.
            always = next((i for i, rule in enumerate(rules)
                           if _only_reads(rule) and _matches_anything_after(rule, sub)), None)
            if always is not None:
                unless = _exceptions_before(rules[:always], len(sub))
                if unless is not None:
                    # (its own no_flags too: with one of those it does not match; and
                    # any option a variant prefix makes: `--expand-output`)
                    unless |= set(rules[always].no_flags)
                    if program is not None:
                        unless |= set(program.settings.get("option_prefixes", ()))
                    if len(unless) <= _MAX_UNLESS and all(EXCEPTION.fullmatch(o) for o in unless):
                        found = ReadPrefix(" ".join((name, *sub)), tuple(sorted(unless)))
            elif _reads_options_anywhere(program):
                found = _flag_prefix(name, sub, rules, self.options_with_arg(name))
        elif not sub and not program.ignore_case and (unless := program.settings.get("reads_unless")):
            # a handler that finds only reads unless one of these options is given (find's
            # -exec, -delete): the program alone, with them as its exceptions
            if len(unless) <= _MAX_UNLESS and all(EXCEPTION.fullmatch(o) for o in unless):
                found = ReadPrefix(name, tuple(sorted(unless)))
        return found

    def all_rules(self) -> Iterable[Rule]:
        return self.rules.values()


#: A word a read-only prefix may hold: a program or subcommand name, nothing a shell expands.
_PREFIX_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")
#: Shell words that open or modify a construct: never a prefix, so that a plain line the
#: shells let through is always complete (they skip their incomplete-line checks for it).
_RESERVED = frozenset({"case", "coproc", "do", "done", "elif", "else", "end", "esac", "fi",
                       "for", "foreach", "function", "if", "in", "nocorrect", "noglob", "repeat",
                       "select", "then", "time", "until", "while"})
#: A prefix with more options and words than this to rule out is not worth a shell's time.
_MAX_UNLESS = 32


@dataclass(frozen=True)
class ReadPrefix:
    """``words`` (``git status``) followed by any words, none of them one of the
    exceptions in ``unless``, only reads. An exception is an option (``--output``:
    ``--output``, ``--output=x``; ``-o`` also inside ``-xo``) or a word written with an
    ``=`` in front (``=install``: the word ``install`` anywhere after the prefix, where
    a rule that does more than read would take it as a subcommand). ``unless`` may also
    name needed options, written with a ``+`` in front (``+-l``): then the first word
    after the prefix must be one of them (as it is, not ``--list=x``)."""

    words: str
    unless: tuple[str, ...] = ()

    def __str__(self) -> str:
        return " ".join((self.words, *self.unless))

    def covers(self, words: Sequence[str], with_arg: Container[str] | None = None) -> bool:
        """Do ``words`` (a plain command's, :mod:`shellguard.parse.plain`) start with
        this prefix's and hold none of its exceptions after them? (Options before its
        subcommand words are looked past when the program's that take a value,
        ``with_arg``, are given: :func:`shellguard.parse.plain.prefix_split`.)"""
        split = prefix_split(words, self.words.count(" ") + 1, with_arg)
        return split is not None and split[0] == self.words and exceptions_allow(
            split[1], self.unless, split[2])


#: Rules whose patterns one warm-up step compiles (git has about 400).
_WARM_STEP = 20


def _compile(rule: Rule, ignore_case: bool) -> None:
    """Compile the patterns :meth:`RuleSet._matches` and the read-only prefixes use."""
    for slot in rule.subcommand:
        _patterns(slot, ignore_case)
        if ignore_case:
            _patterns(slot, False)
    if rule.args:
        _patterns(rule.args, False)
    for _, pattern in rule.option_values:
        _patterns((pattern,), True)
    if rule.argv_regex is not None:
        _regex(rule.argv_regex)


def _only_reads(rule: Rule) -> bool:
    return (rule.crud == Crud.READ and not rule.writes and not rule.writes_option
            and not rule.confirm and not rule.runs and not rule.runs_option)


def _options_it_needs(rule: Rule) -> frozenset[str] | None:
    """Options without which ``rule`` cannot do more than read (empty: it only reads);
    None when no option set can tell (it may match, and write, with none given)."""
    if _only_reads(rule):
        return frozenset()
    if rule.crud == Crud.READ and not (rule.writes or rule.confirm or rule.runs):
        # reads unless an option names what it writes or runs
        return frozenset(rule.writes_option) | {o.partition("=")[0] for o in rule.runs_option}
    needed = set(rule.flags) | set(rule.all_flags) | {flag for flag, _ in rule.option_values}
    return frozenset(needed) if needed else None


def _reads_options_anywhere(program: Program | None) -> bool:
    """Does an option's word mean the same wherever it stands in an argv of this
    program (no `-name` long options, options not ended by the first operand)?"""
    return program is None or not (program.single_dash_long or program.options_end_at_operand)


def _flag_prefix(name: str, sub: tuple[str, ...], rules: list[Rule],
                 with_arg: frozenset[str]) -> ReadPrefix | None:
    """The prefix of a program, or of its subcommand words ``sub``, that only reads when
    given one of a rule's flags first (`crontab -l`, `swapon --show`, `git branch -a`):
    that rule only reads and needs nothing but those words and one of its flags, and
    every rule tried before it needs an option or, after subcommand words, a word of its
    own (exceptions: `git branch -d`). Its flags are the prefix's needed options,
    written ``+-l``: the word after the prefix's words must be one of them."""
    if not sub and any(rule.subcommand for rule in rules):
        return None
    reads = next((i for i, rule in enumerate(rules)
                  if _only_reads(rule) and _needs_only_flags(rule, len(sub))), None)
    if reads is None:
        return None
    unless = _exceptions_before(rules[:reads], len(sub))
    if unless is None:
        return None
    # (not one that takes a value, as the rules read the argv: `gem cleanup -n no` or
    # `-nno` switches -n off)
    flags = [flag for flag in rules[reads].flags if flag not in with_arg]
    if not flags:
        return None
    needs = {"+" + flag for flag in flags}
    # a value (`--dry-run=false`) switches a needed one off again, and the rules read a
    # --no- form of any of the rule's flags as switching all of them off (ArgvView.negated)
    off = {flag + "=" for flag in flags if flag.startswith("--")} | {
        f"--no-{flag[2:]}" for flag in rules[reads].flags if flag.startswith("--")}
    # (a shell tests only the first word against the needed ones: they cost it little;
    # the others it tests only against words that start as they do)
    if len(unless) > _MAX_UNLESS or len(needs) > _MAX_UNLESS or not all(
            EXCEPTION.fullmatch(e) for e in unless | needs | off):
        return None
    unless |= off
    return ReadPrefix(" ".join((name, *sub)), tuple(sorted(unless | needs)))


def _needs_only_flags(rule: Rule, depth: int) -> bool:
    """Does ``rule`` (one that may match ``depth`` subcommand words) match every argv
    that has those and one of its ``flags`` (and nothing else)?"""
    return bool(rule.flags) and len(rule.subcommand) == depth and not _needs_more(rule)


def _needs_more(rule: Rule) -> bool:
    """Does ``rule`` need anything of an argv beyond its subcommand words and flags?"""
    return bool(rule.all_flags or rule.no_flags or rule.args or rule.option_values
                or rule.argv_regex is not None or rule.double_dash is not None
                or rule.max_args is not None or (rule.min_args or 0) > 0)


def _exceptions_before(rules: list[Rule], depth: int) -> set[str] | None:
    """What rules tried before a reading one need to do more than read (their options,
    or the word after a prefix of ``depth`` subcommand words): a prefix's exceptions;
    None when one of them needs neither."""
    unless: set[str] = set()
    for rule in rules:
        gate = _options_it_needs(rule)
        if gate is None:
            gate = _words_it_needs(rule, depth)
        if gate is None:
            return None
        unless.update(gate)
    return unless


def _words_it_needs(rule: Rule, depth: int) -> frozenset[str] | None:
    """For a rule that may do more than read with no option given: the words it needs
    as the positional after a prefix of ``depth`` subcommand words (``datasette
    uninstall``, ``gh pr create``), as ``unless`` entries (``=uninstall``), when they
    are literal; else None. A line with none of them anywhere after the prefix is
    never this rule's."""
    # (a `**` up to that slot may take no word: the prefix's own words could fill it)
    if len(rule.subcommand) <= depth or ("**",) in rule.subcommand[:depth + 1]:
        return None
    literal, rest = _patterns(rule.subcommand[depth], False)
    if rest is not None or not all(_PREFIX_WORD.fullmatch(word) for word in literal):
        return None
    return frozenset("=" + word for word in literal)


def _may_match(rule: Rule, sub: tuple[str, ...]) -> bool:
    """Can ``rule`` match an argv whose first positionals are ``sub``?"""
    for slot, word in zip(rule.subcommand, sub, strict=False):
        if slot == ("**",):
            return True  # positions after it are not fixed: it may
        if not glob_any(slot, word):
            return False
    return True


def _matches_anything_after(rule: Rule, sub: tuple[str, ...]) -> bool:
    """Does ``rule`` match every argv whose first positionals are ``sub`` and that holds
    none of its ``no_flags``?"""
    if len(rule.subcommand) != len(sub) or any(
            slot == ("**",) or not glob_any(slot, word)
            for slot, word in zip(rule.subcommand, sub, strict=True)):
        return False
    return not (rule.flags or _needs_more(replace(rule, no_flags=())))


def builtin_files() -> list[Path]:
    return sorted(DATA_DIR.glob("*.toml"))


def rule_files(user_dirs: Iterable[str | os.PathLike[str]] = ()) -> list[Path]:
    """Built-in files, then every ``*.toml`` in the user's rule directories, in load order."""
    files = builtin_files()
    for directory in user_dirs:
        base = Path(directory).expanduser()
        if base.is_dir():
            files.extend(sorted(base.glob("*.toml")))
    return files


def load_rules(user_dirs: Iterable[str | os.PathLike[str]] = (), use_cache: bool = True) -> RuleSet:
    """Built-in rules, then the user's (which may override by id).

    Parsing TOML costs several hundred ms for the built-in set, more than the
    co-process's start-up budget, so the set is pickled in the user's cache
    directory without the rules' examples (only tests and ``rules check`` read
    those: they pass ``use_cache=False``), keyed by every file's path, size and
    mtime and by the engine's source.
    """
    files = rule_files(user_dirs)
    cache = _cache_path(files) if use_cache else None
    if cache is not None:
        try:
            with open(cache, "rb") as fh:
                cached = pickle.load(fh)
            if isinstance(cached, RuleSet):
                return cached
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError,
                ValueError):
            pass
    rules = RuleSet()
    for path in files:
        rules.add_file(path)
    builtin = {str(path) for path in builtin_files()}
    # Not kept when a file changed while it was read, or a built-in file failed (code and
    # rules from two versions side by side, mid-upgrade): the next start reads them again.
    if cache is not None and _cache_path(files) == cache and not any(
            error.split(":", 1)[0] in builtin for error in rules.errors):
        rules.strip_examples()
        _write_cache(cache, rules)
    return rules


def _source_stamp() -> str:
    """The engine's and the schema's files as this process imported them: a process
    running older code never keys a cache as the newer code's."""
    stamp = ""
    for path in (Path(__file__), Path(__file__).with_name("schema.py")):
        try:
            st = path.stat()
        except OSError:
            return ""
        stamp += f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0"
    return stamp


_SOURCE_STAMP = _source_stamp()


def _cache_path(files: list[Path]) -> Path | None:
    from shellguard import __version__, paths

    if not _SOURCE_STAMP:
        return None
    key = f"{__version__}\0{_SOURCE_STAMP}"
    for path in files:
        try:
            st = path.stat()
        except OSError:
            return None
        key += f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0"
    digest = zlib.crc32(key.encode()) ^ (zlib.adler32(key.encode()) << 32)
    return paths.cache_dir() / f"rules-{digest:016x}.pickle"


def _write_cache(cache: Path, rules: RuleSet) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(rules, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache)
        for old in cache.parent.glob("rules-*.pickle"):
            if old != cache:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache only costs start-up time


@lru_cache(maxsize=1)
def builtin_rules() -> RuleSet:
    """The built-in rules, cached on disk (no examples)."""
    return load_rules()
