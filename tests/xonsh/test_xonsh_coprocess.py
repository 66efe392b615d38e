"""The co-process client: background start, ids, timeouts, restarts, the safe "no answer"."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from shellguard.xonsh_guard.coprocess import Coprocess

FAKE = """\
import json, sys, time
mode = sys.argv[1]
for n, line in enumerate(sys.stdin):
    req = json.loads(line)
    rid = req["id"]
    if mode == "garble":
        print("not json", flush=True); continue
    if mode == "wrong-id":
        rid = rid + 100
    if mode == "hang" and n >= 1:
        time.sleep(60)
    if mode == "die" and n >= 1:
        sys.exit(0)
    with open(sys.argv[2], "a") as log:
        log.write(line)
    print(json.dumps({"id": rid, "classification": "READ", "confidence": 1.0,
                      "reasoning": "fake", "source": "rules", "action": "allow"}), flush=True)
"""


def fake(tmp_path: Path, mode: str, timeout: float = 0.5) -> Coprocess:
    script = tmp_path / "fake.py"
    script.write_text(FAKE)
    log = tmp_path / "requests.jsonl"
    return Coprocess([sys.executable, str(script), mode, str(log)], shell="xonsh",
                     timeout=timeout, log_path=tmp_path / "stderr.log")


def requests(tmp_path: Path) -> list[dict]:
    path = tmp_path / "requests.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_start_returns_at_once_and_answers_come_by_id(tmp_path: Path) -> None:
    co = fake(tmp_path, "ok")
    started = time.monotonic()
    co.start()
    assert time.monotonic() - started < 0.5  # the interpreter starts in the background
    reply = co.classify("ls", "/tmp")
    assert reply is not None and reply.action == "allow"
    sent = requests(tmp_path)[0]
    assert sent == {"id": 1, "command": "ls", "cwd": "/tmp", "shell": "xonsh"}
    co.close()


def test_report_answers_are_sent_and_their_replies_skipped(tmp_path: Path) -> None:
    co = fake(tmp_path, "ok")
    co.start()
    co.classify("rm x", "/w")
    co.report("rm x", "/w", "no")
    reply = co.classify("ls", "/w")  # the report's reply comes first and is dropped
    assert reply is not None and reply.classification == "READ"
    assert [r.get("answer") for r in requests(tmp_path)] == [None, "no", None]
    co.close()


@pytest.mark.parametrize("mode", ["garble", "wrong-id"])
def test_a_reply_that_is_not_ours_gives_no_answer_and_a_new_process(tmp_path: Path,
                                                                      mode: str) -> None:
    co = fake(tmp_path, mode)
    co.start()
    first = co.pid
    assert co.classify("ls", "/") is None
    assert co.last_error
    assert co.pid != first
    co.close()


def test_a_hung_process_costs_the_timeout_and_is_replaced(tmp_path: Path) -> None:
    co = fake(tmp_path, "hang", timeout=0.5)
    co.start()
    assert co.classify("one", "/") is not None
    hung = co.pid
    started = time.monotonic()
    assert co.classify("two", "/") is None
    waited = time.monotonic() - started
    assert "did not answer" in co.last_error
    assert co.pid != hung
    assert co.classify("three", "/") is not None  # the replacement answers
    co.close()
    print(f"hung fake co-process: no answer after {waited:.2f} s (timeout 0.5 s)")


def test_a_dead_process_is_restarted_and_the_request_retried(tmp_path: Path) -> None:
    co = fake(tmp_path, "ok")
    co.start()
    assert co.classify("one", "/") is not None
    os.kill(co.pid, signal.SIGKILL)
    reply = co.classify("two", "/")
    assert reply is not None  # transparently: the same request on a new process
    assert [r["command"] for r in requests(tmp_path)] == ["one", "two"]
    co.close()


def test_a_process_that_exits_mid_request_is_retried_once(tmp_path: Path) -> None:
    co = fake(tmp_path, "die")  # answers the first request of each process only
    co.start()
    assert co.classify("one", "/") is not None
    assert co.classify("two", "/") is not None  # died, restarted, retried: answered
    co.close()


def test_a_program_that_cannot_start_gives_no_answer(tmp_path: Path) -> None:
    co = Coprocess([str(tmp_path / "missing")], shell="xonsh", timeout=0.5)
    co.start()
    assert co.classify("ls", "/") is None
    assert "cannot start" in co.last_error


def test_real_server_classifies_and_logs_its_stderr(tmp_path: Path) -> None:
    co = Coprocess([sys.executable, "-m", "shellguard", "serve"], shell="xonsh", timeout=5,
                   log_path=tmp_path / "state" / "xonsh-coprocess.log")
    co.start()
    reply = co.classify("rm -rf build", str(tmp_path))
    assert reply is not None and reply.classification == "DELETE"
    assert reply.action == "confirm"
    assert (tmp_path / "state" / "xonsh-coprocess.log").exists()
    co.close()
