"""The co-process protocol, driven through a real `shellguard serve` process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from shellguard.guard import Guard
from shellguard.protocol import MAX_LINE_BYTES, decode_request, encode_response
from shellguard.server import answer

#: in this order (the shells take replies apart by position); "read_prefixes" may come
#: after the classification
KEYS = ["id", "action", "classification", "confidence", "reasoning", "source"]


@pytest.fixture()
def server():
    proc = subprocess.Popen([sys.executable, "-m", "shellguard", "serve"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        stream.close()


def ask(proc, line: bytes) -> dict:
    proc.stdin.write(line + b"\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())


def test_answers_in_order_with_exact_keys(server, tmp_path) -> None:
    lines = [{"id": n, "command": cmd, "cwd": str(tmp_path), "shell": "zsh"}
             for n, cmd in enumerate(["ls -la", "rm -rf build", "touch new.txt"])]
    for request in lines:
        server.stdin.write(json.dumps(request).encode() + b"\n")
    server.stdin.flush()
    answers = [json.loads(server.stdout.readline()) for _ in lines]
    assert [a["id"] for a in answers] == [0, 1, 2]
    for a in answers:
        assert [key for key in a if key != "read_prefixes"][:6] == KEYS
        assert a["classification"] in ("READ", "CREATE", "UPDATE", "DELETE")
        assert 0 <= a["confidence"] <= 1
        assert a["action"] in ("allow", "confirm", "deny")
        assert a["source"] in ("rules", "heuristic", "llm", "cache", "fallback")
    assert answers[1]["classification"] == "DELETE" and answers[1]["action"] == "confirm"
    assert answers[2]["classification"] == "CREATE"


@pytest.mark.parametrize("line", [
    b"not json", b"\xff\xfe\x00garbage", b'{"id": 1}', b'{"id": 2, "command": 5}',
    b'{"id": 3, "command": "rm\\u0000x"}', b'[1, 2]', b'{"id": [1], "command": "ls"}',
    b"[" * 1000 + b"]" * 1000, b'{"id": 4, "command": "ls", "cwd": 7}', b"",
])
def test_bad_input_gets_an_error_and_the_safe_answer(server, line: bytes) -> None:
    reply = ask(server, line)
    assert reply["action"] == "confirm"
    assert "error" in reply
    # and the next request is still served
    assert ask(server, b'{"id": 99, "command": "rm x"}')["id"] == 99


def test_over_long_line_is_refused_and_later_requests_work(server) -> None:
    big = b'{"id": 1, "command": "' + b"a" * (MAX_LINE_BYTES + 10) + b'"}'
    reply = ask(server, big)
    assert reply["action"] == "confirm" and "longer" in reply["error"]
    assert ask(server, b'{"id": 2, "command": "rm x"}')["classification"] == "DELETE"


def test_sigint_is_ignored_and_eof_ends_cleanly(server) -> None:
    assert ask(server, b'{"id": 1, "command": "ls"}')["id"] == 1
    server.send_signal(signal.SIGINT)
    time.sleep(0.2)
    assert ask(server, b'{"id": 2, "command": "ls"}')["id"] == 2
    server.stdin.close()
    assert server.wait(timeout=10) == 0
    assert b"Traceback" not in server.stderr.read()


def test_nothing_but_answers_on_stdout(server) -> None:
    for n in range(20):
        reply = ask(server, json.dumps({"id": n, "command": f"echo {n} > f{n}"}).encode())
        assert reply["id"] == n


def test_string_ids_and_missing_cwd() -> None:
    guard = Guard(use_llm=False)
    reply = answer(guard, b'{"id": "abc", "command": "rm -rf x"}')
    assert reply.id == "abc" and reply.classification == "DELETE" and reply.error is None


def test_answer_field_is_validated() -> None:
    assert decode_request(b'{"id": 1, "command": "rm x", "answer": "no"}').answer == "no"
    guard = Guard(use_llm=False)
    assert answer(guard, b'{"id": 1, "command": "rm x", "answer": "maybe"}').error


def test_config_deny_and_allow_apply(tmp_path, monkeypatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[policy]\nDELETE = "deny"\nallow = ["touch *"]\n')
    monkeypatch.setenv("SHELLGUARD_CONFIG", str(config))
    proc = subprocess.run([sys.executable, "-m", "shellguard", "serve"],
                          input=b'{"id":1,"command":"rm x"}\n{"id":2,"command":"touch a b"}\n',
                          capture_output=True, timeout=30, env=os.environ.copy())
    first, second = (json.loads(x) for x in proc.stdout.splitlines())
    assert first["action"] == "deny" and second["action"] == "allow"


def test_prefetch_uses_the_rules_only_and_is_never_logged(tmp_path, monkeypatch) -> None:
    """A line still being typed: "allow" only when the rules alone allow it, no log line;
    and never "allow" when every decision must reach the audit log (the shell then asks
    in full on Enter, which is logged)."""
    config = tmp_path / "config.toml"
    config.write_text('[policy]\nallow = ["frobnicate *"]\n')
    monkeypatch.setenv("SHELLGUARD_CONFIG", str(config))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    log = tmp_path / "state" / "shellguard" / "audit.jsonl"

    def ask_in_process(guard: Guard, command: str, prefetch: bool) -> str:
        line = json.dumps({"id": 1, "command": command, "prefetch": prefetch}).encode()
        return answer(guard, line).action

    guard = Guard(use_llm=False)
    assert ask_in_process(guard, "ls -la", prefetch=True) == "allow"
    assert ask_in_process(guard, "rm -rf build", prefetch=True) == "confirm"
    # An allow entry lets an unknown program through once Enter is pressed; while it is
    # typed the answer stays "confirm", since the LLM may still weigh in on Enter.
    assert ask_in_process(guard, "frobnicate --all", prefetch=True) == "confirm"
    assert ask_in_process(guard, "frobnicate --all", prefetch=False) == "allow"
    assert not log.exists()

    config.write_text('[policy]\nallow = ["frobnicate *"]\n\n[audit]\naudit = "all"\n')
    guard = Guard(use_llm=False)
    assert ask_in_process(guard, "ls -la", prefetch=True) == "confirm"
    assert not log.exists()
    assert ask_in_process(guard, "ls -la", prefetch=False) == "allow"
    assert ask_in_process(guard, "frobnicate --all", prefetch=False) == "allow"
    assert len(log.read_text().splitlines()) == 2


def test_prefetch_field_is_validated() -> None:
    assert decode_request(b'{"id": 1, "command": "ls", "prefetch": true}').prefetch
    assert not decode_request(b'{"id": 1, "command": "ls"}').prefetch
    guard = Guard(use_llm=False)
    assert "prefetch" in answer(guard, b'{"id": 1, "command": "ls", "prefetch": 1}').error


def test_pad_makes_every_reply_a_multiple_of_the_block(tmp_path) -> None:
    """`serve --pad N` (bash reads known lengths in one system call): each reply line,
    error replies included, is padded with spaces and stays one JSON line."""
    requests = b'{"id":1,"command":"ls"}\n{"id":2,"command":"rm -rf build"}\nnot json\n'
    # a reason that names a long path makes a reply longer than one block
    requests += json.dumps({"id": 4, "command": "echo hi > /tmp/" + "x" * 300}).encode() + b"\n"
    proc = subprocess.run([sys.executable, "-m", "shellguard", "serve", "--pad", "256"],
                          input=requests, capture_output=True, timeout=30)
    lines = proc.stdout.splitlines(keepends=True)
    assert len(lines) == 4
    for line in lines:
        assert len(line) % 256 == 0 and line.endswith(b"\n")
        assert json.loads(line)["action"] in ("allow", "confirm", "deny")
    assert [json.loads(line)["id"] for line in lines] == [1, 2, None, 4]
    assert len(lines[3]) > 256


def test_pad_must_be_a_number_of_bytes() -> None:
    proc = subprocess.run([sys.executable, "-m", "shellguard", "serve", "--pad", "-3"],
                          input=b"", capture_output=True, timeout=30)
    assert proc.returncode != 0 and b"--pad" in proc.stderr and b"Traceback" not in proc.stderr


def test_a_reply_fits_one_atomic_pipe_write() -> None:
    """Long reasons are cut, so that every reply is one write of at most 4096 bytes
    (bash reads the rest of a reply without a timeout once its first byte is there)."""
    guard = Guard(use_llm=False)
    command = "echo hi > /tmp/" + "\u00e9" * 3000
    reply = encode_response(answer(guard, json.dumps({"id": 1, "command": command}).encode()), 256)
    assert len(reply) <= 4096 and len(reply) % 256 == 0
    assert json.loads(reply)["reasoning"].endswith("...")


def test_replies_are_written_as_json_dumps_writes_them() -> None:
    """encode_response writes its line by hand (it is on the path of every reply): byte
    for byte what json.dumps makes of the same dict, whatever the strings hold."""
    import random

    from shellguard.protocol import MAX_REASON_CHARS, Response

    rng = random.Random(3)
    alphabet = ['a', ' ', '"', "\\", "/", "\n", "\t", "\x00", "\x1f", "\x7f", "\u00e9", "\u2014",
                "\U0001f600", "\ud800", "'", "{", "}", ",", ":"]
    texts = ["", "rm: removes files"] + [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(300)]
    checked = 0
    for n, text in enumerate(texts):
        for rid in (n, str(n), f'id "{text}"', None, 2 ** 70, -1):
            prefixes = () if n % 3 == 0 else ("ls", f"git status -c{n % 7}")
            error = None if n % 4 else text
            table = "" if n % 5 else "0123456789abcdef0123"
            response = Response(rid, "DELETE" if n % 2 else "READ", rng.random(),
                                text * (1 + n % 3), "rules", "confirm", error, prefixes, table)
            reasoning = response.reasoning
            if len(reasoning) > MAX_REASON_CHARS:
                reasoning = reasoning[:MAX_REASON_CHARS - 3] + "..."
            data: dict[str, object] = {"id": rid, "action": "confirm",
                                       "classification": response.classification}
            if prefixes:
                data["read_prefixes"] = ",".join(prefixes)
            data.update(confidence=round(response.confidence, 3), reasoning=reasoning,
                        source="rules")
            if error is not None:
                data["error"] = error[:200]
            if table:
                data["read_table"] = table
            expected = json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode()
            assert encode_response(response) == expected + b"\n", (rid, text)
            checked += 1
    assert checked == len(texts) * 6
