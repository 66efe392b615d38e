"""The labelled corpus (tests/corpus, written from CLASSES.md) holds the accuracy targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from shellguard.corpus import fixture_dirs, load_corpus, score

CORPUS = Path(__file__).with_name("corpus")


@pytest.fixture(scope="module")
def result():
    cases = load_corpus(CORPUS)
    with fixture_dirs(CORPUS) as (project, _home):
        yield score(cases, project)


def _show(result, predicate) -> str:
    rows = [f"  {c.source}: {c.command!r} want {c.crud}{' confirm' if c.confirm else ''}, "
            f"got {got} {action}" for c, got, action in result.misses if predicate(c, got, action)]
    return "\n".join(rows[:40])


def test_corpus_is_large_enough(result) -> None:
    assert result.total >= 800


def test_must_confirm_recall(result) -> None:
    missed = _show(result, lambda c, got, a: (c.confirm or c.crud != "READ") and a == "allow")
    assert result.confirm_recall >= 0.995, f"{result.confirm_recall:.4f}\n{missed}"


def test_plain_read_prompts(result) -> None:
    noisy = _show(result, lambda c, got, a: not c.confirm and c.crud == "READ" and a != "allow")
    assert result.read_prompt_rate <= 0.01, f"{result.read_prompt_rate:.4f}\n{noisy}"


def test_exact_class(result) -> None:
    wrong = _show(result, lambda c, got, a: got != c.crud)
    assert result.exact_rate >= 0.93, f"{result.exact_rate:.4f}\n{wrong}"


def test_new_sets_never_run_what_must_ask() -> None:
    """tests/corpus/unreviewed: sets written last (from CLASSES.md, by helpers that did not
    see the rules) whose needless questions are not worked through yet. What must ask
    already asks there; the read-prompt and exact-class targets apply once a set moves
    up into tests/corpus."""
    cases = load_corpus(CORPUS / "unreviewed")
    assert len(cases) >= 400
    with fixture_dirs(CORPUS) as (project, _home):
        found = score(cases, project)
    missed = _show(found, lambda c, got, a: (c.confirm or c.crud != "READ") and a == "allow")
    assert found.confirm_recall >= 0.995, f"{found.confirm_recall:.4f}\n{missed}"
