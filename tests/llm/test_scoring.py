"""The real llama.cpp path on a tiny random-weight model: load, prefix cache, logits, timeout."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")

from shellguard.llm.scoring import (  # noqa: E402
    LABELS,
    SHOTS,
    Score,
    Scorer,
    ScoreTimeout,
    auto_threads,
    cores,
)
from shellguard.verdict import Crud  # noqa: E402

COMMANDS = ["frobctl delete cluster prod", "ls -la", "zap --all", "tool set x=1 && echo ok",
            "naïve ünïcode 'quoted' \"args\"", "a\nb"]


@pytest.fixture(scope="module")
def scorer(tiny_chat):
    s = Scorer(tiny_chat, threads=1, shots=SHOTS[:6])
    yield s
    s.close()


def test_loads_and_uses_the_chat_template(scorer) -> None:
    info = scorer.info()
    assert info["template"] is True
    assert scorer.prefix_text.endswith("<|im_start|>user\n")
    assert scorer.middle == "<|im_end|>\n<|im_start|>assistant\n"
    assert "<|im_start|>assistant\nDelete<|im_end|>" in scorer.prefix_text  # shots as turns
    assert len(set(scorer.label_tokens)) == 4
    assert scorer.form == "title"


def test_tokenization_at_the_cut_is_stable(scorer) -> None:
    """Joined and split tokenization agree at the cut (llm-field-notes.md §5.6)."""
    prefix = scorer.prefix_tokens
    for command in COMMANDS:
        joined = scorer._tokens(command)
        assert joined[:len(prefix)] == prefix, command


def test_scores_are_a_class_and_a_probability(scorer) -> None:
    for command in COMMANDS:
        s = scorer.score(command)
        assert isinstance(s, Score)
        assert s.label in LABELS
        assert 0.0 <= s.confidence <= 1.0
        assert abs(sum(s.probs) - 1.0) < 1e-6
        assert s.confidence == max(s.probs)


def test_only_the_suffix_is_evaluated(scorer) -> None:
    """The few-shot prefix stays in the KV cache: a command costs its own tokens only."""
    s = scorer.score("ls -la")
    full = len(scorer._tokens("ls -la"))
    assert len(scorer.prefix_tokens) > 100
    assert s.tokens == full - len(scorer.prefix_tokens)
    assert scorer.stats["cut_mismatch"] == 0


def test_deterministic_and_independent_of_history(scorer, tiny_chat) -> None:
    first = [scorer.score(c).probs for c in COMMANDS]
    again = [scorer.score(c).probs for c in reversed(COMMANDS)][::-1]
    assert first == again
    fresh = Scorer(tiny_chat, threads=1, shots=SHOTS[:6])
    try:
        assert [fresh.score(c).probs for c in COMMANDS] == first
    finally:
        fresh.close()


def test_calibration_divides_by_the_content_free_prior(tiny_chat) -> None:
    raw = Scorer(tiny_chat, threads=1, shots=SHOTS[:2], calibrate=False)
    cal = Scorer(tiny_chat, threads=1, shots=SHOTS[:2], calibrate=True)
    try:
        a, b = raw.score("mytool run"), cal.score("mytool run")
        assert a.raw == b.raw
        expected = [r / p for r, p in zip(b.raw, cal.p_null, strict=True)]
        total = sum(expected)
        assert b.probs == pytest.approx([e / total for e in expected])
        assert a.probs == pytest.approx(a.raw)
    finally:
        raw.close()
        cal.close()


def test_plain_prompt_without_a_chat_template(tiny_plain) -> None:
    s = Scorer(tiny_plain, threads=1, shots=SHOTS[:4])
    try:
        assert s.template is None
        assert "Command: ls -la /var/log\nLabel: Read" in s.prefix_text
        assert s.middle == "\nLabel:"
        assert s.score("frob --all").label in LABELS
    finally:
        s.close()


def test_deadline_aborts_and_the_next_request_is_unaffected(scorer) -> None:
    before = scorer.score("ls -la")
    with pytest.raises(ScoreTimeout):
        scorer.score("x", deadline=time.monotonic() - 1)  # already late: not even started
    long_command = "frob " + "--flag value " * 40
    with pytest.raises(ScoreTimeout):  # aborted inside llama.cpp
        scorer.score(long_command, deadline=time.monotonic() + 0.001)
    assert scorer.stats["aborted"] >= 2
    after = scorer.score("ls -la")
    assert after.probs == before.probs
    assert after.tokens == before.tokens


def test_long_commands_are_cut_to_fit(scorer) -> None:
    s = scorer.score("frob " + "a" * 50_000)
    assert s.label in LABELS


def test_two_threads_share_one_model_safely(scorer) -> None:
    """One Llama from two threads segfaults without the lock (field notes §5.9)."""
    serial = {c: scorer.score(c).probs for c in COMMANDS}
    results: dict[str, list] = {c: [] for c in COMMANDS}

    def work() -> None:
        for _ in range(3):
            for c in COMMANDS:
                results[c].append(scorer.score(c).probs)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in COMMANDS:
        assert results[c] == [serial[c]] * 6


def test_auto_threads_back_off_when_other_processes_want_the_cores(tiny_chat) -> None:
    """threads=0 uses the free cores; busy loops on every core leave it one thread."""
    auto = Scorer(tiny_chat, threads=0, shots=SHOTS[:3])
    fixed = Scorer(tiny_chat, threads=1, shots=SHOTS[:3])
    try:
        assert 1 <= auto.score("ls -la").threads <= min(4, cores())
        busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(cores() + 1)]
        try:
            time.sleep(0.3)
            assert auto_threads() == 1
            loaded = auto.score("frobctl delete cluster prod")
            assert loaded.threads == 1
        finally:
            for p in busy:
                p.kill()
                p.wait()
        alone = fixed.score("frobctl delete cluster prod")
        assert alone.threads == 1 and loaded.label == alone.label
        assert loaded.probs == pytest.approx(alone.probs, abs=1e-4)
    finally:
        auto.close()
        fixed.close()


def test_labels_are_the_crud_classes() -> None:
    assert LABELS == (Crud.READ, Crud.CREATE, Crud.UPDATE, Crud.DELETE)
    assert {crud for _, crud in SHOTS} == set(Crud)


def test_the_evaluated_prefix_is_kept_on_disk_and_reused(tiny_chat) -> None:
    first = Scorer(tiny_chat, threads=1, shots=SHOTS[:3])
    try:
        assert first.prefix_from_cache is False
        expected = [first.score(c).probs for c in COMMANDS]
        state = first._state_path()
        assert state is not None and state.exists()
        assert oct(state.stat().st_mode & 0o777) == "0o600"
    finally:
        first.close()
    second = Scorer(tiny_chat, threads=1, shots=SHOTS[:3])
    try:
        assert second.prefix_from_cache is True
        assert [second.score(c).probs for c in COMMANDS] == expected
    finally:
        second.close()
    state.write_bytes(state.read_bytes()[:-10])  # truncated: evaluated again, not trusted
    third = Scorer(tiny_chat, threads=1, shots=SHOTS[:3])
    try:
        assert third.prefix_from_cache is False
        assert [third.score(c).probs for c in COMMANDS] == expected
    finally:
        third.close()
