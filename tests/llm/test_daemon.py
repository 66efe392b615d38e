"""The model daemon and its client, with the real daemon process and the tiny model."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time

import pytest

pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")

from shellguard.config import Config  # noqa: E402
from shellguard.guard import Guard  # noqa: E402
from shellguard.heuristics import guess  # noqa: E402
from shellguard.llm import client, hook_from_config  # noqa: E402
from shellguard.llm.catalog import ModelSpec  # noqa: E402
from shellguard.llm.client import LlmClient  # noqa: E402
from shellguard.llm.daemon import socket_path  # noqa: E402
from shellguard.llm.settings import LlmSettings  # noqa: E402
from shellguard.verdict import Crud  # noqa: E402

from .conftest import wait_gone, wait_ready  # noqa: E402

pytestmark = pytest.mark.usefixtures("daemon_off")


def make_client(model, **settings) -> LlmClient:
    table = {"path": str(model), "confidence": 0.0, "inference_timeout_ms": 10_000, **settings}
    s = LlmSettings.from_table(table)
    assert s.problems == []
    return LlmClient(s, ModelSpec(name="tiny", path=model))


def heuristic(command: str):
    argv = tuple(command.split())
    return guess(argv, command, known_program=False)


def ask(c: LlmClient, command: str):
    return c.classify(command, heuristic(command))


def test_started_on_demand_and_never_waits_for_the_load(tiny_chat) -> None:
    c = make_client(tiny_chat)
    t0 = time.monotonic()
    assert ask(c, "frobctl zzz cluster prod") is None  # spawned in the background
    assert time.monotonic() - t0 < 5  # generous: only a process start, never a model load
    status = wait_ready()
    assert status["status"] == "ready", status
    finding = ask(c, "frobctl zzz cluster prod")
    assert finding is not None and finding.source == "llm"
    assert finding.crud in Crud and finding.confirm is True
    assert "local model reads it as" in finding.reason
    rt = socket_path().parent
    assert stat.S_IMODE(os.stat(socket_path()).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(rt).st_mode) == 0o700


def test_repeated_commands_come_from_the_cache(tiny_chat) -> None:
    c = make_client(tiny_chat)
    ask(c, "zap lst")
    wait_ready()
    first = ask(c, "zap lst")
    client.unload()  # no daemon any more: a cached answer needs none
    assert ask(c, "zap lst") == first


def test_low_confidence_keeps_the_heuristic_class(tiny_chat) -> None:
    c = make_client(tiny_chat, confidence=0.99)
    ask(c, "frobctl zzz cluster prod")
    wait_ready()
    h = heuristic("frobctl zzz cluster prod")
    f = c.classify("frobctl zzz cluster prod", h)
    assert f is not None and f.crud == h.crud == Crud.CREATE
    assert f.source == "heuristic" and "not sure enough" in f.reason and f.confirm


def test_two_clients_at_once_share_one_daemon(tiny_chat) -> None:
    ask(make_client(tiny_chat), "warmup")
    ready = wait_ready()
    results: dict[int, list] = {0: [], 1: []}

    def work(n: int) -> None:
        c = make_client(tiny_chat)
        for i in range(8):
            results[n].append(ask(c, f"tool{i} run --fast"))

    threads = [threading.Thread(target=work, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(f is not None and f.source == "llm" for f in results[0] + results[1])
    assert [f.crud for f in results[0]] == [f.crud for f in results[1]]  # deterministic
    assert client.ping()["pid"] == ready["pid"]  # still one daemon


def test_a_second_daemon_exits_at_once(tiny_chat) -> None:
    ask(make_client(tiny_chat), "warmup")
    first = wait_ready()
    proc = client.spawn_daemon(tiny_chat, 1, 60, True)
    assert proc.wait(timeout=30) == 0
    assert client.ping()["pid"] == first["pid"]


def test_unload_stops_the_daemon_and_the_next_command_restarts_it(tiny_chat) -> None:
    c = make_client(tiny_chat)
    ask(c, "warmup")
    pid = wait_ready()["pid"]
    assert client.unload() == pid
    assert wait_gone(pid)
    assert not socket_path().exists()
    assert client.ping() is None
    c2 = make_client(tiny_chat)
    assert ask(c2, "after unload") is None  # starts a new one
    assert wait_ready()["pid"] != pid
    assert ask(c2, "after unload").source == "llm"


def test_exits_by_itself_when_idle(tiny_chat) -> None:
    proc = client.spawn_daemon(tiny_chat, 1, 1, True)
    wait_ready()
    assert proc.wait(timeout=30) == 0
    assert not socket_path().exists()


def test_a_crashed_daemon_costs_no_answer(tiny_chat) -> None:
    c = make_client(tiny_chat)
    ask(c, "warmup")
    pid = wait_ready()["pid"]
    os.kill(pid, signal.SIGSEGV)  # as a native crash would
    assert wait_gone(pid)
    time.sleep(0.2)  # let the client's reaper see the signal
    first = ask(c, "frob after crash")
    assert first is None or "crashed with SIGSEGV" in first.reason  # said once, then quiet
    assert ask(c, "frob after crash 2") is None
    c._next_spawn = 0.0  # skip the pause before a restart
    ask(c, "restart me")
    assert wait_ready()["pid"] != pid
    assert ask(c, "frob after reboot").source == "llm"


def test_a_timed_out_request_does_not_stall_the_next(tiny_chat) -> None:
    c = make_client(tiny_chat)
    ask(c, "warmup")
    wait_ready()
    slow = make_client(tiny_chat, inference_timeout_ms=20)
    long_command = "frob " + "--flag value " * 45
    assert ask(slow, long_command) is None  # gave up after 20 ms
    finding = ask(c, "zap --quick")  # answered, not queued behind the abandoned one
    assert finding is not None and finding.source == "llm"
    info = client.ping()["info"]
    assert info["aborted"] >= 1


def test_bad_requests_get_an_error_not_a_dead_daemon(tiny_chat) -> None:
    ask(make_client(tiny_chat), "warmup")
    wait_ready()
    import socket

    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(socket_path()))
    s.sendall(b"[not json\n")
    assert json.loads(s.recv(4096))["status"] == "error"
    s.close()
    assert client.request({"op": "classify"}, 5.0)["status"] == "error"
    assert client.request({"op": "nope"}, 5.0)["status"] == "error"
    assert client.ping()["status"] == "ready"


def test_a_broken_model_file_is_reported_once(tmp_path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 100)
    c = make_client(bad)
    assert ask(c, "frob") is None
    assert wait_ready()["status"] == "error"
    first = ask(c, "frob x")
    assert first is not None and "cannot be used" in first.reason and first.source == "heuristic"
    assert ask(c, "frob y") is None


def test_missing_model_says_once_how_to_pull_it(capsys) -> None:
    hook = hook_from_config(Config())
    assert isinstance(hook, LlmClient)
    first = ask(hook, "frob --go")
    assert first is not None and "shellguard model pull" in first.reason
    assert first.confirm and first.source == "heuristic"
    assert ask(hook, "frob --again") is None
    assert capsys.readouterr().err.count("shellguard model pull") == 1
    assert client.ping() is None  # no daemon started for a model that is not there


def test_disabled_in_the_config() -> None:
    assert hook_from_config(Config(llm={"enabled": False})) is None


def test_the_coprocess_stays_small_and_uses_the_daemon(tiny_chat, tmp_path) -> None:
    """`shellguard serve` answers from the LLM without importing llama_cpp, numpy, ..."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[llm]\npath = "{tiny_chat}"\nconfidence = 0.0\n')
    code = f"""
import json, sys, time
from pathlib import Path
from shellguard.guard import Guard
from shellguard.llm import client
g = Guard(config_path=Path({str(cfg)!r}))
first = g.check("frobnicate --hard", "/")
deadline = time.monotonic() + 30
while time.monotonic() < deadline and (client.ping(1.0) or {{}}).get("status") != "ready":
    time.sleep(0.05)
second = g.check("zorblax qq everything", "/")
heavy = sorted(m for m in ("llama_cpp", "numpy", "requests", "tqdm") if m in sys.modules)
print(json.dumps([first.verdict.source, second.verdict.source, second.action, heavy]))
"""
    env = dict(os.environ, SHELLGUARD_CONFIG=str(cfg))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    first, second, action, heavy = json.loads(out.stdout.strip().splitlines()[-1])
    assert first == "heuristic"  # the model was not loaded yet: no waiting
    assert second == "llm" and action == "confirm"
    assert heavy == []


def test_guard_wires_the_hook(tiny_chat) -> None:
    guard = Guard(config=Config(llm={"path": str(tiny_chat)}))
    # built on the first command no rule decides, so start-up never pays for it
    assert isinstance(guard.classifier.llm.resolve(), LlmClient)
