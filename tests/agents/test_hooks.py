"""Each agent hook fed the JSON its agent sends (fixtures/), malformed input, crashes and timeouts."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shellguard.agents import get
from shellguard.agents.common import AgentSettings, run
from shellguard.guard import Guard
from tests.agents.conftest import FIXTURES, audit_entries, fixture_json


def hook(agent: str, payload: dict | bytes, **kw) -> tuple[dict | None, int]:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    out = run(get(agent), io.BytesIO(raw), **kw)
    return (json.loads(out.stdout) if out.stdout.strip() else None), out.exit_code


def decision(answer: dict | None) -> str | None:
    if answer is None:
        return None
    if "hookSpecificOutput" in answer:
        assert answer["hookSpecificOutput"]["hookEventName"] == "PreToolUse"
        assert answer["hookSpecificOutput"]["permissionDecisionReason"]
        return answer["hookSpecificOutput"]["permissionDecision"]
    assert answer["reason"]
    return answer["decision"]


def with_cwd(payload: dict, cwd: Path) -> dict:
    return {**payload, "cwd": str(cwd)}


# -- Claude Code ------------------------------------------------------------------------------

def test_claude_code_asks_for_rm_and_says_why(tmp_path) -> None:
    answer, code = hook("claude-code", with_cwd(fixture_json("claude_code_bash_rm.json"), tmp_path))
    assert code == 0 and decision(answer) == "ask"
    assert answer["hookSpecificOutput"]["permissionDecisionReason"].startswith("shellguard: DELETE: ")
    [entry] = audit_entries()
    assert entry["where"] == "claude-code" and entry["class"] == "DELETE"
    assert entry["action"] == "confirm" and entry["answer"] is None


def test_claude_code_read_prints_nothing_and_allow_is_opt_in(tmp_path) -> None:
    payload = with_cwd(fixture_json("claude_code_bash_read.json"), tmp_path)
    assert hook("claude-code", payload) == (None, 0)
    assert audit_entries() == []
    answer, _ = hook("claude-code", payload, settings=AgentSettings(claude_code_allow=True))
    assert decision(answer) == "allow"


def test_claude_code_deny_classes_and_unattended_deny(tmp_path) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "shellguard" / "config.toml"
    config.write_text('[llm]\nenabled = false\n[policy]\nDELETE = "deny"\n')
    payload = with_cwd(fixture_json("claude_code_bash_rm.json"), tmp_path)
    answer, _ = hook("claude-code", payload)
    assert decision(answer) == "deny"
    assert audit_entries()[-1]["answer"] == "blocked"
    touch = {**payload, "tool_input": {"command": "touch x"}}
    answer, _ = hook("claude-code", touch, settings=AgentSettings(claude_code_confirm="deny"))
    assert decision(answer) == "deny"


def test_non_shell_tools_pass_untouched() -> None:
    assert hook("claude-code", fixture_json("claude_code_write.json")) == (None, 0)
    assert hook("codex", fixture_json("codex_apply_patch.json")) == (None, 0)
    assert hook("gemini", fixture_json("gemini_read_file.json")) == (None, 0)
    assert audit_entries() == []


# -- Codex ------------------------------------------------------------------------------------

def test_codex_never_answers_ask_or_bare_allow(tmp_path) -> None:
    answer, code = hook("codex", with_cwd(fixture_json("codex_bash_touch.json"), tmp_path))
    assert code == 0 and decision(answer) == "deny"
    reason = answer["hookSpecificOutput"]["permissionDecisionReason"]
    assert "CREATE" in reason and "ask them" in reason
    assert audit_entries()[-1]["answer"] == "blocked"
    assert hook("codex", with_cwd(fixture_json("codex_bash_read.json"), tmp_path)) == (None, 0)
    passed = hook("codex", with_cwd(fixture_json("codex_bash_touch.json"), tmp_path),
                  settings=AgentSettings(codex_confirm="pass"))
    assert passed == (None, 0)


# -- Gemini CLI -------------------------------------------------------------------------------

def test_gemini_denies_with_reason_and_uses_the_directory(tmp_path) -> None:
    answer, code = hook("gemini", with_cwd(fixture_json("gemini_shell_rm.json"), tmp_path))
    assert code == 0 and decision(answer) == "deny" and set(answer) == {"decision", "reason"}
    assert "DELETE" in answer["reason"]
    assert audit_entries()[-1]["cwd"] == str(tmp_path / "web")
    assert hook("gemini", with_cwd(fixture_json("gemini_shell_read.json"), tmp_path)) == (None, 0)


# -- failing safe -----------------------------------------------------------------------------

SAFE = {"claude-code": "ask", "codex": "deny", "gemini": "deny"}
SHELL_TOOL = {"claude-code": "Bash", "codex": "Bash", "gemini": "run_shell_command"}


@pytest.mark.parametrize("agent", SAFE)
@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "malformed").iterdir()))
def test_malformed_input_fails_safe(agent: str, name: str) -> None:
    raw = (FIXTURES / "malformed" / name).read_bytes()
    for event in ("PreToolUse", "BeforeTool"):  # the agent's own event name
        raw = raw.replace(event.encode(), ("BeforeTool" if agent == "gemini" else
                                           "PreToolUse").encode())
    raw = raw.replace(b'"tool_name": "Bash"', f'"tool_name": "{SHELL_TOOL[agent]}"'.encode())
    answer, code = hook(agent, raw)
    assert code == 0 and decision(answer) == SAFE[agent], (agent, name, answer)
    text = json.dumps(answer)
    assert "shellguard" in text and "Traceback" not in text


@pytest.mark.parametrize("agent", SAFE)
def test_a_crash_fails_safe(agent: str) -> None:
    def broken(_config):
        raise RuntimeError("boom")

    payload = {"hook_event_name": "BeforeTool" if agent == "gemini" else "PreToolUse",
               "tool_name": SHELL_TOOL[agent], "tool_input": {"command": "ls"}, "cwd": "/"}
    answer, _ = hook(agent, payload, guard_factory=broken)
    assert decision(answer) == SAFE[agent]
    assert "RuntimeError: boom" in json.dumps(answer)
    assert audit_entries()[-1]["source"] == "fallback"


@pytest.mark.parametrize("agent", SAFE)
def test_a_timeout_fails_safe_within_the_budget(agent: str) -> None:
    class Slow:
        def check(self, command, cwd):
            time.sleep(30)

    payload = {"hook_event_name": "BeforeTool" if agent == "gemini" else "PreToolUse",
               "tool_name": SHELL_TOOL[agent], "tool_input": {"command": "ls"}, "cwd": "/"}
    started = time.monotonic()
    answer, _ = hook(agent, payload, guard_factory=lambda _c: Slow(),
                     settings=AgentSettings(timeout_s=1))
    assert time.monotonic() - started < 5
    assert decision(answer) == SAFE[agent] and "within 1 s" in json.dumps(answer)


def test_unexpected_event_fails_safe() -> None:
    payload = {**fixture_json("claude_code_bash_read.json"), "hook_event_name": "PostToolUse"}
    assert decision(hook("claude-code", payload)[0]) == "ask"


def test_settings_problems_are_one_line_each() -> None:
    settings = AgentSettings.from_table({"timeout_s": 0, "codex_confirm": "ask", "bogus": 1})
    assert settings.timeout_s == 10 and settings.codex_confirm == "deny"
    assert len(settings.problems) == 3


# -- the real command, as the agent runs it ---------------------------------------------------

def run_hook(agent: str, data: bytes, *entry: str) -> subprocess.CompletedProcess:
    argv = entry or ("-m", "shellguard.agents", agent)
    return subprocess.run([sys.executable, *argv], input=data, capture_output=True, timeout=60)


def test_installed_command_end_to_end(tmp_path) -> None:
    payload = json.dumps(with_cwd(fixture_json("claude_code_bash_rm.json"), tmp_path)).encode()
    for entry in ((), ("-m", "shellguard", "hook", "claude-code")):
        result = run_hook("claude-code", payload, *entry)
        assert result.returncode == 0
        assert json.loads(result.stdout)["hookSpecificOutput"]["permissionDecision"] == "ask"
        assert b"Traceback" not in result.stderr
    garbage = run_hook("gemini", b"\x00\x01 nonsense")
    assert garbage.returncode == 0 and json.loads(garbage.stdout)["decision"] == "deny"


def test_guard_is_the_engine_not_a_copy(tmp_path) -> None:
    # The hook's class is exactly the library's.
    payload = with_cwd(fixture_json("claude_code_bash_rm.json"), tmp_path)
    answer, _ = hook("claude-code", payload)
    verdict = Guard(use_llm=False).check("rm -rf build", str(tmp_path)).verdict
    assert answer["hookSpecificOutput"]["permissionDecisionReason"] == (
        f"shellguard: {verdict.crud.name}: {verdict.reason}")
