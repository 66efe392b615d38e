"""`shellguard doctor`: plain words, a fix for each problem, non-zero when something is broken."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shellguard.agents import install
from shellguard.audit import log_path
from shellguard.doctor import Check, check_agents, check_audit, check_config, check_shells


def statuses(checks) -> list[tuple[str, str]]:
    return [(c.area, c.status) for c in checks]


def test_fresh_setup_works_and_says_what_is_missing(_agent_home: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "shellguard", "doctor", "--quick"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "co-process" in out and "starts and answers" in out and " ms" in out
    assert "no shell's rc file loads shellguard" in out
    assert "fix: shellguard install claude-code" in out or "Claude Code" in out
    assert "Traceback" not in result.stderr


def test_shell_rc_files_and_agent_hooks_are_found(_agent_home: Path) -> None:
    (_agent_home / ".zshrc").write_text('eval "$(shellguard init zsh)"\n')
    (_agent_home / ".bashrc").write_text('# eval "$(shellguard init bash)"  (commented out)\n'
                                        "export BASH_ENV=~/.config/shellguard/agent.bash\n")
    shells = list(check_shells())
    assert ("shells", "ok") in statuses(shells)
    assert any(c.status == "info" and c.message.startswith("bash does not") for c in shells)
    (_agent_home / ".claude").mkdir()
    agents = list(check_agents())
    assert any(c.status == "warn" and "Claude Code" in c.message and c.fix ==
               "shellguard install claude-code" for c in agents)
    install.install("claude-code")
    assert any(c.status == "ok" and "Claude Code" in c.message for c in check_agents())


def test_broken_things_fail_with_a_fix() -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "shellguard" / "config.toml"
    config.write_text("[policy\n")
    [first, *_] = list(check_config())
    assert first.status == "fail" and first.fix and "config.toml" in first.fix
    config.write_text('[audit]\naudit = "sometimes"\n')
    assert any(c.status == "warn" and "audit.audit" in c.message for c in check_config())
    log_path().parent.mkdir(parents=True, exist_ok=True)
    log_path().write_text("")
    os.chmod(log_path(), 0o644)
    [audit] = list(check_audit())
    assert audit.status == "fail" and audit.fix == f"chmod 600 {log_path()}"
    settings = install.settings_path("gemini")
    settings.parent.mkdir(parents=True)
    settings.write_text("{not json")
    assert any(c.status == "fail" and "not valid JSON" in c.message for c in check_agents())
    result = subprocess.run([sys.executable, "-m", "shellguard", "doctor", "--quick"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 69 and "FAIL" in result.stdout and "problem(s) to fix" in result.stdout


def test_checks_are_plain_values() -> None:
    check = Check("x", "ok", "fine")
    assert check.fix is None
