"""How the xontrib is found and switched on: opt-in only, once, and its non-interactive path."""

from __future__ import annotations

import subprocess
import time
from importlib import metadata
from pathlib import Path

import pexpect
import pytest
from xonsh_harness import QUESTION, XONSH, Xonsh, hermetic_env

from shellguard import shells


def test_entry_point_and_module_are_installed() -> None:
    entries = {e.name: e.value for e in metadata.entry_points(group="xonsh.xontribs")}
    assert entries.get("shellguard") == "xontrib.shellguard"
    import xontrib.shellguard as module

    assert callable(module._load_xontrib_) and callable(module._unload_xontrib_)


def test_init_snippet_guards_a_real_xonsh(tmp_path: Path) -> None:
    """What `shellguard init xonsh` prints, as the rc's line, turns the guard on."""
    snippet = shells.render("xonsh")
    assert [line for line in snippet.splitlines() if not line.startswith("#")] == [
        '__import__("xontrib.shellguard", fromlist=["_load_xontrib_"])'
        "._load_xontrib_(__xonsh__)"]
    sh = Xonsh(tmp_path, load=snippet)
    try:
        sh.run("echo read-ok")
        sh.ask("touch guarded")
        sh.answer("n")
        assert not (sh.work / "guarded").exists()
        assert len(sh.coprocess_pids()) == 1
    finally:
        sh.close()


@pytest.fixture(scope="module")
def unloaded(tmp_path_factory: pytest.TempPathFactory):
    """A xonsh whose rc does not load the xontrib (entry-point autoload is on: no --no-rc)."""
    session = Xonsh(tmp_path_factory.mktemp("unloaded"), load=False)
    yield session
    session.close()


def test_installed_but_not_loaded_does_not_guard_until_asked(unloaded: Xonsh) -> None:
    sh = unloaded
    sh.run("touch not-guarded")
    assert (sh.work / "not-guarded").exists()
    assert sh.coprocess_pids() == []
    sh.run("xontrib load shellguard")  # the opt-in, typed at the prompt
    sh.ask("touch now-guarded")
    sh.answer("n")
    assert not (sh.work / "now-guarded").exists()
    sh.ask("xontrib load shellguard")  # loading again changes nothing...
    sh.answer("y")
    sh.ask("touch once")  # ...one question, one co-process
    sh.answer("y")
    assert (sh.work / "once").exists()
    assert len(sh.coprocess_pids()) == 1


def test_exec_leaves_no_coprocess_behind(unloaded: Xonsh) -> None:
    sh = unloaded  # guarded by the test above; this one ends the session
    sh.run("echo read-ok")
    assert sh.wait_coprocess()
    sh.send("exec sleep 30")  # xonsh is replaced; its pipes to the co-process close
    if sh.child.expect([QUESTION, pexpect.TIMEOUT], timeout=5) == 0:
        sh.child.send("y")  # whether `exec` is asked about is the rules' business
    deadline = time.monotonic() + 15
    while sh.coprocess_pids() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sh.coprocess_pids() == []
    sh.child.close(force=True)  # the sleep that replaced xonsh


def test_readline_shell_asks_once_per_block(tmp_path: Path) -> None:
    # readline fires on_transform_command at a block's first line, then with all of it
    sh = Xonsh(tmp_path, shell_type="readline")
    try:
        (sh.work / "victim").write_text("keep\n")
        sh.ask("rm victim")
        sh.answer("n")
        assert (sh.work / "victim").exists()
        sh.send("for i in range(2):")  # the first line: no question yet
        assert sh.child.expect([QUESTION, r"\.\. "]) == 1
        sh.send("touch @(f'rl{i}')")  # readline indents it
        sh.child.expect(r"\.\. ")
        sh.send("")
        while sh.child.expect([QUESTION, r"\.\. "]) == 1:  # Enter until the block ends
            sh.send("")
        sh.child.send("y")
        sh.child.expect(r"XSH\d+> ")  # readline fires on_pre_prompt for each line too
        assert (sh.work / "rl0").exists() and (sh.work / "rl1").exists()
    finally:
        sh.close()


@pytest.mark.parametrize("load", [
    "xontrib load shellguard",
    # shell/xonsh/README.md's 5 ms form: xonsh's own lookup skipped, the same guard
    "from xontrib.shellguard import _load_xontrib_; _load_xontrib_(__xonsh__)",
])
def test_non_interactive_without_a_terminal_refuses(tmp_path: Path, load: str) -> None:
    env = hermetic_env(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    (work / "victim").write_text("keep\n")
    script = f"{load}\necho read-ok\nrm victim\necho after\n"
    done = subprocess.run([str(XONSH), "--no-rc", "-c", script], cwd=work, env=env,
                          capture_output=True, text=True, timeout=60, start_new_session=True)
    assert "read-ok" in done.stdout
    assert "no terminal to ask on" in done.stderr
    assert (work / "victim").exists()


