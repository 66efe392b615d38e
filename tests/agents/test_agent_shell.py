"""The BASH_ENV / .zshenv agent guard, through real `bash -c` and `zsh -c`.

Every case checks that nothing blocked ran: the files it would have made do not exist
(and the directory `keep` it would have removed is still there)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from tests.agents.shellrun import REAL, Case, Outcome, private_env, run_all

pytestmark = pytest.mark.skipif(not shutil.which("zsh"), reason="zsh is not installed")

SNAPSHOT = """# a Claude Code shell snapshot (functions, options, aliases, exports)
unalias -a 2>/dev/null || true
shopt -s expand_aliases
alias ll='ls -l'
export SNAPSHOT_VAR=1
myfunc() { echo from-snapshot-function; }
"""

BASH = {
    "b_true": "true",
    "b_semicolon": "echo start; touch x1; echo never",
    "b_and": "true && touch x2 && echo never",
    "b_pipeline": "echo data | tee x3; echo never",
    "b_function": "f() { echo in-f; rm -rf keep; }; f; echo never",
    "b_cmdsubst": 'v=$(touch x4; echo sub); echo "never $v"',
    "b_subshell": "( echo in-sub; touch x5 ); echo never",
    "b_subshell_inner": "g() { touch x5b; }; ( g ); echo never",
    "b_eval": 'eval "touch x6"; echo never',
    "b_nested": 'bash -c "touch x7"; echo never',
    "b_nested_hidden": 'c="touch x8"; bash -c "$c"; echo never',
    "b_rm_message": "rm -rf build",
    "b_trap": "trap - DEBUG; touch x9",
    "b_trap_builtin": "builtin trap '' DEBUG; touch x10",
    "b_unset_f": "unset -f __shellguard_debug; touch x11",
    "b_redefine": "__shellguard_debug() { :; }; __shellguard_miss() { :; }; touch x12",
    "b_set_T": "set +T; f() { touch x13; }; f",
    "b_cache_poison": "__shellguard_cache[$PWD$'\\x1f'\"touch x14\"]=1; touch x14",
    "b_extdebug": "shopt -u extdebug; touch x15",
    "b_loop": 'for i in 1 2 3; do echo "i=$i"; done; mv nothing x16',
    "b_allowed": "cat /etc/hostname > /dev/null; ls -la >/dev/null 2>&1; git status >/dev/null 2>&1;"
                 " for ((i=0;i<50;i++)); do :; done; echo ok",
    "b_pipe_no_hang": "git --version 2>/dev/null | cat >/dev/null; printf '%s\\n' a b | grep -c a",
    "b_claude_ok": "source {home}/.claude/shell-snapshots/snapshot-bash-1-ab.sh 2>/dev/null || true"
                   " && shopt -u extglob && eval 'myfunc; ll >/dev/null; echo ok' < /dev/null"
                   " && pwd -P >| {cwd}/claude-ab12-cwd",
    "b_claude_blocked": "source {home}/.claude/shell-snapshots/snapshot-bash-1-ab.sh 2>/dev/null "
                        "|| true && shopt -u extglob && eval 'touch x17' < /dev/null && "
                        "pwd -P >| {cwd}/claude-cd34-cwd",
    "b_gemini_ok": "shopt -u promptvars nullglob extglob nocaseglob dotglob; { ls >/dev/null; };"
                   " __code=$?; pgrep -g 0 >{cwd}/shell_pgrep_abc.tmp 2>&1; exit $__code;",
    "b_gemini_blocked": "shopt -u promptvars nullglob extglob nocaseglob dotglob; { touch x18; };"
                        " __code=$?; pgrep -g 0 >{cwd}/shell_pgrep_def.tmp 2>&1; exit $__code;",
}

ZSH = {
    "z_true": "true",
    "z_semicolon": "echo start; touch z1; echo never",
    "z_and": "true && touch z2 && echo never",
    "z_pipeline": "echo data | tee z3; echo never",
    "z_function": "f() { echo in-f; rm -rf keep; }; f; echo never",
    "z_cmdsubst": 'v=$(touch z4; echo sub); echo "never $v"',
    "z_subshell": "( touch z5 ); echo never",
    "z_eval": 'eval "touch z6"; echo never',
    "z_nested": 'zsh -c "touch z7"; echo never',
    "z_trap": "trap - DEBUG; touch z9",
    "z_redefine": "_shellguard_agent_debug() { : }; touch z10",
    "z_unfunction": "unfunction _shellguard_agent_debug; touch z11",
    "z_trapdebug": "TRAPDEBUG() { : }; touch z12",
    "z_option": "unsetopt debug_before_cmd; touch z13",
    "z_option_spelling": "setopt NO_DEBUGBEFORECMD; touch z14",
    "z_loop": "for i in 1 2; do echo i=$i; done; mv nothing z15",
    "z_allowed": "ls -la >/dev/null && git status >/dev/null 2>&1; echo ok",
    "z_claude_ok": "source {home}/.claude/shell-snapshots/snapshot-zsh-1-ab.sh 2>/dev/null || true"
                   " && export CLAUDE_X=1 && setopt NO_EXTENDED_GLOB 2>/dev/null || true && eval"
                   " 'echo ok' < /dev/null && pwd -P >| {cwd}/claude-ef56-cwd",
    "z_claude_blocked": "source {home}/.claude/shell-snapshots/snapshot-zsh-1-ab.sh 2>/dev/null ||"
                        " true && setopt NO_EXTENDED_GLOB 2>/dev/null || true && eval 'touch z16'"
                        " < /dev/null && pwd -P >| {cwd}/claude-gh78-cwd",
}

# name -> files that must not exist afterwards (in the case's own directory)
NOT_MADE = {
    "b_semicolon": ["x1"], "b_and": ["x2"], "b_pipeline": ["x3"], "b_cmdsubst": ["x4"],
    "b_subshell": ["x5"], "b_subshell_inner": ["x5b"], "b_eval": ["x6"], "b_nested": ["x7"],
    "b_nested_hidden": ["x8"], "b_trap": ["x9"], "b_trap_builtin": ["x10"],
    "b_unset_f": ["x11"], "b_redefine": ["x12"], "b_set_T": ["x13"], "b_cache_poison": ["x14"],
    "b_extdebug": ["x15"], "b_loop": ["x16"], "b_claude_blocked": ["x17", "claude-cd34-cwd"],
    "b_gemini_blocked": ["x18"],
    "z_semicolon": ["z1"], "z_and": ["z2"], "z_pipeline": ["z3"], "z_cmdsubst": ["z4"],
    "z_subshell": ["z5"], "z_eval": ["z6"], "z_nested": ["z7"], "z_trap": ["z9"],
    "z_redefine": ["z10"], "z_unfunction": ["z11"], "z_trapdebug": ["z12"], "z_option": ["z13"],
    "z_option_spelling": ["z14"], "z_loop": ["z15"], "z_claude_blocked": ["z16", "claude-gh78-cwd"],
}
ALLOWED = {"b_true", "b_allowed", "b_pipe_no_hang", "b_claude_ok", "b_gemini_ok", "z_true",
           "z_allowed", "z_claude_ok"}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("agent-shell")
    env = private_env(base / "env")
    snapdir = Path(env["HOME"]) / ".claude" / "shell-snapshots"
    snapdir.mkdir(parents=True)
    (snapdir / "snapshot-bash-1-ab.sh").write_text(SNAPSHOT)
    (snapdir / "snapshot-zsh-1-ab.sh").write_text(SNAPSHOT.replace("shopt -s expand_aliases", ":"))
    (Path(env["HOME"]) / "shim.sh").write_text("#!/bin/bash\n# like a pyenv shim\n"
                                               "enable -f /nonexistent/realpath.so realpath "
                                               "2>/dev/null\ntouch made-by-script\necho shim-ok\n")
    zprofile_home = base / "zlogin"
    cases: dict[str, Case] = {}
    for name, script in BASH.items():
        cases[name] = Case("bash", script.replace("{home}", env["HOME"]).replace(
            "{cwd}", str(base / name)))
    for name, script in ZSH.items():
        cases[name] = Case("zsh", script.replace("{home}", env["HOME"]).replace(
            "{cwd}", str(base / name)))
    # Markers: nothing without one, Claude Code's turns it on, SHELLGUARD_MODE=off turns it off.
    cases["m_no_marker"] = Case("bash", "touch y1", env={"SHELLGUARD_MODE": "<unset>"})
    cases["m_claudecode"] = Case("bash", "touch y2", env={"SHELLGUARD_MODE": "<unset>",
                                                          "CLAUDECODE": "1"})
    cases["m_gemini_zsh"] = Case("zsh", "touch y3", env={"SHELLGUARD_MODE": "<unset>",
                                                         "GEMINI_CLI": "1"})
    cases["m_off"] = Case("bash", "touch y4", env={"SHELLGUARD_MODE": "off", "CLAUDECODE": "1"})
    # BASH_ENV reaches scripts (pyenv shims are bash scripts): they are not guarded.
    cases["m_script"] = Case("bash", "", argv=["bash", str(Path(env["HOME"]) / "shim.sh")])
    # Without a working classifier, what needs one is blocked; the fast path still works.
    broken = {"_SHELLGUARD_PYTHON": "/nonexistent/python"}
    cases["m_no_python_fast"] = Case("bash", "ls >/dev/null; echo fast-ok", env=broken)
    # The hook command an agent runs through bash is the guard itself.
    cases["m_hook_via_bash"] = Case("bash", f"{sys.executable} -m shellguard.agents gemini")
    cases["m_login_zsh"] = Case("zsh", "", argv=["zsh", "-lc", "echo main"],
                                env={"ZDOTDIR": str(zprofile_home)})
    zprofile_home.mkdir()
    from shellguard.shells import render
    (zprofile_home / "agent.zsh").write_text(render("zsh", agent=True))
    (zprofile_home / ".zshenv").write_text(f"source {zprofile_home}/agent.zsh\n")
    (zprofile_home / ".zprofile").write_text(f"touch {base}/made-by-zprofile\n")
    # These start the real `python -m shellguard serve` co-process (start-up path, audit
    # written by it, no hang on pipelines); the rest share one warm classifier.
    for name in ("b_rm_message", "b_pipe_no_hang", "b_subshell", "b_allowed", "z_semicolon",
                 "z_allowed"):
        cases[name].python = REAL
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():  # the shared classifier logs where the shells do
            mp.setenv(key, value)
        results = run_all(cases, base, extra=env)
    return {"results": results, "env": env, "base": base}


def outcome(world: dict, name: str) -> Outcome:
    return world["results"][name]


@pytest.mark.parametrize("name", sorted(NOT_MADE))
def test_blocked_and_nothing_blocked_ran(world, name: str) -> None:
    result = outcome(world, name)
    assert result.rc == 126, (name, result.rc, result.err)
    assert "never" not in result.out, (name, result.out)
    assert "shellguard: blocked " in result.err, (name, result.err)
    assert "Traceback" not in result.err and "bashdb" not in result.err
    for file in NOT_MADE[name]:
        assert not (result.cwd / file).exists(), (name, file)
    assert (result.cwd / "keep").is_dir()


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_allowed_commands_run(world, name: str) -> None:
    result = outcome(world, name)
    assert result.rc == 0, (name, result.rc, result.err)
    assert result.err.strip() == "" or "shellguard" not in result.err, (name, result.err)
    assert "debugger" not in result.err  # field notes 5.2.1: no extdebug in BASH_ENV


def test_message_names_class_reason_and_command(world) -> None:
    assert outcome(world, "b_rm_message").err.strip() == (
        "shellguard: blocked DELETE (rm: removes files or directories): rm -rf build")
    assert outcome(world, "b_rm_message").rc == 126


def test_framing_of_claude_code_and_gemini(world) -> None:
    ok = outcome(world, "b_claude_ok")
    assert "from-snapshot-function" in ok.out and "ok" in ok.out
    assert (ok.cwd / "claude-ab12-cwd").read_text().strip() == str(ok.cwd.resolve())
    assert (outcome(world, "b_gemini_ok").cwd / "shell_pgrep_abc.tmp").exists()
    assert (outcome(world, "z_claude_ok").cwd / "claude-ef56-cwd").exists()


def test_markers(world) -> None:
    assert outcome(world, "m_no_marker").rc == 0 and (outcome(world, "m_no_marker").cwd / "y1").exists()
    for name, file in (("m_claudecode", "y2"), ("m_gemini_zsh", "y3")):
        assert outcome(world, name).rc == 126 and not (outcome(world, name).cwd / file).exists()
    assert outcome(world, "m_off").rc == 0 and (outcome(world, "m_off").cwd / "y4").exists()


def test_scripts_and_startup_files_are_not_the_agents_commands(world) -> None:
    script = outcome(world, "m_script")
    assert script.rc == 0 and "shim-ok" in script.out and (script.cwd / "made-by-script").exists()
    login = outcome(world, "m_login_zsh")
    assert login.rc == 0 and "main" in login.out and (world["base"] / "made-by-zprofile").exists()


def test_without_a_classifier_fail_closed_but_fast_path_works(world) -> None:
    fast = outcome(world, "m_no_python_fast")
    assert fast.rc == 0 and "fast-ok" in fast.out
    hook = outcome(world, "m_hook_via_bash")
    assert hook.rc == 0 and json.loads(hook.out)["decision"] == "deny"  # empty input: fail safe


def test_pipelines_do_not_hang_on_the_co_process(world) -> None:
    result = outcome(world, "b_pipe_no_hang")
    assert result.rc == 0 and result.out.strip() == "1" and result.seconds < 60


def test_blocks_are_in_the_audit_log(world) -> None:
    log = Path(world["env"]["XDG_STATE_HOME"]) / "shellguard" / "audit.jsonl"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert all(e["where"] == "agent-shell" and e["answer"] == "blocked" for e in entries)
    commands = {e["command"] for e in entries}
    assert "rm -rf build" in commands and "touch x1" in commands
    assert log.stat().st_mode & 0o777 == 0o600
