"""Fixtures for the LLM tests: tiny random-weight GGUF models and a running model daemon.

The models are written with the ``gguf`` package (shellguard.llm.tinymodel) and run
through the real llama.cpp path; nothing is mocked.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from shellguard.llm import client
from shellguard.llm.tinymodel import write_tiny_llama


@pytest.fixture(scope="session")
def tiny_chat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """F32 model with a ChatML template (the chat-template path)."""
    pytest.importorskip("gguf")
    return write_tiny_llama(tmp_path_factory.mktemp("models") / "tiny-chat.gguf")


@pytest.fixture(scope="session")
def tiny_plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """F32 model without a chat template (the plain few-shot path)."""
    pytest.importorskip("gguf")
    return write_tiny_llama(tmp_path_factory.mktemp("models") / "tiny-plain.gguf",
                            chat_template=None)


def wait_ready(timeout: float = 30.0) -> dict:
    """Wait until the daemon answers ping with status ready."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = client.ping(1.0)
        if last and last.get("status") in ("ready", "error"):
            return last
        time.sleep(0.05)
    raise AssertionError(f"the daemon did not get ready: {last}")


def wait_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # a zombie child of this process counts as gone once reaped by the client
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().split(")")[-1].split()[0] == "Z":
                    return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def daemon_off():
    """Make sure no daemon of this test's runtime dir outlives the test."""
    yield
    client.unload(timeout=5.0)
