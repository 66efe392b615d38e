"""The guard in one real interactive xonsh session, check after check (issue 3, xonsh).

One session serves the whole module (xonsh takes about a second to start); each
check leaves it at a fresh prompt, and a session that lost step is replaced.
"""

from __future__ import annotations

import os
import signal
import time
import tomllib

import pytest
from xonsh_harness import QUESTION, Xonsh

UP = "\x1b[A"
CTRL_C = "\x03"


@pytest.fixture()
def sh(xonsh: Xonsh, request: pytest.FixtureRequest):
    yield xonsh
    try:  # still at a prompt and usable?
        assert "shell-usable" in xonsh.run("echo shell-usable")
    except Exception:
        pytest.fail(f"the session was left unusable after {request.node.name}")


def victim(sh: Xonsh, name: str = "victim") -> str:
    (sh.work / name).write_text("keep me\n")
    return name


def test_read_command_runs_without_a_question(sh: Xonsh) -> None:
    out = sh.run("echo read-ok")
    assert "read-ok" in out
    assert "shellguard" not in out


def test_no_keeps_the_file(sh: Xonsh) -> None:
    name = victim(sh)
    question = sh.ask(f"rm {name}")
    assert "DELETE" in question and f"rm {name}" in question
    out = sh.answer("n")
    assert "cancelled" in out
    assert (sh.work / name).exists()
    assert "status 1" in sh.run("print('status', $LAST_RETURN_CODE)")  # it did not run


def test_enter_alone_means_no(sh: Xonsh) -> None:
    name = victim(sh)
    sh.ask(f"rm {name}")
    sh.answer("\r")
    assert (sh.work / name).exists()


def test_yes_runs_it(sh: Xonsh) -> None:
    name = victim(sh)
    sh.ask(f"rm {name}")
    sh.answer("y")
    assert not (sh.work / name).exists()


def test_no_runs_nothing_on_the_line(sh: Xonsh) -> None:
    sh.ask("echo part-@('a'); touch x-made")  # the output would read part-a
    out = sh.answer("n")
    assert "part-a" not in out
    assert not (sh.work / "x-made").exists()


def test_multi_line_loop_is_asked_about_once(sh: Xonsh) -> None:
    # prompt_toolkit indents the body itself after the colon; Enter twice ends the block
    question = sh.ask("for i in range(2):\r" + "touch @(f'loop{i}')\r")
    assert "CREATE" in question and "for i in range(2):" in question
    sh.answer("y")
    assert (sh.work / "loop0").exists() and (sh.work / "loop1").exists()
    sh.ask("for i in range(2):\r" + "rm @(f'loop{i}')\r")
    sh.answer("n")
    assert (sh.work / "loop0").exists() and (sh.work / "loop1").exists()


def test_refused_line_can_be_recalled(sh: Xonsh) -> None:
    name = victim(sh, "recall-victim")
    sh.ask(f"rm {name}")
    sh.answer("n")
    sh.child.send(UP)
    sh.child.expect(f"rm {name}")
    question = sh.ask("")  # Enter on the recalled line: asked again, so it really came back
    assert f"rm {name}" in question
    sh.answer("n")
    assert (sh.work / name).exists()
    last = sh.run("print('last:', repr(__xonsh__.history[-1].cmd), __xonsh__.history[-1].rtn)")
    assert f"last: 'rm {name}' 1" in last  # in xonsh's history too, as not run


def test_ctrl_c_at_the_question_is_a_clean_no(sh: Xonsh) -> None:
    name = victim(sh, "ctrl-c-victim")
    sh.ask(f"rm {name}")
    out = sh.answer(CTRL_C)
    assert "Traceback" not in out
    assert (sh.work / name).exists()


def test_type_ahead_does_not_answer(sh: Xonsh) -> None:
    name = victim(sh, "typeahead-victim")
    sh.child.send(f"rm {name}\ry")  # "y" typed before the question is shown
    sh.child.expect(r"\[y/N/a\] ")
    sh.child.send("n")
    sh.child.expect("cancelled")
    sh.wait_prompt()
    assert (sh.work / name).exists()
    sh.child.send("\x15")  # Ctrl-U: drop the early "y" if it reached the next prompt


def test_python_mode_is_classified(sh: Xonsh) -> None:
    name = victim(sh, "py-victim")
    question = sh.ask(f'import os; os.remove("{name}")')
    assert "DELETE" in question
    sh.answer("n")
    assert (sh.work / name).exists()
    sh.ask(f'import shutil; shutil.rmtree("{name}-dir")')
    sh.answer("n")
    assert "py-victim" in sh.run("x = 1 + 2; print('py-victim', x)")


def test_a_program_named_only_at_run_time_is_asked_about(sh: Xonsh) -> None:
    name = victim(sh, "runtime-victim")
    for line in (f"$(echo rm) {name}", f"@$(echo rm {name})", f"@('rm') {name}"):
        sh.ask(line)
        sh.answer("n")
    assert (sh.work / name).exists()


def test_function_bodies_are_checked_when_they_run(sh: Xonsh) -> None:
    sh.run("def sg_make():\rtouch made-by-function\r")  # defining it runs nothing
    sh.ask("sg_make()")  # unknown Python code: asked, its effect is not visible
    sh.child.send("y")
    sh.child.expect(QUESTION)  # the backstop: the touch inside, a stricter class
    assert "touch made-by-function" in sh.child.before
    sh.answer("n")
    assert not (sh.work / "made-by-function").exists()


def test_always_is_recorded_and_then_not_asked(sh: Xonsh) -> None:
    sh.ask("touch always-file")
    sh.answer("a")
    assert (sh.work / "always-file").exists()
    entries = tomllib.loads(sh.config_file.read_text())["always"]
    assert {"command": "touch always-file", "cwd": str(sh.work)} in entries
    sh.run("touch always-file")


def test_policy_deny_is_refused_without_a_question(sh: Xonsh) -> None:
    out = sh.run("touch policy-denied")
    assert "refused" in out
    assert not (sh.work / "policy-denied").exists()


def run_confirmed(sh: Xonsh, line: str) -> str:
    """Run a line whether or not the rules of the day ask about it (answering yes)."""
    sh.send(line)
    if sh.child.expect([QUESTION, f"XSH{sh.prompts + 1}>"]) == 0:
        return sh.answer("y")
    sh.prompts += 1
    return sh.child.before


def test_disable_variable_and_off_on_switch(sh: Xonsh) -> None:
    run_confirmed(sh, "$SHELLGUARD_DISABLE = 1")  # the rules may call this tampering: asked
    sh.run("touch while-disabled")
    sh.run("$SHELLGUARD_DISABLE = 0")  # the guard is off, so nothing is asked
    assert (sh.work / "while-disabled").exists()
    assert "off in this shell" in run_confirmed(sh, "shellguard off")
    sh.run("touch while-off")
    assert "on in this shell" in sh.run("shellguard on")
    assert "shellguard 0." in run_confirmed(sh, "shellguard --version")  # other args: the CLI
    sh.ask("touch while-on")
    sh.answer("n")
    assert (sh.work / "while-off").exists() and not (sh.work / "while-on").exists()


def test_killed_coprocess_is_replaced(sh: Xonsh) -> None:
    old = sh.wait_coprocess()
    os.kill(old, signal.SIGKILL)
    name = victim(sh, "after-kill-victim")
    question = sh.ask(f"rm {name}")
    assert "DELETE" in question  # a real classification, from the new process
    sh.answer("n")
    assert (sh.work / name).exists()
    assert sh.wait_coprocess(exclude=(old,)) != old


def test_hung_coprocess_costs_the_timeout_then_asks(sh: Xonsh) -> None:
    sh.run("echo read-ok")  # the process is warm and has answered
    hung = sh.wait_coprocess()
    os.kill(hung, signal.SIGSTOP)
    try:
        started = time.monotonic()
        # even a READ line (one not allowed before: those need no round trip) is asked
        # about; well before the 10 s start-up grace would end
        sh.send("echo read-ok-while-hung")
        sh.child.expect(QUESTION, timeout=8)
        waited = time.monotonic() - started
        assert "did not answer" in sh.child.before
        sh.answer("n")
        # the stopped process was killed and replaced; the next line is classified again
        assert "read-ok" in sh.run("echo read-ok")
        assert hung not in sh.coprocess_pids()
    finally:
        try:
            os.kill(hung, signal.SIGCONT)
        except OSError:
            pass
    print(f"hung co-process: question after {waited:.2f} s (SHELLGUARD_TIMEOUT=1)")


def test_an_alias_is_asked_about_as_what_it_runs(sh: Xonsh) -> None:
    """xonsh resolves its aliases before a command runs: the backstop sees the result."""
    name = victim(sh)
    sh.run("aliases['sgdc'] = 'rm'")
    try:
        question = sh.ask(f"sgdc {name}")
        assert "DELETE" in question and "sgdc is an alias of 'rm'" in question
        assert "cancelled" in sh.answer("n")
        assert (sh.work / name).exists()
    finally:
        sh.run("del aliases['sgdc']")
