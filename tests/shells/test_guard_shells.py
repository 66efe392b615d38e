"""What every guarded shell does, tested in real zsh and bash (issue 3)."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
import tomllib
from pathlib import Path

from shell_harness import QUESTION, alive, wait_for

from shellguard.guard import Guard
from shellguard.protocol import encode_response
from shellguard.server import answer


def test_read_runs_with_no_question(shell):
    (shell.home / "notes.txt").write_text("CAT-OK\n")
    shell.line("cat notes.txt")
    before = shell.expect(r"CAT-OK\r?\n")
    assert "Proceed" not in before
    assert "shellguard" not in shell.sync()


def test_rm_no_yes_and_enter(shell):
    victim = shell.home / "victim"
    victim.write_text("x")
    shell.assert_rm_asks("rm victim", "rm: removes")

    shell.line("rm victim")
    shell.question()
    shell.send("\r")  # Enter alone is "no"
    shell.sync()
    assert victim.exists()

    shell.line("rm victim")
    shell.question()
    shell.send("y")
    shell.sync()
    assert not victim.exists()


def test_nothing_on_a_refused_line_runs(shell):
    shell.line("printf '%s\\n' ran-$((40+2)); touch made")
    shell.question()
    shell.send("n")
    out = shell.sync()
    assert "ran-42" not in out
    assert not (shell.home / "made").exists()


def test_a_long_answer_is_read_whole(shell):
    """An answer longer than one read (bash reads replies in 256-byte blocks)."""
    name = "long-" + "x" * 240
    shell.line(f"printf hi > {name}")
    asked = shell.question()
    assert "CREATE" in asked and name in asked.replace("\r\n", "")
    shell.send("n")
    shell.sync()
    assert not (shell.home / name).exists()


def test_a_long_allowed_answer_keeps_the_stream_in_step(shell):
    """The shells allow a line from the head of its answer: when the answer is longer
    than one read (here, many read-only prefixes), the rest must still be taken, or
    the next line would get this line's tail as its answer."""
    line = "git status; git log -1; git diff; git show; sort -r notes.txt; echo LONG-OK"
    reply = encode_response(answer(Guard(use_llm=False), json.dumps(
        {"id": 1, "command": line}).encode()))
    assert len(reply) > 256 and b'"action":"allow"' in reply
    (shell.home / "notes.txt").write_text("x\n")
    shell.sync()
    coprocess = shell.serve_pid()
    shell.line(line)
    before = shell.expect(r"LONG-OK\r?\n")
    assert "Proceed" not in before
    shell.sync()
    shell.assert_rm_asks("rm victim", "rm: removes")
    # answered in step by the same co-process (a stream out of step replaces it)
    assert shell.serve_pid() == coprocess


def test_refused_line_status_is_not_zero(shell):
    shell.line("touch made")
    shell.question()
    shell.send("n")
    if shell.kind == "zsh":       # bash keeps the line for editing: nothing ran at all
        shell.line("printf 'st-%s\\n' $?")
        shell.expect(r"st-1\r?\n")
    shell.sync()
    assert not (shell.home / "made").exists()


def test_multi_line_loop_asked_once_as_a_whole(shell):
    victim = shell.home / "victim"
    victim.write_text("x")
    start = len(shell.text())
    shell.line("for i in 1 2")
    shell.ps2()
    shell.send('do printf "%s\\n" "it-$i"\r')
    shell.ps2()
    shell.send("rm victim; done\r")
    asked = shell.question()
    assert "DELETE" in asked
    shell.send("n")
    out = shell.sync()
    assert "it-1" not in out and victim.exists()
    assert shell.text()[start:].count("Proceed?") == 1

    # Up recalls the whole construct as one entry; this time say yes.
    shell.send("\x15\x1b[A\x1b[A")
    shell.send("\r")
    shell.question()
    shell.send("y")
    out = shell.sync()
    assert "it-1" in out and "it-2" in out
    assert not victim.exists()


def test_here_document_asked_once_with_its_body(shell):
    """`cat > f <<EOF` parses as a complete function body, but the shell reads on to
    the end line: asked once, when the whole here-document is in."""
    start = len(shell.text())
    shell.line("cat > made.txt <<EOF")
    shell.ps2()
    shell.send("body-line\r")
    shell.ps2()
    shell.send("EOF\r")
    asked = shell.question()
    assert "CREATE" in asked or "UPDATE" in asked
    shell.send("y")
    shell.sync()
    assert (shell.home / "made.txt").read_text() == "body-line\n"
    assert shell.text()[start:].count("Proceed?") == 1


def test_a_trailing_backslash_waits_for_the_next_line(shell):
    start = len(shell.text())
    shell.line("touch \\")
    shell.ps2()
    shell.send("made\r")
    asked = shell.question()
    assert "made" in asked
    shell.send("n")
    shell.sync()
    assert not (shell.home / "made").exists()
    assert shell.text()[start:].count("Proceed?") == 1


def test_refused_line_can_be_recalled(shell):
    victim = shell.home / "victim"
    victim.write_text("x")
    shell.line("rm victim")
    shell.question()
    shell.send("n")
    shell.sync()
    # Up (past the sync line) brings it back; run it this time.
    shell.send("\x15\x1b[A\x1b[A\r")
    asked = shell.question()
    assert "rm" in asked
    shell.send("y")
    shell.sync()
    assert not victim.exists()


def test_the_question_is_coloured_where_the_terminal_allows(spawn, kind):
    """The class is coloured (DELETE red) on a colour terminal, and not under NO_COLOR."""
    red = re.compile(r"\x1b\[[0-9;]*31m")
    for env, coloured in (({}, True), ({"NO_COLOR": "1"}, False)):
        shell = spawn(kind, env=env)
        victim = shell.home / "victim"
        victim.write_text("x")
        shell.line("rm victim")
        # (uncoloured, zle draws the question's last space as an erase to the line end)
        asked = shell.expect(r"Proceed\? \[y/N/a\]")
        assert "DELETE" in asked
        assert bool(red.search(asked)) is coloured, (env, asked)
        shell.send("n")
        shell.sync()
        assert victim.exists()


def test_ctrl_c_at_the_question_is_a_clean_no(shell):
    victim = shell.home / "victim"
    victim.write_text("x")
    shell.line("rm victim")
    shell.question()
    shell.send("\x03")
    shell.sync()
    assert victim.exists()
    # the shell is still guarded
    shell.line("rm victim")
    shell.question()
    shell.send("n")
    shell.sync()
    assert victim.exists()


def test_killed_coprocess_is_replaced(shell):
    victim = shell.home / "victim"
    victim.write_text("x")
    old = shell.serve_pid()
    os.kill(old, signal.SIGKILL)
    wait_for(lambda: not alive(old), what="the co-process to die")
    shell.line("rm victim")
    asked = shell.question()
    assert "DELETE" in asked          # classified by the new process, not a fallback
    shell.send("n")
    shell.sync()
    assert victim.exists()
    new = shell.serve_pid()
    assert new != old


def test_hung_coprocess_costs_one_timeout_then_asks(spawn, kind):
    shell = spawn(kind, env={"SHELLGUARD_TIMEOUT": "2"})
    shell.sync()                      # a warm co-process
    old = shell.serve_pid()
    os.kill(old, signal.SIGSTOP)
    try:
        started = time.monotonic()
        shell.line("printf '%s\\n' after-$((40+2))")
        asked = shell.question()
        waited = time.monotonic() - started
        assert "no answer" in asked
        assert 1.5 < waited < 2 + 8, waited   # the timeout, plus slack for a loaded machine
        shell.send("y")
        shell.expect(r"after-42\r?\n")
        wait_for(lambda: not alive(old), what="the hung co-process to be replaced")
    finally:
        if alive(old):
            os.kill(old, signal.SIGKILL)
    shell.assert_rm_asks()


def test_always_answer_is_recorded_and_used(shell):
    target = shell.home / "generated"
    target.write_text("x")
    shell.line("rm -f generated")
    shell.question()
    shell.send("a")
    shell.sync()
    assert not target.exists()
    config = tomllib.loads((shell.config / "shellguard" / "config.toml").read_text())
    assert {"command": "rm -f generated", "cwd": str(shell.home)} in config["always"]
    target.write_text("x")
    shell.line("rm -f generated")
    assert "Proceed" not in shell.sync()
    assert not target.exists()
    # the same command elsewhere still asks
    (shell.home / "sub").mkdir()
    (shell.home / "sub" / "generated").write_text("x")
    shell.line("cd sub")
    shell.sync()
    shell.line("rm -f generated")
    shell.question()
    shell.send("n")
    shell.sync()
    assert (shell.home / "sub" / "generated").exists()
    shell.line("cd ..")
    shell.sync()


def test_allowed_lines_are_checked_again_when_the_config_changes(shell):
    """The shell remembers lines allowed here, until the config file changes."""
    (shell.home / "notes.txt").write_text("CAT-OK\n")
    for _ in range(2):
        shell.line("cat notes.txt")
        assert "Proceed" not in shell.expect(r"CAT-OK\r?\n")
        shell.sync()
    shell.add_to_config('[policy]\ndeny = ["cat notes.txt"]\n')
    shell.line("cat notes.txt")
    after = shell.sync()
    assert "refused by policy" in after and "CAT-OK" not in after


def test_lines_of_commands_known_to_read_need_no_round_trip(spawn, kind):
    """A reply names `cat` a read-only prefix; a new plain line of `cat` commands then
    runs even with the co-process stopped. A line with more in it still waits for the
    co-process (and asks when it does not answer), and a config change drops the
    prefixes with the other answers the shell keeps."""
    shell = spawn(kind, env={"SHELLGUARD_TIMEOUT": "2"},
                  rc_after="alias catn='cat -n'\nalias catrm='rm'")
    (shell.home / "notes.txt").write_text("CAT-OK\n")
    shell.line("cat notes.txt")
    shell.expect(r"CAT-OK\r?\n")
    shell.sync()
    with shell.coprocess_stopped():
        started = time.monotonic()
        shell.line("cat -n notes.txt ./notes.txt")
        assert "Proceed" not in shell.expect(r"2\s+CAT-OK\r?\n")
        assert time.monotonic() - started < 1.5
        # an alias is expanded as the shell will expand it: catn is cat -n
        shell.line("catn notes.txt notes.txt")
        assert "Proceed" not in shell.expect(r"2\s+CAT-OK\r?\n")
        shell.line("cat notes.txt > copy.txt")
        assert "no answer" in shell.question()
        shell.send("n")
        shell.sync()
        assert not (shell.home / "copy.txt").exists()
    shell.line("catrm notes.txt")               # and catrm is rm: never through cat's prefix
    assert "DELETE" in shell.question()
    shell.send("n")
    shell.sync()
    assert (shell.home / "notes.txt").exists()
    shell.line("cat -E notes.txt")              # the new co-process names cat again
    shell.expect(r"CAT-OK\$\r?\n")
    shell.add_to_config('[policy]\ndeny = ["cat *notes*"]\n')
    shell.line("cat -A notes.txt")
    after = shell.sync()
    assert "refused by policy" in after and "CAT-OK" not in after


def test_the_read_table_lets_a_first_line_of_a_program_on_path_through(spawn, kind):
    """Once the co-process has built the read table of the programs on PATH
    (shellguard/read_table.py), a reply names it and the shell loads it before its next
    prompt: a plain line of a program no line has named yet (tac; git with an option
    before its subcommand; fc -l) then runs with the co-process stopped. A config change
    drops the table with the other answers kept."""
    shell = spawn(kind, env={"SHELLGUARD_TIMEOUT": "2"})
    (shell.home / "notes.txt").write_text("TAC-OK\n")
    shell.wait_for_read_table()
    with shell.coprocess_stopped():
        started = time.monotonic()
        shell.line("tac notes.txt ./notes.txt | rev")
        assert "Proceed" not in shell.expect(r"KO-CAT\r?\n")
        assert time.monotonic() - started < 1.5
        # the forms a table carries beyond words and options: an option looked past
        # before the subcommand (its program's value-taking options are in the table),
        # and an option a program needs first (fc lists with -l, edits without)
        started = time.monotonic()
        shell.line("git -C . status --short")
        assert "Proceed" not in shell.expect(r"not a git repository")
        shell.line("fc -l")
        assert "Proceed" not in shell.expect(r"tac notes\.txt")
        assert time.monotonic() - started < 1.5
    shell.sync()
    shell.add_to_config('[policy]\ndeny = ["fold *"]\n')
    shell.line("fold notes.txt")
    after = shell.sync()
    assert "refused by policy" in after and "TAC-OK" not in after


def test_user_options_do_not_change_what_the_guard_sees(spawn, kind):
    """Options that change how words split or arrays index (zsh: sh_word_split,
    ksh_arrays, glob_subst; bash: an odd IFS) must not make a line look plain."""
    options = ("setopt sh_word_split ksh_arrays glob_subst" if kind == "zsh"
               else "IFS=$'\\n'")
    shell = spawn(kind, rc_after=options + "\n")
    (shell.home / "notes.txt").write_text("CAT-OK\n")
    shell.line("cat notes.txt")
    shell.expect(r"CAT-OK\r?\n")
    shell.sync()
    shell.line("cat -n notes.txt")
    assert "Proceed" not in shell.expect(r"1\s+CAT-OK\r?\n")
    shell.line("cat notes.txt > copy.txt")
    assert "CREATE" in shell.question()
    shell.send("n")
    shell.sync()
    assert not (shell.home / "copy.txt").exists()


def test_off_and_on(shell):
    one, two = shell.home / "one", shell.home / "two"
    one.write_text("x")
    two.write_text("x")
    shell.line("shellguard off")
    assert "turns shellguard off" in shell.question()
    shell.send("y")
    shell.expect("off in this shell")
    shell.line("rm one")
    assert "Proceed" not in shell.sync()
    assert not one.exists()
    shell.line("shellguard on")
    shell.expect("shellguard: on")
    shell.line("rm two")
    shell.question()
    shell.send("n")
    shell.sync()
    assert two.exists()


def test_disable_for_the_session(spawn, kind):
    shell = spawn(kind, env={"SHELLGUARD_DISABLE": "1"})
    victim = shell.home / "victim"
    victim.write_text("x")
    shell.line("rm victim")
    assert "Proceed" not in shell.sync()
    assert not victim.exists()
    assert shell.serve_pids() == []


def test_the_one_rc_line_through_the_launcher_and_its_cache(spawn, kind, tmp_path):
    """`eval "$(shellguard init SHELL)"` as users write it: the second start is served
    from the launcher's cache (zsh: and reads the compiled script)."""
    launcher = Path(sys.executable).parent / "shellguard"
    cache = tmp_path / "shared-cache"
    written = []
    for _ in range(2):
        shell = spawn(kind, load=f'eval "$({launcher} init {kind})"',
                      env={"XDG_CACHE_HOME": str(cache)})
        shell.assert_rm_asks()
        written.append((cache / "shellguard" / "init" / f"{kind}.sh").stat().st_mtime_ns)
        if kind == "zsh":
            assert len(list(cache.glob("shellguard/zsh/*/shellguard.zsh.zwc"))) == 1
        shell.close()
    assert written[0] == written[1]  # not written again: the second start used it


def test_the_coprocess_starts_at_the_first_prompt_without_a_key(spawn, kind):
    """Started in the background so that the first command does not wait for Python
    (zsh: once the prompt is drawn, from a zle -F handler)."""
    shell = spawn(kind, first_sync=False)
    shell.expect("@SG@ ")
    pid = shell.serve_pid()
    assert alive(pid)
    shell.sync()
    assert shell.serve_pids() == [pid]


def test_a_line_typed_before_the_first_prompt_is_guarded(spawn, kind):
    """Keys sent as the shell starts, before the prompt is drawn (zsh puts its zle
    hooks in only then, from a zle -F handler, which runs before any key is read)."""
    shell = spawn(kind, first_sync=False)
    victim = shell.home / "victim"
    victim.write_text("x")
    shell.line("rm victim")
    assert "DELETE" in shell.question(timeout=120)
    shell.send("n")
    shell.sync()
    assert victim.exists()


def test_type_ahead_does_not_answer(shell):
    victim = shell.home / "victim"
    victim.write_text("x")
    # "y" typed right after Enter, before the question is up, must not count.
    shell.line("rm victim", key="\ry")
    shell.question()
    shell.send("n")
    shell.sync()
    assert victim.exists()


def test_no_job_lines(shell):
    shell.line("jobs")
    out = shell.sync()
    assert "serve" not in out and "coproc" not in out
    assert QUESTION not in out
    shell.assert_no_job_noise()


def test_exec_leaves_no_stray_coprocess(shell):
    old = shell.serve_pid()
    if shell.kind == "zsh":
        shell.line("exec zsh -i")
    else:
        shell.line(f"exec bash --rcfile {shell.home / '.bashrc'} -i")
    shell.question()
    shell.send("y")
    shell.sync(timeout=120)
    wait_for(lambda: not alive(old), what="the old co-process to exit")
    assert len(wait_for(shell.serve_pids)) == 1
    victim = shell.home / "victim"
    victim.write_text("x")
    shell.line("rm victim")
    shell.question()
    shell.send("n")
    shell.sync()
    assert victim.exists()


def test_aliases_are_classified_as_they_will_run(spawn, kind):
    """An alias defined at the prompt changes what a line does: neither the line allowed
    before nor the read-only prefix kept for its first word may let it through."""
    shell = spawn(kind)
    victim = shell.home / "victim"
    victim.write_text("KEPT\n")
    shell.line("cat victim")
    shell.expect(r"KEPT\r?\n")
    assert QUESTION not in shell.sync()
    # (the definition itself asks: later `cat` lines would remove files)
    shell.line("alias cat=rm")
    assert "DELETE" in shell.question()
    shell.send("y")
    shell.sync()
    for line in ("cat victim", "cat -f victim"):  # allowed before; a new plain line
        shell.assert_rm_asks(line, "cat is an alias of 'rm'")
    # and a name the rules do not know runs as what it stands for
    shell.line("alias lsl='ls -l'")
    shell.sync()
    shell.line("lsl victim")
    shell.expect(r"victim\r?\n")
    assert QUESTION not in shell.sync()


def test_zsh_global_aliases_are_classified_as_they_will_run(spawn):
    """`alias -g` words expand anywhere in a line: one can hide a whole command (X
    below), so neither the allowed line nor the kept prefix for `printf` may pass it."""
    shell = spawn("zsh")
    shell.line("printf '%s %s\\n' hi-$((40+2)) X")
    shell.expect(r"hi-42 X\r?\n")
    # (the definition itself asks: X's text removes a file)
    shell.line("alias -g X='; rm victim' G='| cat'")
    assert "DELETE" in shell.question()
    shell.send("y")
    shell.sync()
    for line in ("printf '%s %s\\n' hi-$((40+2)) X", "printf hi X"):
        shell.assert_rm_asks(line, "X is an alias of '; rm victim'")
    # one that only reads still runs at once
    shell.line("printf '%s\\n' piped-$((40+2)) G")
    shell.expect(r"piped-42\r?\n")
    assert QUESTION not in shell.sync()


def test_a_new_session_starts_with_the_read_prefixes_of_earlier_ones(spawn, kind):
    """The co-process remembers the read-only prefixes it handed out; a new shell gets
    them with its first reply, before it has run any of those commands itself."""
    first = spawn(kind)
    first.line("ls -a")
    first.sync()
    first.close()
    second = spawn(kind, env={"XDG_STATE_HOME": str(first.state)})
    # Its only lines so far are the harness's (quoted: never a read-only prefix).
    keys = "${!_SHELLGUARD_READS[@]}" if kind == "bash" else "${(k)_SHELLGUARD_READS[@]}"
    second.line(f'printf "kept-%s\\n" {keys}')
    if kind == "zsh":
        second.question()           # (zsh's ${(k)...} is not bash grammar: it asks)
        second.send("y")
    second.expect(r"kept-ls\r?\n")
    second.sync()
