"""The read table: every read-only prefix of the programs on PATH, built by the
co-process while no line waits and named in its replies (shellguard/read_table.py).
The shells' loading of it is tested in tests/shells (test_shell_scripts.py, and
test_guard_shells.py in real sessions)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from shellguard import read_table
from shellguard.config import Config
from shellguard.guard import Guard
from shellguard.prefix_memory import PrefixMemory
from shellguard.protocol import Response, encode_response
from shellguard.rules.engine import builtin_rules
from shellguard.server import Session, answer
from shellguard.verdict import Crud


def _reply(guard: Guard, session: Session, command: str, shell: str, n: int = 1) -> dict:
    line = json.dumps({"id": n, "command": command, "shell": shell}).encode()
    return json.loads(encode_response(answer(guard, line, session)))


def _path_of(tmp_path: Path, *names: str) -> None:
    """A PATH of these programs only (empty scripts)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in names:
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    os.environ["PATH"] = str(bin_dir)


def test_every_prefix_of_a_program_is_one_the_rules_give_its_words() -> None:
    rules = builtin_rules()
    for name in ("git", "ip", "docker", "kubectl", "ls", "tree", "rm", "sudo"):
        for prefix in rules.read_only_prefixes(name):
            assert rules.read_only_prefix(prefix.words.split()) == prefix
    assert [str(p) for p in rules.read_only_prefixes("ls")] == ["ls"]
    assert rules.read_only_prefixes("rm") == [] and rules.read_only_prefixes("sudo") == []
    words = {p.words for p in rules.read_only_prefixes("git")}
    assert {"git status", "git log", "git stash list"} <= words
    assert "git stash" not in words
    # those that only read after one of their options (`git push --dry-run`) need it first
    needs = {p.words for p in rules.read_only_prefixes("git") if any(e[0] == "+" for e in p.unless)}
    assert {"git push", "git branch"} <= needs


def test_the_table_holds_what_the_shells_keep_and_is_named_after_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    prefixes = ["ls", "git status -c --exec", "git log --output", "gh pr list", "tree -o"]
    reads, starts = read_table._tables(prefixes)
    assert reads == {"ls": " ", "git status": " -c --exec ", "git log": " --output ",
                     "gh pr list": " ", "tree": " -o "}
    # the starts of prefixes: each first word, and the first two words of three
    assert starts == {"ls": "1", "git": "1", "gh": "1", "gh pr": "1", "tree": "1"}
    lines = read_table.render(prefixes, "zsh").splitlines()
    assert lines[:5] == [read_table.HEADER, "5", "0", "ls", " "] and len(lines) == 3 + 2 * 5 + 2 * 5
    # the options that take a value of the programs with subcommand prefixes: all of a
    # program's, or none when one could not be tested as a plain word
    with_arg = {"git": ["-C", "--git-dir"], "tree": ["-L"], "gh": ["-R", "--x'y"], "ls": []}
    lines = read_table.render(prefixes, "zsh", with_arg).splitlines()
    assert lines[2] == "1" and lines[13:15] == ["git", " --git-dir -C "]
    assert "_SHELLGUARD_WITH_ARG+=( ['git']=' --git-dir -C ' )" in \
        read_table.render(prefixes, "bash", with_arg)
    assert "_SHELLGUARD_READS+=( ['ls']=' ' ['git status']=' -c --exec '" in \
        read_table.render(prefixes, "bash")
    name = read_table.write(prefixes, "zsh")
    assert name is not None and len(name) == 20 and set(name) <= set("0123456789abcdef")
    assert (tmp_path / "shellguard" / "read-tables" / f"{name}.3.zsh").read_text() == \
        read_table.render(prefixes, "zsh")
    assert read_table.write(list(reversed(prefixes)), "zsh") != name    # another content
    assert read_table.write(prefixes, "zsh") == name                     # the same file
    # words that would need quoting never get in
    assert read_table._tables(["ls;rm", "x --a'b", "cat"])[0] == {"cat": " "}
    assert read_table.write([], "zsh") is None


def test_only_the_most_recent_tables_are_kept(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    names = []
    for n in range(10):
        names.append(read_table.write([f"prog{n}"], "bash"))
        os.utime(read_table.path(names[-1], "bash"), (n, n))
    left = sorted(p.name for p in read_table.directory().glob("*.bash"))
    assert len(left) == 6 and read_table.path(names[-1], "bash").name in left
    assert read_table.path(names[0], "bash").name not in left


def test_a_table_is_only_where_no_one_else_can_change_it(tmp_path, monkeypatch) -> None:
    """A table decides what runs unasked: a file planted under its name is replaced, and
    a directory others can write to gets none."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    name = read_table.write(["ls"], "bash")
    path = read_table.path(name, "bash")
    path.write_text("_SHELLGUARD_READS+=( ['rm']=' ' )\n_sg_table_size=1\n")
    assert read_table.write(["ls"], "bash") == name
    assert path.read_text() == read_table.render(["ls"], "bash")
    assert oct(read_table.directory().stat().st_mode & 0o777) == "0o700"
    read_table.directory().chmod(0o777)
    assert read_table.write(["ls"], "bash") is None
    read_table.directory().chmod(0o700)
    read_table.directory().parent.chmod(0o757)
    assert read_table.write(["ls"], "bash") is None


def test_an_unwritable_cache_costs_the_table_not_the_answer(tmp_path, monkeypatch) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    assert read_table.write(["ls"], "zsh") is None


def test_replies_name_the_table_once_built_and_a_config_change_rebuilds_it(
        tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", os.environ["PATH"])           # restored after the test
    _path_of(tmp_path, "tac", "git", "ls", "ip")
    config = tmp_path / "config.toml"
    config.write_text("")
    guard = Guard(use_llm=False, config_path=config)
    session = Session(PrefixMemory(tmp_path / "read-prefixes"))
    assert "read_table" not in _reply(guard, session, "ls", "zsh")     # not built yet
    session.warm(guard, lambda: True)
    zsh, bash = (_reply(guard, session, "ls", shell).get("read_table") for shell in ("zsh", "bash"))
    assert zsh and bash and zsh != bash
    assert "read_table" not in _reply(guard, session, "ls", "xonsh")   # (it loads none)
    text = read_table.path(zsh, "zsh").read_text().splitlines()
    assert "tac" in text and "git status" in text and "rm" not in text
    # ip's 1,390 (its abbreviations) are more than a program may put in: left to replies;
    # git's must fit
    assert len(builtin_rules().read_only_prefixes("ip")) > read_table.MAX_PER_PROGRAM
    assert len(builtin_rules().read_only_prefixes("git")) <= read_table.MAX_PER_PROGRAM
    assert not any(line.startswith("ip ") for line in text)
    config.write_text('[policy]\ndeny = ["tac"]\n')
    later = time.time() + 5
    os.utime(config, (later, later))
    assert "read_table" not in _reply(guard, session, "ls", "zsh")     # dropped at once
    session.warm(guard, lambda: True)
    rebuilt = _reply(guard, session, "ls", "zsh")["read_table"]
    text = read_table.path(rebuilt, "zsh").read_text().splitlines()
    assert rebuilt != zsh and "tac" not in text and "git status" in text


def test_sessions_without_tables_and_configs_that_ask_about_reads_name_none(
        tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", os.environ["PATH"])
    _path_of(tmp_path, "tac", "git")
    quiet = Session(PrefixMemory(tmp_path / "a"), tables=False)
    guard = Guard(use_llm=False)
    quiet.warm(guard, lambda: True)
    assert "read_table" not in _reply(guard, quiet, "ls", "zsh")
    strict = Config()
    strict.actions[Crud.READ] = "confirm"
    asking = Guard(strict, use_llm=False)
    session = Session(PrefixMemory(tmp_path / "b"))
    session.warm(asking, lambda: True)
    assert "read_table" not in _reply(asking, session, "ls", "zsh")


def test_a_padded_reply_names_the_table_only_when_it_fits_its_last_block() -> None:
    def reply(reason: str, pad: int) -> bytes:
        return encode_response(Response(1, "READ", 0.9, reason, "rules", "allow",
                                        read_table="0123456789abcdef0123"), pad)

    short, long_ = reply("ls", 256), reply("x" * 150, 256)
    assert len(short) == 256 and b'"read_table":"0123456789abcdef0123"}' in short
    assert len(long_) == 256 and b"read_table" not in long_    # it would make it 512
    assert json.loads(long_)["reasoning"] == "x" * 150
    assert b"read_table" in reply("x" * 150, 0)
    assert len(reply("x" * 170, 256)) == 512 and b"read_table" in reply("x" * 170, 256)
