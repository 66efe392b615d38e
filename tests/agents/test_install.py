"""`shellguard install`: merge into empty, existing and broken settings; uninstall restores them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shellguard.agents import install
from shellguard.agents.install import InstallError, hook_command, settings_path, status

AGENTS = ("claude-code", "codex", "gemini")
EVENT = {"claude-code": "PreToolUse", "codex": "PreToolUse", "gemini": "BeforeTool"}
MATCHER = {"claude-code": "Bash", "codex": "Bash", "gemini": "run_shell_command"}


def ours(data: dict, agent: str) -> list[dict]:
    return [h for g in data.get("hooks", {}).get(EVENT[agent], []) for h in g["hooks"]
            if "shellguard.agents" in h.get("command", "")]


@pytest.mark.parametrize("agent", AGENTS)
def test_install_on_nothing_then_uninstall_removes_the_file(agent: str, _agent_home: Path) -> None:
    path = settings_path(agent)
    assert str(path).startswith(str(_agent_home)) and not path.exists()
    result = install.install(agent)
    assert result.changed and result.backup is None
    data = json.loads(path.read_text())
    [group] = data["hooks"][EVENT[agent]]
    assert group["matcher"] == MATCHER[agent]
    [hook] = group["hooks"]
    assert hook["type"] == "command" and hook["command"] == hook_command(agent)
    assert hook["command"].startswith(sys.executable) or hook["command"].startswith("'")
    assert hook["timeout"] == (30000 if agent == "gemini" else 30)
    assert status(agent).installed
    assert not install.install(agent).changed  # idempotent
    assert len(ours(json.loads(path.read_text()), agent)) == 1
    assert install.uninstall(agent).changed
    assert not path.exists() and not path.parent.exists()
    assert not install.uninstall(agent).changed


EXISTING = """{
    "model": "opus",
    "permissions": {"allow": ["Bash(npm test)"]},
    "hooks": {
        "PreToolUse": [
            {"matcher": "Write", "hooks": [{"type": "command", "command": "prettier --check"}]}
        ],
        "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}]
    }
}
"""


@pytest.mark.parametrize("agent", AGENTS)
def test_existing_file_is_merged_backed_up_and_restored_byte_for_byte(agent: str) -> None:
    path = settings_path(agent)
    path.parent.mkdir(parents=True)
    original = EXISTING.replace("PreToolUse", EVENT[agent])
    path.write_text(original)
    os.chmod(path, 0o600)
    result = install.install(agent)
    assert result.backup is not None and result.backup.read_text() == original
    data = json.loads(path.read_text())
    assert data["model"] == "opus" and data["permissions"] == {"allow": ["Bash(npm test)"]}
    assert data["hooks"]["Stop"][0]["hooks"][0]["command"] == "notify-send done"
    assert data["hooks"][EVENT[agent]][0]["matcher"] == "Write"  # theirs first, untouched
    assert len(ours(data, agent)) == 1
    assert path.read_text().startswith('{\n    "model"')  # their indentation kept
    assert os.stat(path).st_mode & 0o777 == 0o600  # and their file mode
    assert not install.install(agent).changed
    install.uninstall(agent)
    assert path.read_text() == original


def test_uninstall_removes_only_ours_when_the_user_changed_other_things() -> None:
    path = settings_path("claude-code")
    path.parent.mkdir(parents=True)
    path.write_text('{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": '
                    '[{"type": "command", "command": "my-own-check"}]}]}}')
    install.install("claude-code")
    data = json.loads(path.read_text())
    data["theme"] = "dark"
    path.write_text(json.dumps(data, indent=2))
    install.uninstall("claude-code")
    assert json.loads(path.read_text()) == {
        "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
            {"type": "command", "command": "my-own-check"}]}]}, "theme": "dark"}


@pytest.mark.parametrize("text", ['{"hooks": {', "not json", '{"a": 1,}', "[1, 2]",
                                  '{"hooks": []}', '{"hooks": {"PreToolUse": {}}}'])
def test_broken_file_is_refused_and_left_alone(text: str) -> None:
    path = settings_path("claude-code")
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(InstallError) as info:
        install.install("claude-code")
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    assert path.read_text() == text
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json"]


def test_empty_file_counts_as_empty_settings() -> None:
    path = settings_path("gemini")
    path.parent.mkdir(parents=True)
    path.write_text("")
    install.install("gemini")
    assert len(ours(json.loads(path.read_text()), "gemini")) == 1
    install.uninstall("gemini")
    assert path.read_text() == ""


def test_project_scope_and_codex_home(tmp_path, monkeypatch) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    result = install.install("claude-code", project=True, cwd=str(project))
    assert result.path == project / ".claude" / "settings.json"
    assert status("claude-code", project=True, cwd=str(project)).installed
    assert not status("claude-code").installed
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codexhome"))
    assert install.install("codex").path == tmp_path / "codexhome" / "hooks.json"


def test_codex_config_toml_must_parse_and_its_switches_are_reported() -> None:
    path = settings_path("codex")
    path.parent.mkdir(parents=True)
    config = path.with_name("config.toml")
    config.write_text("[features\nhooks = false\n")
    with pytest.raises(InstallError, match="not valid TOML"):
        install.install("codex")
    assert not path.exists()
    config.write_text("[features]\nhooks = false\n")
    result = install.install("codex")
    assert any("switches hooks off" in note for note in result.notes)


def test_a_moved_interpreter_is_updated_in_place_and_reported_stale() -> None:
    install.install("claude-code", command="/gone/bin/python -m shellguard.agents claude-code")
    assert "does not exist" in (status("claude-code").problem or "")
    result = install.install("claude-code")
    assert result.changed and "updated" in result.message
    data = json.loads(settings_path("claude-code").read_text())
    assert [h["command"] for h in ours(data, "claude-code")] == [hook_command("claude-code")]


def test_cli_one_line_error_and_no_traceback() -> None:
    path = settings_path("gemini")
    path.parent.mkdir(parents=True)
    path.write_text("{oops")
    result = subprocess.run([sys.executable, "-m", "shellguard", "install", "gemini"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 65 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("shellguard: ")
    path.write_text("{}")
    ok = subprocess.run([sys.executable, "-m", "shellguard", "install", "gemini"],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "added the gemini hook" in ok.stdout
