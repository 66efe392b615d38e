"""The rule file format: what a rule and a program entry may say, checked on load.

A rule file is TOML with ``[program.NAME]`` tables (how to read that program's
argv: which options take a value, which flags mean a dry run, and for wrappers,
shells and interpreters the handler that looks inside them) and ``[[rule]]`` entries
(what an argv shape means). Every error names the file, the rule id and the key, so
that a contributor knows in one sentence what to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shellguard.verdict import Crud

#: The key of a key=value operand (`of=` in `dd if=a of=b`): a word, then `=`.
#: ``writes_option`` may name one; the engine files such operands under it.
OPERAND_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*=")

__all__ = ["Rule", "Program", "RuleError", "RULE_KEYS", "PROGRAM_KEYS", "HANDLERS", "OPERAND_KEY"]


class RuleError(Exception):
    """A rule file that cannot be used; the message names file, line or rule id, and key."""


#: Handlers implemented in :mod:`shellguard.rules.handlers` (programs that run other code).
HANDLERS = ("exec", "shell", "interpreter", "sql", "mongo", "remote", "find", "source", "awk",
            "socket", "ex", "alias", "fed")

RULE_KEYS = {
    "id", "program", "subcommand", "class", "why", "flags", "all_flags", "no_flags", "args",
    "option_values", "min_args", "max_args", "double_dash", "argv_regex", "writes",
    "writes_option", "confirm", "priority", "confidence", "runs", "runs_option", "examples", "not",
    "known_miss", "applies_patch", "sql_option", "dash_is_file",
}
PROGRAM_KEYS = {
    "options_with_arg", "dry_run", "dry_run_unless", "no_dry_run_in", "ignore_case", "single_dash_long",
    "options_end_at_operand", "global_options_first", "handler", "aliases", "option_prefixes",
    # handler settings
    "session_flags", "script_options", "code_options", "module_option", "sql_options",
    "file_options", "leading_operands", "skip_assignments", "split_string_options",
    "join_operands", "stop_at", "bare_class", "bare_why", "language", "read_only_options",
    "sql_operand", "options_anywhere", "appends_input", "appends_input_without_stop",
    "operand_is_script", "known_scripts", "reading_scripts", "bare_stdin_is_code",
    "named_descriptors", "command_after",
    # `fed` handler: what a client does with the standard input the line feeds it
    "fed_class", "fed_why", "fed_unless", "fed_unless_method",
    "writes_why", "output_options", "setup_sql_options", "process_options", "sql_operand_rest",
    "edit_options", "creates_options", "process_setters", "value_before_pid",
    "session_options", "confirm_options", "dotenv_files", "writes_unless_redirected",
    "replace_options", "input_placeholders", "code_modules", "hosts_from_options", "server_options",
    "operands_also_as_words",
    # a handler that finds only reads unless one of these options is given
    "reads_unless",
    # options whose value is an Ansible template: its lookups run commands or write
    "template_options",
}


@dataclass(frozen=True, slots=True)
class Program:
    """How to read one program's command line."""

    name: str
    options_with_arg: frozenset[str] = frozenset()
    dry_run: tuple[str, ...] = ()
    ignore_case: bool = False
    single_dash_long: bool = False
    # the first operand ends the program's options: `screen -dm rm -rf x`, whose -rf is rm's
    options_end_at_operand: bool = False
    # options before the subcommand are the program's own (`git -C dir branch`: -C is
    # the directory, not branch's copy): a rule with a subcommand sees those after it
    global_options_first: bool = False
    handler: str = ""
    settings: dict = field(default_factory=dict, compare=False, hash=False)
    source: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    """One argv shape and what it means. See ``docs`` in README for every key."""

    id: str
    programs: tuple[str, ...]
    crud: Crud
    why: str
    subcommand: tuple[tuple[str, ...], ...] = ()
    flags: tuple[str, ...] = ()
    all_flags: tuple[str, ...] = ()
    no_flags: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    option_values: tuple[tuple[str, str], ...] = ()
    min_args: int | None = None
    max_args: int | None = None
    double_dash: bool | None = None
    argv_regex: str | None = None  # checked on load, compiled on first use (start-up cost)
    writes: str = ""
    writes_option: tuple[str, ...] = ()
    # `-` as an output names a file called `-`, not the terminal (`aws s3api get-object ... -`)
    dash_is_file: bool = False
    confirm: bool = False
    priority: int = 0
    confidence: float = 0.95
    runs: str = ""
    runs_option: tuple[str, ...] = ()
    # the class comes from the patch it applies, when the line shows it (shellguard.patches)
    applies_patch: bool = False
    # options whose value is SQL: its statements give the class (`aws rds-data ... --sql`)
    sql_option: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    not_examples: tuple[str, ...] = ()
    known_miss: tuple[str, ...] = ()
    source: str = ""

    @property
    def specificity(self) -> tuple[int, int, int]:
        """More specific rules win: explicit priority, then literal subcommand words, then conditions."""
        literal = sum(1 for slot in self.subcommand if slot != ("**",) and slot != ("*",))
        conditions = sum(
            bool(x)
            for x in (self.flags, self.all_flags, self.no_flags, self.args, self.option_values,
                      self.argv_regex, self.double_dash is not None)
        ) + (self.min_args is not None) + (self.max_args is not None)
        return (self.priority, literal, conditions)

    def example_problem(self, crud: Crud, rule_ids: tuple[str, ...]) -> str | None:
        """What is wrong with one of this rule's examples classified as ``crud`` by
        ``rule_ids``, or None. A rule that runs another command may get a stricter class
        from it (``ansible all -m shell -a 'rm -rf x'``)."""
        if self.id not in rule_ids:
            return f"is decided by {', '.join(rule_ids) or '-'}, not by this rule"
        if crud == self.crud or ((self.runs or self.runs_option) and crud > self.crud):
            return None
        if self.sql_option or self.applies_patch:
            return None     # the SQL or the patch the example shows gives its class
        return f"gives {crud.name}, not {self.crud.name}"


def _strs(value: object, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise RuleError(f"{where}: key '{key}' must be a string or a list of strings")


def build_program(name: str, table: object, where: str) -> Program:
    if not isinstance(table, dict):
        raise RuleError(f"{where}: [program.{name}] must be a table")
    unknown = set(table) - PROGRAM_KEYS
    if unknown:
        raise RuleError(f"{where}: [program.{name}] has unknown key '{sorted(unknown)[0]}'")
    handler = table.get("handler", "")
    if handler and handler not in HANDLERS:
        raise RuleError(f"{where}: [program.{name}] key 'handler' must be one of {', '.join(HANDLERS)}")
    _strs(table.get("reads_unless", []), where, "reads_unless")
    bare = table.get("bare_class")
    if bare is not None:
        try:
            Crud.parse(bare)
        except (KeyError, AttributeError):
            raise RuleError(f"{where}: [program.{name}] key 'bare_class' must be READ, CREATE, "
                            "UPDATE or DELETE") from None
    return Program(
        name=name,
        options_with_arg=frozenset(_strs(table.get("options_with_arg", []), where, "options_with_arg")),
        dry_run=_strs(table.get("dry_run", []), where, "dry_run"),
        ignore_case=bool(table.get("ignore_case", False)),
        single_dash_long=bool(table.get("single_dash_long", False)),
        options_end_at_operand=bool(table.get("options_end_at_operand", False)),
        global_options_first=bool(table.get("global_options_first", False)),
        handler=handler,
        settings={k: v for k, v in table.items()},
        source=where,
    )


def build_rule(table: object, where: str) -> Rule:
    if not isinstance(table, dict):
        raise RuleError(f"{where}: every [[rule]] must be a table")
    rid = table.get("id")
    if not isinstance(rid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_.+-]*", rid):
        raise RuleError(f"{where}: a rule needs an 'id' like 'git.branch-delete' (got {rid!r})")
    here = f"{where}: rule '{rid}'"
    unknown = set(table) - RULE_KEYS
    if unknown:
        raise RuleError(f"{here} has unknown key '{sorted(unknown)[0]}'")
    for key in ("program", "class", "why"):
        if key not in table:
            raise RuleError(f"{here} is missing key '{key}'")
    try:
        crud = Crud.parse(table["class"])
    except (KeyError, AttributeError):
        raise RuleError(f"{here}: key 'class' must be READ, CREATE, UPDATE or DELETE") from None
    why = table["why"]
    if not isinstance(why, str) or not why.strip():
        raise RuleError(f"{here}: key 'why' must be a non-empty sentence")
    subcommand = tuple(tuple(slot.split("|")) for slot in _strs(table.get("subcommand", []), here,
                                                                  "subcommand"))
    option_values: list[tuple[str, str]] = []
    for item in _strs(table.get("option_values", []), here, "option_values"):
        flag, eq, pattern = item.partition("=")
        if not eq or not flag.startswith("-"):
            raise RuleError(f"{here}: key 'option_values' entries look like '-X=DELETE' (got {item!r})")
        option_values.append((flag, pattern))
    regex = table.get("argv_regex")
    if regex is not None:
        try:
            re.compile(regex)
        except (re.error, TypeError) as exc:
            raise RuleError(f"{here}: key 'argv_regex' is not a valid regex ({exc})") from None
    writes = table.get("writes", "")
    if writes not in ("", "last", "args", "first", "sync"):
        raise RuleError(f"{here}: key 'writes' must be 'last', 'first', 'args' or 'sync'")
    writes_option = _strs(table.get("writes_option", []), here, "writes_option")
    for item in writes_option:
        if not (item.startswith("-") or OPERAND_KEY.fullmatch(item)):
            raise RuleError(f"{here}: key 'writes_option' entries are options ('-o') or "
                            f"key=value operands ('of='), got {item!r}")
    runs = table.get("runs", "")
    if runs not in ("", "rest", "after-dashdash", "after-flag", "script", "scripts"):
        raise RuleError(f"{here}: key 'runs' must be 'rest', 'after-dashdash', 'after-flag', "
                        "'script' or 'scripts'")
    if runs == "after-flag" and not table.get("flags"):
        raise RuleError(f"{here}: key 'runs' = 'after-flag' needs 'flags' (the options the "
                        "command follows)")
    ints: dict[str, int | None] = {}
    for key in ("min_args", "max_args", "priority"):
        value = table.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise RuleError(f"{here}: key '{key}' must be a whole number")
        ints[key] = value
    confidence = table.get("confidence", 0.95)
    if not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
        raise RuleError(f"{here}: key 'confidence' must be a number from 0 to 1")
    double_dash = table.get("double_dash")
    if double_dash is not None and not isinstance(double_dash, bool):
        raise RuleError(f"{here}: key 'double_dash' must be true or false")
    return Rule(
        id=rid,
        programs=_strs(table["program"], here, "program"),
        crud=crud,
        why=why.strip(),
        subcommand=subcommand,
        flags=_strs(table.get("flags", []), here, "flags"),
        all_flags=_strs(table.get("all_flags", []), here, "all_flags"),
        no_flags=_strs(table.get("no_flags", []), here, "no_flags"),
        args=_strs(table.get("args", []), here, "args"),
        option_values=tuple(option_values),
        min_args=ints["min_args"],
        max_args=ints["max_args"],
        double_dash=double_dash,
        argv_regex=regex,
        writes=writes,
        writes_option=writes_option,
        dash_is_file=bool(table.get("dash_is_file", False)),
        confirm=bool(table.get("confirm", False)),
        priority=ints["priority"] or 0,
        confidence=float(confidence),
        runs=runs,
        runs_option=_strs(table.get("runs_option", []), here, "runs_option"),
        applies_patch=bool(table.get("applies_patch", False)),
        sql_option=_strs(table.get("sql_option", []), here, "sql_option"),
        examples=_strs(table.get("examples", []), here, "examples"),
        not_examples=_strs(table.get("not", []), here, "not"),
        known_miss=_strs(table.get("known_miss", []), here, "known_miss"),
        source=where,
    )
