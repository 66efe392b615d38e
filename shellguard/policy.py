"""From a verdict to what the shell should do: allow, confirm or deny.

Order: a deny entry wins; then "always allow here" and allow entries; then the
action configured for the class, where code whose effect is not visible
(``verdict.confirm``) never gets less than "confirm".
"""

from __future__ import annotations

import fnmatch
import os

from shellguard.config import Config
from shellguard.verdict import Crud, Verdict

__all__ = ["decide", "reads_run_unasked"]


def _matches(entry: str, command: str, verdict: Verdict, all_parts: bool) -> bool:
    text = command.strip()
    if entry == text:
        return True
    if any(ch in entry for ch in "*?[") and fnmatch.fnmatchcase(text, entry):
        return True
    if "." in entry and " " not in entry:  # a rule id such as git.push-force
        relevant = [f for f in verdict.findings if f.crud != Crud.READ or f.confirm]
        hits = [f.rule_id == entry for f in relevant]
        return bool(hits) and (all(hits) if all_parts else any(hits))
    return False


def decide(verdict: Verdict, command: str, cwd: str | None, config: Config) -> str:
    if any(_matches(entry, command, verdict, all_parts=False) for entry in config.deny):
        return "deny"
    here = os.path.normpath(cwd) if cwd else ""
    stripped = command.strip()
    for always_command, always_cwd in config.always:
        if always_command.strip() == stripped and (
                not always_cwd or os.path.normpath(always_cwd) == here):
            return "allow"
    if any(_matches(entry, command, verdict, all_parts=True) for entry in config.allow):
        return "allow"
    action = config.actions.get(verdict.crud, "confirm")
    if action == "allow" and verdict.confirm:
        return "confirm"
    return action


def reads_run_unasked(config: Config) -> bool:
    """Does this config let every READ line run unasked? Not when READ asks, or when a
    deny entry (a command with arguments, or a glob) may match a line that only reads:
    rule ids match only parts that do more (or must ask), and a bare word only the
    line that is that word (``Guard.read_prefixes`` leaves such a program out)."""
    if config.actions.get(Crud.READ, "confirm") != "allow":
        return False
    return not any(ch in entry for entry in config.deny for ch in " \t*?[")
