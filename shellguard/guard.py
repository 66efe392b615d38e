"""The library's front door: a :class:`Guard` checks command lines under the user's configuration.

The co-process, the CLI, the agent hooks and tests all go through it, so that
rules, the LLM hook and policy are assembled in one place.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from shellguard import lazy_re, paths
from shellguard.classify import Classifier
from shellguard.config import Config, load_config
from shellguard.parse.aliases import expand_aliases
from shellguard.parse.plain import expand_plain_aliases, past_wrappers, plain_commands
from shellguard.policy import decide, reads_run_unasked
from shellguard.rules.engine import RuleSet, builtin_rules, load_rules, program_name
from shellguard.verdict import Crud, Finding, Verdict

__all__ = ["Guard", "Decision"]

#: bash's and zsh's builtins and keywords that rules name (not found on PATH).
_SHELL_BUILTINS = (
    "alias", "autoload", "bindkey", "builtin", "cd", "command", "declare", "disown",
    "emulate", "enable", "eval", "exec", "export", "fc", "functions", "hash", "history",
    "kill", "let", "local", "noglob", "print", "printf", "read", "readonly", "sched", "set",
    "setopt", "shopt", "source", "trap", "typeset", "ulimit", "umask", "unalias", "unset",
    "unsetopt", "vared", "zcompile", "zle", "zmodload", "zpty", "zstyle",
)


#: Lines that take the classifier through its handlers once, so that what they load or
#: compile on first use (tree-sitter's import, 8-10 ms; the codec for $'...'; the
#: patterns the SQL, Mongo, code, awk and printf readers build) is ready.
_WARM_LINES = (
    "echo $'\\x41' \"$(true)\" | cat",
    "psql -c 'SELECT 1; \\d t' db",
    "sqlite3 db .tables 'select 1'",
    "mongosh --quiet --eval 'db.c.find()'",
    "python3 -c 'import os; print(1)'",
    "awk '{print $1}' f",
    "printf '%s\\n' x | sh",
    "vim -es -c 'set nu' f",
    "f() { ls; }; f",
)


#: How long the warm-up waits (a step at a time) for PATH to be listed.
_PATH_SCAN_SECONDS = 10.0


def _programs_here() -> list[str]:
    """The names of the programs on PATH, and the shells' builtins."""
    names = dict.fromkeys(_SHELL_BUILTINS)
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        try:
            with os.scandir(directory or ".") as entries:
                names.update(dict.fromkeys(program_name(entry.name) for entry in entries))
        except OSError:
            continue
    return list(names)


class _LazyHook:
    """Builds the LLM hook on the first command no rule decides, so that starting a
    co-process never pays for the LLM client's imports."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._hook: object = None
        self._built = False

    def resolve(self):  # type: ignore[no-untyped-def]
        """The real hook (an LLM client), or None when the LLM is off."""
        if not self._built:
            from shellguard.llm import hook_from_config

            self._hook = hook_from_config(self._config)
            self._built = True
        return self._hook

    def classify(self, part: str, heuristic: Finding) -> Finding | None:
        hook = self.resolve()
        return hook.classify(part, heuristic) if hook is not None else None


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    action: str  # allow | confirm | deny


class Guard:
    """Classifier + policy, reloading the config file when it changes."""

    def __init__(self, config: Config | None = None, rules: RuleSet | None = None,
                 use_llm: bool = True, config_path: Path | None = None) -> None:
        self._config_path = config_path
        # Resolved once: the co-process stats it on every request.
        self._watched = config_path or paths.config_file()
        self._explicit_config = config is not None
        self.config = config if config is not None else load_config(config_path)
        self._mtime = self._config_mtime()
        self._explicit_rules = rules
        self._use_llm = use_llm
        self.classifier = self._build_classifier()
        self._rules_only: Classifier | None = None  # for prefetch, built when first needed
        #: The programs on PATH (and the shells' builtins), once warm_steps has listed them.
        self.programs_here: list[str] | None = None

    # -- assembly -----------------------------------------------------------

    def _build_classifier(self) -> Classifier:
        rules = self._explicit_rules
        if rules is None:
            extra = [d for d in self.config.rule_dirs if Path(d).is_dir()]
            rules = load_rules(extra) if extra else builtin_rules()
        return Classifier(rules, _LazyHook(self.config) if self._use_llm else None)

    @property
    def problems(self) -> list[str]:
        """Config and rule-file problems, one line each (the safe defaults stay in force)."""
        return list(self.config.problems) + list(self.classifier.rules.errors)

    def _config_mtime(self) -> float:
        if self._explicit_config:
            return 0.0
        try:
            return os.stat(self._watched).st_mtime
        except OSError:
            return 0.0

    def reload_if_changed(self) -> bool:
        """Pick up a changed config file (for example an "always" answer from another shell)."""
        mtime = self._config_mtime()
        if self._explicit_config or mtime == self._mtime:
            return False
        self._mtime = mtime
        old_dirs = self.config.rule_dirs
        self.config = load_config(self._config_path)
        if self.config.rule_dirs != old_dirs:
            self.classifier = self._build_classifier()
        return True

    # -- use ----------------------------------------------------------------

    def check(self, command: str, cwd: str | None = None,
              aliases: Mapping[str, str] | None = None,
              global_aliases: Mapping[str, str] | None = None) -> Decision:
        """``aliases``: the shell's (name -> text) that the line may use, and its global
        ones (zsh's ``alias -g``); it is classified as it will run, with them expanded."""
        expanded, used = expand_aliases(command, aliases or {}, global_aliases)
        verdict = self._with_aliases(self.classifier.classify(expanded, cwd), used,
                                     aliases, global_aliases)
        return Decision(verdict, self._decide(verdict, command, expanded, cwd))

    def prefetch(self, command: str, cwd: str | None = None,
                 aliases: Mapping[str, str] | None = None,
                 global_aliases: Mapping[str, str] | None = None) -> Decision:
        """:meth:`check` for a line still being typed: the rules only, never the LLM.

        "allow" only when no part of the line fell to the heuristic (which the LLM may
        overrule): the shell keeps an "allow" for Enter and asks again about the rest.
        Never "allow" when every decision goes to the audit log (``audit = "all"``): a
        prefetch is not logged, and a shell may run the line on it before it has read
        the config again (it reads it only before answering from its own caches).
        """
        if self._rules_only is None or self._rules_only.rules is not self.classifier.rules:
            self._rules_only = Classifier(self.classifier.rules, None)
        expanded, used = expand_aliases(command, aliases or {}, global_aliases)
        verdict = self._with_aliases(self._rules_only.classify(expanded, cwd), used,
                                     aliases, global_aliases)
        action = self._decide(verdict, command, expanded, cwd)
        if action == "allow" and (any(f.source == "heuristic" for f in verdict.findings)
                                  or self.config.audit.get("audit") == "all"):
            action = "confirm"
        return Decision(verdict, action)

    @staticmethod
    def _with_aliases(verdict: Verdict, used: tuple[str, ...],
                      aliases: Mapping[str, str] | None,
                      global_aliases: Mapping[str, str] | None = None) -> Verdict:
        """The reason says which aliases the line used: it may not show what runs."""
        if not used:
            return verdict
        first = used[0]
        text = (global_aliases or {}).get(first, (aliases or {}).get(first, ""))
        note = f"{first} is an alias of '{text}'" if len(used) == 1 else \
            f"aliases {', '.join(used)}"
        return replace(verdict, reason=f"{verdict.reason} ({note})")

    def _decide(self, verdict: Verdict, command: str, expanded: str, cwd: str | None) -> str:
        """The policy on the line as typed (what "always" entries hold); a deny entry
        also holds on the line as it runs."""
        action = decide(verdict, command, cwd, self.config)
        if expanded != command and action != "deny" and \
                decide(verdict, expanded, cwd, self.config) == "deny":
            return "deny"
        return action

    def read_prefixes(self, command: str, aliases: Mapping[str, str] | None = None,
                      global_aliases: Mapping[str, str] | None = None) -> tuple[str, ...]:
        """The read-only prefixes (``ls``, ``git status -c ...``) of a plain line's
        commands, when this config runs every READ line unasked: a shell that keeps them
        lets later plain lines made of them through without asking (see
        :meth:`RuleSet.read_only_prefix`). Empty for any other line, and for a line
        that names a global alias (its shape is not what it looks like)."""
        commands = plain_commands(command, redirections=True)
        if commands is None or not reads_run_unasked(self.config):
            return ()
        found: list[str] = []
        for typed in commands:
            # a prefix names the program itself: `ls` for `ll` (alias ll='ls -alF'), when
            # the shells can expand the alias as they check a line (its text is plain)
            words = expand_plain_aliases(typed, aliases) if aliases else typed
            if global_aliases and any(word in global_aliases for word in (*typed, *(words or ()))):
                return ()
            if words and (text := self._read_prefix(past_wrappers(words))) and text not in found:
                found.append(text)
        return tuple(found)

    def prefixes_for(self, prefix_words: list[str]) -> tuple[str, ...]:
        """The read-only prefixes (with the options that make them do more) that the
        rules and this config give these words (``"git status"``) now; words that no
        longer make one are left out (see :mod:`shellguard.prefix_memory`)."""
        if not reads_run_unasked(self.config):
            return ()
        found = (self._read_prefix(words.split()) for words in prefix_words)
        return tuple(dict.fromkeys(text for text in found if text))

    def program_read_prefixes(self, name: str) -> Iterator[str | None]:
        """Every read-only prefix of program ``name`` the rules spell out that this
        config lets a shell keep (what a read table holds, :mod:`shellguard.read_table`),
        one candidate at a time: None for one that is not (see
        :meth:`RuleSet.read_only_prefix_steps`)."""
        if not reads_run_unasked(self.config) or name in self.config.deny:
            return
        for prefix in self.classifier.rules.read_only_prefix_steps(name):
            yield None if prefix is None else str(prefix)

    def _read_prefix(self, words: list[str]) -> str | None:
        prefix = self.classifier.rules.read_only_prefix(words)
        # a deny entry that is one word denies exactly that line
        return str(prefix) if prefix is not None and words[0] not in self.config.deny else None

    def warm_steps(self) -> Iterator[None]:
        """Load, a few milliseconds a step, what first lines would otherwise wait for:
        the bash parser, and the rules of every program this machine can run (see
        :meth:`RuleSet.warm_steps`; every program's would hold 27 MB more). A config change
        meanwhile starts the rules over."""
        for line in _WARM_LINES:
            self.prefetch(line)
            yield
        yield from lazy_re.compile_steps()
        # Listing PATH may hang (a dead network mount): in a thread, so that no step can.
        import threading  # (only the co-process warms up; it has it already)

        found: list[list[str]] = []
        scan = threading.Thread(target=lambda: found.append(_programs_here()), daemon=True)
        scan.start()
        give_up = time.monotonic() + _PATH_SCAN_SECONDS
        while scan.is_alive():
            scan.join(0.005)
            if time.monotonic() > give_up:
                return
            yield
        names = found[0] if found else []
        self.programs_here = names
        while True:
            rules = self.classifier.rules
            for _ in rules.warm_steps(names):
                yield
                if self.classifier.rules is not rules:
                    break
            else:
                return

    def safe_decision(self, reason: str) -> Decision:
        """The answer when nothing better can be had: ask."""
        verdict = Verdict(Crud.UPDATE, reason, 0.0, "fallback", True, ())
        return Decision(verdict, "confirm")
