"""Read-only prefixes kept across sessions (shellguard/prefix_memory.py), handed out by
a new co-process with its first reply."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

from shellguard.config import Config
from shellguard.guard import Guard
from shellguard.prefix_memory import EVERYDAY, PrefixMemory
from shellguard.protocol import encode_response
from shellguard.rules.engine import builtin_rules
from shellguard.server import Session, answer
from shellguard.verdict import Crud


def _ask(guard: Guard, session: Session, command: str, n: int = 1, **extra: object) -> dict:
    line = json.dumps({"id": n, "command": command, **extra}).encode()
    reply = json.loads(encode_response(answer(guard, line, session)))
    session.save()      # as serve() does once the reply is sent
    return reply


def test_words_are_kept_in_order_of_use_and_written_only_when_new(tmp_path) -> None:
    path = tmp_path / "state" / "read-prefixes"
    memory = PrefixMemory(path, limit=3)
    memory.remember(["ls", "git status --exec -c"])
    assert not path.exists()                   # written once the reply is out
    memory.save()
    assert path.read_text() == "ls\ngit status\n"
    stamp = path.stat().st_mtime_ns
    memory.remember(["ls"])                    # known: used again, nothing written
    memory.save()
    assert path.stat().st_mtime_ns == stamp
    assert memory.recalled() == ["ls", "git status"]
    memory.remember(["cat", "grep"])           # over the limit: the least recent goes
    memory.save()
    assert PrefixMemory(path, limit=3).recalled() == ["grep", "cat", "ls"]


def test_an_edited_file_is_read_strictly(tmp_path) -> None:
    path = tmp_path / "read-prefixes"
    path.write_text("ls\n$(rm -rf x)\ngit  status\n-rf\na b c d\n\u00e9\nrm\n")
    assert PrefixMemory(path).recalled() == ["rm", "ls"]
    # ... and only what the rules give those words now is handed out: rm gives none
    assert Guard(use_llm=False).prefixes_for(["rm", "ls"]) == ("ls",)


def _handed(reply: dict) -> list[str]:
    return reply.get("read_prefixes", "").split(",") if "read_prefixes" in reply else []


def test_a_new_session_gets_the_earlier_ones_with_its_first_reply(tmp_path) -> None:
    guard = Guard(use_llm=False)
    path = tmp_path / "read-prefixes"
    first = Session(PrefixMemory(path))
    handed = _handed(_ask(guard, first, "rm x"))
    # nothing kept yet: the everyday ones, in their order
    assert handed == list(guard.prefixes_for(list(EVERYDAY)))
    assert _handed(_ask(guard, first, "git status -s; ls -la", 2))[1] == "ls"
    assert path.read_text() == "git status\nls\n"

    second = Session(PrefixMemory(path))
    reply = _ask(guard, second, "touch new")                      # asks, and hands them out
    assert reply["action"] == "confirm"
    kept = _handed(reply)
    assert kept[0] == "ls" and kept[1].startswith("git status --")   # the user's own first
    assert "cat" in kept and len(kept) == len(set(kept))
    assert "read_prefixes" not in _ask(guard, second, "touch other", 2)   # once only
    # an answer report's reply is skipped by the shells: it never carries them
    third = Session(PrefixMemory(path))
    assert "read_prefixes" not in _ask(guard, third, "touch new", answer="no")
    assert "read_prefixes" in _ask(guard, third, "touch new", 2)


def test_everyday_words_are_read_only_prefixes_of_the_built_in_rules() -> None:
    guard = Guard(use_llm=False)
    assert [w for w in EVERYDAY if not guard.prefixes_for([w])] == []
    assert len(set(EVERYDAY)) == len(EVERYDAY)


def test_a_config_that_asks_about_reads_hands_none_out(tmp_path) -> None:
    path = tmp_path / "read-prefixes"
    path.write_text("ls\n")
    strict = Config()
    strict.actions[Crud.READ] = "confirm"
    assert "read_prefixes" not in _ask(Guard(strict, use_llm=False), Session(PrefixMemory(path)),
                                       "pwd")
    denied = Config(deny=("ls",))      # a one-word deny entry: that program is left out
    handed = _handed(_ask(Guard(denied, use_llm=False), Session(PrefixMemory(path)), "rm x"))
    assert "cat" in handed and "ls" not in handed


def test_a_read_only_state_directory_changes_nothing_but_the_memory(tmp_path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the directory should be")
    session = Session(PrefixMemory(blocked / "read-prefixes"))
    assert _handed(_ask(Guard(use_llm=False), session, "ls -la"))[0] == "ls"
    assert _ask(Guard(use_llm=False), session, "ls -la", 2)["read_prefixes"] == "ls"


def test_serve_keeps_them_in_the_xdg_state_directory(tmp_path) -> None:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}

    def session(*commands: str) -> list[dict]:
        lines = "".join(json.dumps({"id": n, "command": c}) + "\n"
                        for n, c in enumerate(commands, 1))
        out = subprocess.run([sys.executable, "-m", "shellguard", "serve"], input=lines.encode(),
                             capture_output=True, env=env, timeout=60, check=True).stdout
        return [json.loads(line) for line in out.splitlines()]

    session("tac README.md", "rm x")
    assert Path(tmp_path / "state" / "shellguard" / "read-prefixes").read_text() == "tac\n"
    replies = session("rm y", "rm z")
    assert _handed(replies[0])[:2] == ["tac", "ls"] and "read_prefixes" not in replies[1]


def test_a_prefetch_reply_hands_them_out_and_so_does_the_first_plain_one(tmp_path) -> None:
    """zsh drops the reply to a prefetch when Enter comes before it, or the line goes on:
    the first reply to a plain request carries them once more."""
    guard = Guard(use_llm=False)
    path = tmp_path / "read-prefixes"
    path.write_text("tac\n")
    session = Session(PrefixMemory(path))
    assert _handed(_ask(guard, session, "rm x", prefetch=True))[:2] == ["tac", "ls"]
    assert _ask(guard, session, "cat f", 2, prefetch=True)["read_prefixes"] == "cat"
    assert _handed(_ask(guard, session, "rm x", 3))[:3] == ["cat", "tac", "ls"]   # most recent first
    assert "read_prefixes" not in _ask(guard, session, "rm x", 4)
    assert path.read_text() == "tac\ncat\n"


def test_warming_stops_when_a_request_waits_and_loads_what_it_hands_out(tmp_path) -> None:
    rules = pickle.loads(pickle.dumps(builtin_rules()))   # (with none of its caches)
    guard = Guard(use_llm=False, rules=rules)
    calls = []

    def idle() -> bool:
        calls.append(1)
        return len(calls) <= 3               # a request comes after three words
    Session(PrefixMemory(tmp_path / "read-prefixes")).warm(guard, idle)
    assert len(calls) == 4
    assert ("ls", ()) in rules._read_only and ("cat", ()) in rules._read_only
    assert ("tail", ()) not in rules._read_only
    Session(PrefixMemory(tmp_path / "read-prefixes")).warm(guard, lambda: True)
    assert ("git", ("status",)) in rules._read_only


def test_a_directory_or_an_oversized_file_in_its_place_is_harmless(tmp_path) -> None:
    (tmp_path / "dir").mkdir()
    memory = PrefixMemory(tmp_path / "dir")
    assert memory.recalled() == []
    memory.remember(["ls"])                       # cannot be written: nothing breaks
    memory.save()
    big = tmp_path / "big"
    big.write_text("ls\n" * 200_000)
    assert PrefixMemory(big).recalled() == ["ls"]
