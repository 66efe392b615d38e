"""How much an LLM answer may change: the confidence gate.

The model only ever sees commands no rule decides, and small models are weak
classifiers (docs/llm.md has the measurements), so by default:

- below ``confidence`` the heuristic's class stays, and the model's guess is only
  named in the reason;
- a verb clue (``heuristic.verb``: ``frobctl delete ...``) counts first: the model may
  agree with it but not overrule it (measured: the verb heuristic was right on 84 % of
  such lines, the model on 47 %);
- otherwise the model's class is shown (source "llm") with its confidence;
- the action stays "confirm" (``Finding.confirm``) in every case, unless
  ``allow_read`` is set and the model says READ with at least ``read_confidence``:
  ``allow_read = "known"`` allows that only for a program the rules know (an unknown
  subcommand), ``allow_read = true`` for any program. The default is false: a
  program nobody has seen before never passes on the model's word.
"""

from __future__ import annotations

from shellguard.verdict import Crud, Finding

__all__ = ["gate", "known_program"]

#: The heuristic's wording for a program the rules know but a subcommand they do not.
_KNOWN_MARK = "is not in shellguard's rules"


def known_program(heuristic: Finding) -> bool:
    """True when the rules know the program (only this subcommand is unknown)."""
    return _KNOWN_MARK in heuristic.reason


def _what(heuristic: Finding) -> str:
    """The heuristic's statement of what is unknown, without its verb guess."""
    return heuristic.reason.split("; ", 1)[0]


def gate(label: Crud, confidence: float, heuristic: Finding, *, threshold: float = 0.6,
         read_threshold: float = 0.9, allow_read: bool | str = False,
         verb_first: bool = True) -> Finding:
    """The finding to report for an LLM answer about ``heuristic.part``."""
    pct = f"{confidence:.0%}"
    overruled = (verb_first and heuristic.rule_id == "heuristic.verb"
                 and label != heuristic.crud)
    if confidence < threshold or overruled:
        why = "not sure enough to count" if confidence < threshold else "the verb counts first"
        return Finding(heuristic.part, heuristic.crud,
                       f"{heuristic.reason}; the local model leans {label.name} ({pct}, "
                       f"{why})",
                       source=heuristic.source, rule_id=heuristic.rule_id,
                       confidence=heuristic.confidence, confirm=True)
    may_pass = (label == Crud.READ and confidence >= read_threshold
                and (allow_read is True or (allow_read == "known"
                                            and known_program(heuristic))))
    return Finding(heuristic.part, label,
                   f"{_what(heuristic)}; the local model reads it as {label.name} ({pct})",
                   source="llm", rule_id="llm.label", confidence=round(confidence, 3),
                   confirm=not may_pass)
