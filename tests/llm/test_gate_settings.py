"""The confidence gate, the [llm] settings and the model catalog (pure functions)."""

from __future__ import annotations

import pytest

from shellguard.classify import Classifier
from shellguard.config import _LLM_KEYS
from shellguard.heuristics import guess
from shellguard.llm import catalog
from shellguard.llm.gate import gate, known_program
from shellguard.llm.settings import DEFAULTS, KEYS, LlmSettings
from shellguard.verdict import Crud

H = guess(("frobctl", "delete", "cluster"), "frobctl delete cluster", known_program=False)


def test_below_the_threshold_the_heuristic_class_stays() -> None:
    f = gate(Crud.READ, 0.4, H, threshold=0.5)
    assert f.crud == H.crud == Crud.DELETE and f.confirm
    assert gate(Crud.UPDATE, 0.55, NO_CLUE).source == "heuristic"  # default threshold 0.6
    assert f.source == "heuristic" and "leans READ (40%" in f.reason


NO_CLUE = guess(("frobctl", "zzz"), "frobctl zzz", known_program=False)


def test_above_the_threshold_the_class_is_the_models_but_it_still_asks() -> None:
    assert NO_CLUE.rule_id == "heuristic.unknown"
    f = gate(Crud.UPDATE, 0.8, NO_CLUE, threshold=0.5)
    assert (f.crud, f.source, f.confirm) == (Crud.UPDATE, "llm", True)
    assert f.reason == "'frobctl' is a program shellguard does not know; the local model " \
                       "reads it as UPDATE (80%)"


def test_a_verb_clue_counts_first() -> None:
    assert H.rule_id == "heuristic.verb"
    f = gate(Crud.UPDATE, 0.95, H)
    assert (f.crud, f.source) == (Crud.DELETE, "heuristic")
    assert "leans UPDATE (95%, the verb counts first)" in f.reason
    agree = gate(Crud.DELETE, 0.95, H)
    assert (agree.crud, agree.source) == (Crud.DELETE, "llm")
    assert gate(Crud.UPDATE, 0.95, H, verb_first=False).crud == Crud.UPDATE


def test_read_passes_only_when_allowed_and_very_sure() -> None:
    known = guess(("git", "frobnicate"), "git frobnicate", known_program=True)
    assert known_program(known) and not known_program(H)
    assert gate(Crud.READ, 0.99, NO_CLUE).confirm  # default: never
    assert gate(Crud.READ, 0.99, known, allow_read="known").confirm is False
    assert gate(Crud.READ, 0.99, NO_CLUE, allow_read="known").confirm is True
    assert gate(Crud.READ, 0.89, NO_CLUE, allow_read=True, read_threshold=0.9).confirm is True
    assert gate(Crud.READ, 0.95, NO_CLUE, allow_read=True, read_threshold=0.9).confirm is False
    assert gate(Crud.READ, 0.99, H, allow_read=True).confirm is True  # the verb says DELETE
    assert gate(Crud.DELETE, 0.99, NO_CLUE, allow_read=True).confirm is True


def test_known_program_matches_the_heuristics_wording() -> None:
    c = Classifier()
    (finding,) = c.findings("git frobnicate --now", c.context("/"))
    assert finding.source == "heuristic" and known_program(finding)


def test_settings_defaults_and_problems() -> None:
    s = LlmSettings.from_table({})
    assert (s.inference_timeout_ms, s.confidence, s.allow_read) == (2000, 0.6, False)
    bad = LlmSettings.from_table({"threads": 0, "confidence": "high", "allow_read": "yes",
                                  "enabled": 1, "inference_timeout_ms": True})
    assert len(bad.problems) == 5
    assert bad.threads == 0 and DEFAULTS["threads"] == "auto" and bad.allow_read is False
    assert LlmSettings.from_table({"threads": "auto"}).threads == 0
    assert LlmSettings.from_table({"threads": 3}).threads == 3
    assert dict((k, v) for k, v, _ in LlmSettings.from_table({}).effective())["threads"] == "auto"
    assert LlmSettings.from_table({"allow_read": "known"}).allow_read == "known"
    assert KEYS <= _LLM_KEYS  # config.py accepts every key the LLM reads


def test_catalog_resolves_names_urls_and_paths(tmp_path) -> None:
    default = catalog.configured({})
    assert default.name == catalog.DEFAULT_MODEL and default.size == 668_788_096
    assert default.sha256 == "9fecc3b3cd76bba89d504f29b616eedf7da85b96540e490ca5824d3f7d2776a0"
    assert default.url.endswith("/resolve/52e7645ba7c309695bec7ac98f4f005b139cf465/"
                                "tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf")
    assert default.file == catalog.models_dir() / "tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf"
    local = catalog.configured({"path": str(tmp_path / "x.gguf")})
    assert local.file == tmp_path / "x.gguf" and not local.downloadable
    assert catalog.resolve({"path": str(tmp_path / "x.gguf")}, local.name) == local
    byurl = catalog.configured({"url": "https://example.org/a/b.Q4.gguf", "sha256": "a" * 64})
    assert byurl.file.name == "b.Q4.gguf"
    named = catalog.resolve({"models": {"m": {"url": "https://e.org/m.gguf",
                                              "sha256": "B" * 64, "size": 5}}}, "m")
    assert named.sha256 == "b" * 64 and named.size == 5
    for bad in ({"model": "nope"}, {"url": "ftp://x/y.gguf", "sha256": "a" * 64},
                {"url": "https://e.org/m.gguf", "sha256": "xyz"},
                {"models": {"m": {"url": "https://e.org/m.gguf"}}, "model": "m"}):
        with pytest.raises(catalog.CatalogError):
            catalog.configured(bad)


def test_verified_stamp_follows_the_file(tmp_path) -> None:
    f = tmp_path / "m.gguf"
    f.write_bytes(b"abc")
    spec = catalog.ModelSpec(name="m", path=f, sha256=catalog.sha256_file(f))
    assert not catalog.is_verified(spec)
    assert catalog.verify(spec) == (True, spec.sha256)
    assert catalog.is_verified(spec)
    f.write_bytes(b"abd")
    assert not catalog.is_verified(spec)
    assert catalog.verify(spec)[0] is False
