"""Living with other shell code: zsh plugins, bash vi mode, Ctrl-O, Ctrl-X Ctrl-E,
bash-preexec, a plugin that replaces zle-line-finish, sourcing twice."""

from __future__ import annotations

import json
import os
import sys
import time

import pytest
from shell_harness import AUTOSUGGEST, BASH53, BASH_PREEXEC, BASH_PREEXEC_PS0, HIGHLIGHT, wait_for

from shellguard import shells

ZSH_PLUGIN_ORDERS = {
    # zsh-syntax-highlighting wants to be last; both orders are common in the wild.
    "suggest-guard-highlight": (f"source {AUTOSUGGEST}", f"source {HIGHLIGHT}"),
    "highlight-suggest-guard": (f"source {HIGHLIGHT}\nsource {AUTOSUGGEST}", ""),
}


def _guards_rm(shell) -> None:
    shell.assert_rm_asks()
    victim = shell.home / "victim"
    shell.line("rm victim")
    shell.question()
    shell.send("y")
    shell.sync()
    assert not victim.exists()


@pytest.mark.parametrize("order", sorted(ZSH_PLUGIN_ORDERS))
def test_zsh_with_autosuggestions_and_syntax_highlighting(spawn, order):
    if not (AUTOSUGGEST.exists() and HIGHLIGHT.exists()):
        pytest.skip("zsh-autosuggestions / zsh-syntax-highlighting are not installed")
    before, after = ZSH_PLUGIN_ORDERS[order]
    shell = spawn("zsh", rc_before=before, rc_after=after)
    (shell.home / "notes.txt").write_text("CAT-OK\n")
    shell.line("cat notes.txt")          # Enter still works
    assert "Proceed" not in shell.expect(r"CAT-OK\r?\n")
    # With a suggestion on screen ("cat notes.txt" from history), Enter runs what was typed.
    shell.line("cat no")
    shell.expect(r"cat: no: No such file or directory")
    _guards_rm(shell)


@pytest.mark.parametrize("on_path", [True, False])
def test_zsh_plugin_file_as_plugin_managers_load_it(spawn, on_path, tmp_path):
    """oh-my-zsh, zinit and antidote source `<name>.plugin.zsh` from the plugin's folder:
    with `shellguard` on PATH it runs what `shellguard init zsh` prints; without, it
    sources the script beside it (a checkout used as the plugin)."""
    plugin = shells.script_path("zsh").with_name("shellguard.plugin.zsh")
    bin_dir = os.path.dirname(sys.executable)
    path = f"{bin_dir}:/usr/local/bin:/usr/bin:/bin" if on_path else "/usr/local/bin:/usr/bin:/bin"
    # off PATH, the script finds no Python of its own: the rc names it, as a user would
    load = f"source {plugin}" if on_path else \
        f"_SHELLGUARD_PYTHON={sys.executable}; source {plugin}"
    shell = spawn("zsh", load=load,
                  env={"PATH": path, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    _guards_rm(shell)
    launched = (tmp_path / "cache" / "shellguard" / "init" / "zsh.sh").exists()
    assert launched == on_path


def test_zsh_plugin_replacing_zle_line_finish_later(spawn):
    shell = spawn("zsh", rc_after="_other_finish() { : }\nzle -N zle-line-finish _other_finish")
    _guards_rm(shell)


@pytest.mark.parametrize("kind", ["zsh"])
def test_zsh_sourcing_twice_asks_once(shell):
    shell.line(f"source {shell.script}")
    shell.question()                     # sourcing runs code: asked like anything else
    shell.send("y")
    shell.sync()
    start = len(shell.text())
    (shell.home / "victim").write_text("x")
    shell.line("rm victim")
    shell.question()
    shell.send("n")
    shell.sync()
    assert shell.text()[start:].count("Proceed?") == 1


@pytest.mark.parametrize("kind", ["zsh"])
def test_zsh_ctrl_o_is_guarded(shell):
    shell.line("touch via-ctrl-o", key="\x0f")
    shell.question()
    shell.send("n")
    shell.sync()
    assert not (shell.home / "via-ctrl-o").exists()


def test_bash_vi_mode(spawn):
    shell = spawn("bash", rc_after="set -o vi")
    victim = shell.home / "victim"
    victim.write_text("x")
    shell.line("rm victim")              # Enter in vi-insert mode
    shell.question()
    shell.send("n")
    shell.sync()
    assert victim.exists()
    shell.line("rm victim", key="\x1b")  # Esc: vi-command mode, then Enter there
    shell.send("\r")
    shell.question()
    shell.send("y")
    shell.sync()
    assert not victim.exists()


@pytest.mark.parametrize("kind", ["bash"])
def test_bash_ctrl_o_is_caught(shell):
    shell.line("touch via-ctrl-o; printf '%s\\n' after-$((40+2))", key="\x0f")
    shell.question()
    shell.send("n")
    out = shell.sync()
    assert not (shell.home / "via-ctrl-o").exists()
    assert "after-42" not in out
    shell.line("touch via-ctrl-o", key="\x0f")
    shell.question()
    shell.send("y")
    shell.sync()
    assert (shell.home / "via-ctrl-o").exists()


@pytest.mark.parametrize("kind", ["bash"])
def test_bash_ctrl_x_ctrl_e_is_caught(shell):
    # EDITOR=true: the text comes back unchanged
    shell.line("touch via-editor", key="\x18\x05")
    shell.question()
    shell.send("n")
    shell.sync()
    assert not (shell.home / "via-editor").exists()


@pytest.mark.parametrize("hooks", ["own trap", "bash-preexec"])
def test_bash_ctrl_o_first_thing_in_a_session_is_caught(spawn, hooks):
    """The checking code is read at the first check; when that check is the backstop's
    (Ctrl-O bypasses Enter), it is read there, in the DEBUG trap or a preexec function."""
    shell = spawn("bash", first_sync=False,
                  rc_after=f"source {BASH_PREEXEC}" if hooks == "bash-preexec" else "")
    shell.expect("@SG@ ")
    shell.line("touch via-ctrl-o; printf '%s\\n' after-$((40+2))", key="\x0f")
    shell.question()
    shell.send("n")
    assert "after-42" not in shell.sync()
    assert not (shell.home / "via-ctrl-o").exists()


def test_bash_without_its_checking_code_runs_nothing_until_switched_off(spawn, tmp_path):
    """A broken installation (shellguard-check.bash gone) fails closed, says why, and
    leaves a way out: `shellguard off`."""
    alone = tmp_path / "alone"
    alone.mkdir()
    script = alone / "shellguard.bash"
    script.write_text(shells.script_path("bash").read_text())
    shell = spawn("bash", first_sync=False,
                  load=f"_SHELLGUARD_PYTHON={sys.executable}; source {script}")
    victim = shell.home / "victim"
    victim.write_text("x")
    shell.expect("@SG@ ")
    shell.line("rm victim")
    shell.expect(f"cannot read {alone}/shellguard-check.bash: nothing runs")
    shell.line("printf '%s\\n' still-$((40+2))")
    shell.expect("nothing runs")
    assert "still-42" not in shell.text()
    assert victim.exists()
    shell.line("shellguard off")
    shell.expect("off in this shell")
    shell.line("rm victim")
    wait_for(lambda: not victim.exists(), what="rm to run")


def _preexec_logger(bash_preexec) -> str:
    """rc lines that load bash-preexec and a preexec function logging each line to ~/preexec.log."""
    return (f"source {bash_preexec}\n"
            "_log_preexec() { printf '%s\\n' \"[$1]\" >> ~/preexec.log; }\n"
            "preexec_functions+=(_log_preexec)")


def _guarded_beside_bash_preexec(shell) -> list[str]:
    """Enter, Ctrl-O and a multi-line loop are each asked about and refused with `n`;
    the lines bash-preexec showed the logging preexec function come back."""
    victim = shell.home / "victim"
    victim.write_text("x")
    shell.line("rm victim")
    shell.question()
    shell.send("n")
    shell.sync()
    assert victim.exists()
    # Ctrl-O bypasses Enter: the backstop asks and skips the whole line.
    shell.line("touch via-ctrl-o; printf '%s\\n' after-$((40+2))", key="\x0f")
    shell.question()
    shell.send("n")
    assert "after-42" not in shell.sync()
    assert not (shell.home / "via-ctrl-o").exists()
    # A loop is asked about once, as a whole, before any of it runs.
    shell.line("for i in 1 2")
    shell.ps2()
    shell.send('do printf "%s\\n" "it-$i"\r')
    shell.ps2()
    shell.send("rm victim; done\r")
    shell.question()
    shell.send("n")
    assert "it-1" not in shell.sync()
    assert victim.exists()
    seen = (shell.home / "preexec.log").read_text().splitlines()
    # Other preexec functions still see every line that runs, once, with its own text.
    assert "[rm victim]" not in seen
    for n in range(1, shell._n + 1):
        assert seen.count(f"[printf '%s-%s\\n' SYNC {n}]") == 1, (n, seen)
    return seen


@pytest.mark.parametrize("where", ["after", "before"])
def test_bash_with_bash_preexec(spawn, where):
    hook = _preexec_logger(BASH_PREEXEC)
    options = {"rc_after": hook} if where == "after" else {"rc_before": hook}
    shell = spawn("bash", **options)
    shell.line("shellguard status")
    shell.expect("bash, preexec")
    # (bash-preexec's DEBUG trap calls our preexec function for the Ctrl-O line)
    _guarded_beside_bash_preexec(shell)
    # the read table is loaded at its prompts too (the prompt hook's longer path)
    shell.wait_for_read_table()


def test_bash_53_with_bash_preexec_in_ps0_mode(spawn):
    """On bash 5.3 bash-preexec (0.6+) calls preexec functions from PS0, which cannot
    stop a line, and sets no DEBUG trap: shellguard keeps its own trap as the backstop
    and leaves bash-preexec's hooks as they are (no trap of theirs put back)."""
    if not (BASH53.exists() and BASH_PREEXEC_PS0.exists()):
        message = f"needs {BASH53} and {BASH_PREEXEC_PS0} (scripts/fetch-bash53.sh)"
        if os.environ.get("SHELLGUARD_TEST_REQUIRE_BASH53") == "1":
            pytest.fail(message)
        pytest.skip(message)
    shell = spawn("bash", rc_after=_preexec_logger(BASH_PREEXEC_PS0), binary=str(BASH53))
    shell.line("printf '%s\\n' \"v-${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]}-$__bp_hook_preexec_proc\"")
    shell.expect(r"v-5\.3-__bp_hook_preexec_into_ps0")
    shell.line("shellguard status")
    shell.expect("bash, own")
    # (PS0 comes before the trap, so the logger also sees the line refused after Ctrl-O)
    _guarded_beside_bash_preexec(shell)


@pytest.mark.parametrize("kind", ["zsh"])
def test_zsh_safety_net_when_a_line_only_looked_unfinished(shell):
    # "<<" inside quotes looks like a here-document still waiting for its end line, so
    # the hook lets zsh continue; zsh runs the line instead, and the DEBUG-trap safety
    # net asks before the first command, skipping the whole line on "no".
    shell.line("touch 'a<<b'; printf '%s\\n' after-$((40+2))")
    shell.question()
    shell.send("n")
    assert "after-42" not in shell.sync()
    assert not (shell.home / "a<<b").exists()


def test_bash_leaves_someone_elses_debug_trap_alone(spawn):
    shell = spawn("bash", rc_before="_seen=0\ntrap '(( _seen++ ))' DEBUG")
    shell.line("shellguard status")
    shell.expect(r"bash, none")
    victim = shell.home / "victim"
    victim.write_text("x")
    shell.line("rm victim")
    shell.question()
    shell.send("n")
    shell.sync()
    assert victim.exists()
    shell.line("printf 'seen-%s\\n' $(( _seen > 0 ))")
    shell.expect(r"seen-1\r?\n")


def test_bash_prompt_hook_is_one_call_once_the_mode_is_known(spawn):
    """The first prompt finds out, without a fork, whether someone else set a DEBUG
    trap; from then on the hook is one call (each command in PROMPT_COMMAND fires the
    DEBUG trap set at the time)."""
    for rc, mode in (("", "own"), ("trap ': theirs' DEBUG", "none")):
        shell = spawn("bash", rc_before=rc)
        shell.line("shellguard status")
        shell.expect(rf"bash, {mode}")
        shell.line("printf '<%s>\\n' \"${PROMPT_COMMAND[*]}\"")
        shell.expect(r'<_shellguard_prompt "\$\?">\r?\n')


def test_audit_all_logs_every_line_the_shell_could_answer_itself(spawn, kind):
    """With `audit = "all"` in the config, every line goes to the co-process, which logs
    it: not a line allowed before, not one of kept read-only prefixes, not an answer
    prefetched before the shell read the config again (the shells read it only before
    answering from their caches; the co-process allows no prefetch under it)."""
    shell = spawn(kind)
    seen = "printf 'one-%s\\n' 1"
    shell.line(seen)
    shell.expect(r"one-1\r?\n")      # allowed, and printf's read-only prefix kept
    shell.sync()
    shell.add_to_config('\n[audit]\naudit = "all"\n')
    # not plain (the shell cannot answer it: it asks the co-process at once, before it
    # has read the config again), and nothing in it to escape (such a line is never
    # prefetched)
    new = "printf two-%s 2 2>/dev/null"
    for _ in range(3):
        shell.line(new)
        shell.expect(r"two-2")
    shell.line(seen)
    shell.expect(r"one-1\r?\n")
    shell.sync()
    log = shell.state / "shellguard" / "audit.jsonl"
    logged = [json.loads(line)["command"] for line in log.read_text().splitlines()]
    assert logged.count(new) == 3 and logged.count(seen) == 1, logged


def test_a_long_pasted_line_is_classified_without_a_hang(spawn, kind):
    """A pasted line longer than the shells check themselves (plain.py's
    MAX_PLAIN_LINE) is answered through the co-process and runs, without a hang.
    (tests/shells/test_shell_scripts.py holds the bound itself to the reference.)"""
    shell = spawn(kind)
    (shell.home / "LONGOK").mkdir()
    line = "ls -d" + " -d" * 1500 + " LONG*OK"        # 4,513 characters, all plain
    started = time.monotonic()
    shell.line(line)
    shell.expect(r"LONGOK\r?\n", timeout=60)
    shell.sync()
    assert time.monotonic() - started < 30


def _type_slowly(shell, text: str) -> None:
    shell.send("\x15")
    for char in text:
        shell.send(char)
        time.sleep(0.02)
    time.sleep(1.5)  # a person's pause before Enter; the answer takes a millisecond or so


def _enter_typed_line_with_the_coprocess_stopped(shell, text: str, output: str) -> None:
    """Type ``text`` slowly, stop the co-process, press Enter: the line must run at once
    with no question (its answer came while it was typed)."""
    _type_slowly(shell, text)
    with shell.coprocess_stopped():
        started = time.monotonic()
        shell.send("\r")
        assert "Proceed" not in shell.expect(output)
        assert time.monotonic() - started < 2.5


def test_zsh_asks_while_the_line_is_typed(spawn):
    """zsh sends the line to the classifier as it is typed: Enter on a READ line new to
    the shell then needs no round trip. A stopped co-process shows it: no wait, no
    question. A config change between typing and Enter still counts."""
    shell = spawn("zsh", env={"SHELLGUARD_TIMEOUT": "3"})
    (shell.home / "notes.txt").write_text("CAT-OK\n")
    _enter_typed_line_with_the_coprocess_stopped(shell, "cat notes.txt", r"CAT-OK\r?\n")
    shell.sync()

    _type_slowly(shell, "cat ./notes.txt")
    shell.add_to_config('[policy]\ndeny = ["cat ./notes.txt"]\n')
    shell.send("\r")
    after = shell.sync()
    assert "refused by policy" in after and "CAT-OK" not in after
    # and a line the rules do not allow is asked about on Enter as before
    _type_slowly(shell, "rm notes.txt")
    shell.send("\r")
    assert "DELETE" in shell.question()
    shell.send("n")
    shell.sync()
    assert (shell.home / "notes.txt").exists()


def test_zsh_hooks_come_back_after_a_plugin_replaces_them(spawn):
    """A plugin that defines zle-line-pre-redraw and zle-line-finish itself, after
    shellguard, takes our hooks away; the prompt's self-check adds them back and keeps
    the plugin's widgets running too."""
    shell = spawn("zsh", env={"SHELLGUARD_TIMEOUT": "3"}, rc_after=(
        "typeset -gi _redraws=0 _finishes=0\n_my_redraw() { (( _redraws++ )) }\n"
        "_my_finish() { (( _finishes++ )) }\n"))
    shell.sync()                          # our hooks are in place
    shell.line("zle -N zle-line-pre-redraw _my_redraw; zle -N zle-line-finish _my_finish")
    assert "removes the hooks" in shell.question()    # tampering with the guard asks
    shell.send("y")
    shell.sync()                          # a prompt: the self-check has run
    shell.assert_rm_asks()
    (shell.home / "notes.txt").write_text("CAT-OK\n")
    _enter_typed_line_with_the_coprocess_stopped(shell, "cat notes.txt", r"CAT-OK\r?\n")
    shell.line("printf 'plugin-%s-%s\\n' $(( _redraws > 0 )) $(( _finishes > 0 ))")
    shell.expect(r"plugin-1-1\r?\n")
