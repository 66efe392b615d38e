"""Score the classifier against a labelled corpus (JSON lines: command, class, confirm).

Used by the corpus test (which holds the thresholds) and by ``bench/accuracy.py``.
The corpus is evaluated in a fixture project directory and a fixture HOME, built
from ``fixture.txt`` / ``fixture-home.txt`` beside it (CLASSES.md rule 2).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from shellguard.config import Config
from shellguard.guard import Guard

__all__ = ["Case", "Score", "load_corpus", "fixture_dirs", "score"]


@dataclass(frozen=True)
class Case:
    command: str
    crud: str
    confirm: bool
    source: str


@dataclass
class Score:
    total: int = 0
    exact: int = 0
    must_confirm: int = 0
    confirmed: int = 0  # of must_confirm, how many asked (confirm or deny)
    plain_read: int = 0
    read_prompted: int = 0
    misses: list[tuple[Case, str, str]] = field(default_factory=list)  # case, got class, action

    @property
    def exact_rate(self) -> float:
        return self.exact / self.total if self.total else 1.0

    @property
    def confirm_recall(self) -> float:
        return self.confirmed / self.must_confirm if self.must_confirm else 1.0

    @property
    def read_prompt_rate(self) -> float:
        return self.read_prompted / self.plain_read if self.plain_read else 0.0


def load_corpus(directory: Path) -> list[Case]:
    cases = []
    for path in sorted(directory.glob("*.jsonl")):
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            if line.strip():
                data = json.loads(line)
                cases.append(Case(data["command"], data["class"], bool(data["confirm"]),
                                  f"{path.name}:{n}"))
    return cases


def _make(base: Path, listing: Path) -> None:
    if not listing.exists():
        return
    for line in listing.read_text().splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        target = base / entry
        if entry.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("fixture\n")


@contextmanager
def fixture_dirs(directory: Path) -> Iterator[tuple[str, str]]:
    """A temporary project directory and HOME made from the corpus's fixture listings."""
    with tempfile.TemporaryDirectory(prefix="sg-corpus-") as tmp:
        project, home = Path(tmp) / "project", Path(tmp) / "home"
        project.mkdir()
        home.mkdir()
        _make(project, directory / "fixture.txt")
        _make(home, directory / "fixture-home.txt")
        old_home = os.environ.get("HOME")
        os.environ["HOME"] = str(home)
        try:
            yield str(project), str(home)
        finally:
            if old_home is None:
                os.environ.pop("HOME", None)
            else:
                os.environ["HOME"] = old_home


def score(cases: list[Case], cwd: str, guard: Guard | None = None) -> Score:
    """Default policy (READ allow, others confirm), no user config."""
    guard = guard or Guard(config=Config(), use_llm=False)
    result = Score()
    for case in cases:
        decision = guard.check(case.command, cwd)
        got = decision.verdict.crud.name
        asked = decision.action != "allow"
        result.total += 1
        result.exact += got == case.crud
        if case.confirm or case.crud != "READ":
            result.must_confirm += 1
            result.confirmed += asked
        else:
            result.plain_read += 1
            result.read_prompted += asked
        if got != case.crud or asked != (case.confirm or case.crud != "READ"):
            result.misses.append((case, got, decision.action))
    return result
