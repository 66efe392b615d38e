"""The answer shellguard gives about a command: its class, why, and how sure it is.

Values here are frozen; everything that classifies returns them and nothing mutates them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

__all__ = ["Crud", "Finding", "Verdict", "SOURCES"]

#: Where an answer came from, as the protocol names it.
SOURCES = ("rules", "heuristic", "llm", "cache", "fallback")


class Crud(IntEnum):
    """The four classes, ordered by impact so that ``max`` gives the strictest."""

    READ = 0
    CREATE = 1
    UPDATE = 2
    DELETE = 3

    @classmethod
    def parse(cls, text: str) -> Crud:
        """``"delete"`` -> ``Crud.DELETE``; raises ``KeyError`` for anything else."""
        return cls[text.strip().upper()]


@dataclass(frozen=True, slots=True)
class Finding:
    """What one part of a command line does (one simple command, or one redirection).

    ``confirm`` marks code whose effect the command line does not show
    (CLASSES.md rule 8): it must ask even when its best-guess class is READ.
    """

    part: str
    crud: Crud
    reason: str
    source: str = "rules"
    rule_id: str = ""
    confidence: float = 0.95
    confirm: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    """The class of a whole command line: the strictest of its findings."""

    crud: Crud
    reason: str
    confidence: float
    source: str
    confirm: bool = False
    findings: tuple[Finding, ...] = field(default=(), compare=False)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(f.rule_id for f in self.findings if f.rule_id)

    @classmethod
    def combine(cls, findings: list[Finding] | tuple[Finding, ...]) -> Verdict:
        """Strictest class wins (CLASSES.md rule 1); any part that must ask makes the whole ask.

        Among findings of the winning class, one that must confirm and then the one
        with the lowest confidence speaks for the line, so the reason shown is the
        most cautious one.
        """
        if not findings:
            return cls(Crud.READ, "nothing runs", 0.99, "rules", False, ())
        top = max(f.crud for f in findings)
        candidates = [f for f in findings if f.crud == top]
        speaker = min(candidates, key=lambda f: (not f.confirm, f.confidence))
        confirm = any(f.confirm for f in findings)
        confidence = min(f.confidence for f in candidates)
        return cls(top, speaker.reason, confidence, speaker.source, confirm, tuple(findings))
