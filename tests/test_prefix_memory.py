"""Read-only prefixes kept across sessions (shellguard/prefix_memory.py), handed out by
a new co-process with its first reply."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from shellguard.config import Config
from shellguard.guard import Guard
from shellguard.prefix_memory import PrefixMemory
from shellguard.protocol import encode_response
from shellguard.server import Session, answer
from shellguard.verdict import Crud


def _ask(guard: Guard, session: Session, command: str, n: int = 1, **extra: object) -> dict:
    line = json.dumps({"id": n, "command": command, **extra}).encode()
    return json.loads(encode_response(answer(guard, line, session)))


def test_words_are_kept_in_order_of_use_and_written_only_when_new(tmp_path) -> None:
    path = tmp_path / "state" / "read-prefixes"
    memory = PrefixMemory(path, limit=3)
    memory.remember(["ls", "git status --exec -c"])
    assert path.read_text() == "ls\ngit status\n"
    stamp = path.stat().st_mtime_ns
    memory.remember(["ls"])                    # known: used again, nothing written
    assert path.stat().st_mtime_ns == stamp
    assert memory.recalled() == ["ls", "git status"]
    memory.remember(["cat", "grep"])           # over the limit: the least recent goes
    assert PrefixMemory(path, limit=3).recalled() == ["grep", "cat", "ls"]


def test_an_edited_file_is_read_strictly(tmp_path) -> None:
    path = tmp_path / "read-prefixes"
    path.write_text("ls\n$(rm -rf x)\ngit  status\n-rf\na b c d\n\u00e9\nrm\n")
    assert PrefixMemory(path).recalled() == ["rm", "ls"]
    # ... and only what the rules give those words now is handed out: rm gives none
    assert Guard(use_llm=False).prefixes_for(["rm", "ls"]) == ("ls",)


def test_a_new_session_gets_the_earlier_ones_with_its_first_reply(tmp_path) -> None:
    guard = Guard(use_llm=False)
    path = tmp_path / "read-prefixes"
    first = Session(PrefixMemory(path))
    assert "read_prefixes" not in _ask(guard, first, "rm x")       # nothing kept yet
    assert _ask(guard, first, "git status -s; ls -la")["read_prefixes"].split(",")[1] == "ls"
    assert path.read_text() == "git status\nls\n"

    second = Session(PrefixMemory(path))
    reply = _ask(guard, second, "touch new")                      # asks, and hands them out
    assert reply["action"] == "confirm"
    kept = reply["read_prefixes"].split(",")
    assert kept[0] == "ls" and kept[1].startswith("git status --")
    assert "read_prefixes" not in _ask(guard, second, "touch other", 2)   # once only
    # an answer report's reply is skipped by the shells: it never carries them
    third = Session(PrefixMemory(path))
    assert "read_prefixes" not in _ask(guard, third, "touch new", answer="no")
    assert "read_prefixes" in _ask(guard, third, "touch new", 2)


def test_a_config_that_asks_about_reads_hands_none_out(tmp_path) -> None:
    path = tmp_path / "read-prefixes"
    path.write_text("ls\n")
    strict = Config()
    strict.actions[Crud.READ] = "confirm"
    assert "read_prefixes" not in _ask(Guard(strict, use_llm=False), Session(PrefixMemory(path)),
                                       "pwd")
    denied = Config(deny=("ls",))      # a one-word deny entry: that program is left out
    assert "read_prefixes" not in _ask(Guard(denied, use_llm=False), Session(PrefixMemory(path)),
                                       "rm x")


def test_a_read_only_state_directory_changes_nothing_but_the_memory(tmp_path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the directory should be")
    session = Session(PrefixMemory(blocked / "read-prefixes"))
    assert _ask(Guard(use_llm=False), session, "ls -la")["read_prefixes"] == "ls"


def test_serve_keeps_them_in_the_xdg_state_directory(tmp_path) -> None:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}

    def session(*commands: str) -> list[dict]:
        lines = "".join(json.dumps({"id": n, "command": c}) + "\n"
                        for n, c in enumerate(commands, 1))
        out = subprocess.run([sys.executable, "-m", "shellguard", "serve"], input=lines.encode(),
                             capture_output=True, env=env, timeout=60, check=True).stdout
        return [json.loads(line) for line in out.splitlines()]

    session("cat README.md", "rm x")
    assert Path(tmp_path / "state" / "shellguard" / "read-prefixes").read_text() == "cat\n"
    replies = session("rm y", "rm z")
    assert replies[0]["read_prefixes"] == "cat" and "read_prefixes" not in replies[1]


def test_a_prefetch_reply_hands_none_out_but_its_prefixes_are_kept(tmp_path) -> None:
    """zsh drops the reply to a prefetch when Enter comes before it."""
    guard = Guard(use_llm=False)
    path = tmp_path / "read-prefixes"
    path.write_text("ls\n")
    session = Session(PrefixMemory(path))
    assert "read_prefixes" not in _ask(guard, session, "rm x", prefetch=True)
    assert _ask(guard, session, "cat f", 2, prefetch=True)["read_prefixes"] == "cat"
    assert _ask(guard, session, "rm x", 3)["read_prefixes"] == "cat,ls"   # most recent first
    assert path.read_text() == "ls\ncat\n"


def test_a_directory_or_an_oversized_file_in_its_place_is_harmless(tmp_path) -> None:
    (tmp_path / "dir").mkdir()
    memory = PrefixMemory(tmp_path / "dir")
    assert memory.recalled() == []
    memory.remember(["ls"])                       # cannot be written: nothing breaks
    big = tmp_path / "big"
    big.write_text("ls\n" * 200_000)
    assert PrefixMemory(big).recalled() == ["ls"]
