"""Agent tests: a private HOME too, and the local model off (no daemon, faster co-process)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture(autouse=True)
def _agent_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var in ("BASH_ENV", "ZDOTDIR", "CODEX_HOME", "SHELLGUARD_MODE", "_SHELLGUARD_AGENT",
                "CLAUDECODE", "GEMINI_CLI", "CODEX_THREAD_ID", "CODEX_SANDBOX", "AI_AGENT"):
        monkeypatch.delenv(var, raising=False)
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "shellguard" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[llm]\nenabled = false\n")
    return home


def fixture_json(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def audit_entries() -> list[dict]:
    path = Path(os.environ["XDG_STATE_HOME"]) / "shellguard" / "audit.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]
