"""The question's text, and one key read from a real terminal."""

from __future__ import annotations

import sys

import pexpect
import pytest

from shellguard.xonsh_guard.question import render

ASK = """\
import sys
from shellguard.xonsh_guard.question import ask
print("ANSWER=" + ask("DELETE", "rm: removes files", "rm victim"), flush=True)
"""


def test_render_shows_class_reason_and_command() -> None:
    text = render("DELETE", "rm: removes files", "rm victim\n")
    assert text == "shellguard: DELETE - rm: removes files\n  rm victim\nProceed? [y/N/a] "


def test_render_colours_the_class_when_asked() -> None:
    assert "\x1b[1;31mDELETE\x1b[0m" in render("DELETE", "why", "rm x", color=True)


def test_render_neutralises_control_characters_and_bounds_size() -> None:
    text = render("CREATE", "why\x1b[2J", "touch \x1b]0;pwned\x07x\n" + "y\n" * 50)
    assert "\x1b" not in text and "\x07" not in text
    assert "more lines" in text
    long = render("CREATE", "why", "x" * 10_000)
    assert len(long) < 400


@pytest.mark.parametrize(("keys", "answer"), [
    ("y", "yes"), ("Y", "yes"), ("a", "always"), ("n", "no"), ("\r", "no"), ("\x03", "no"),
    ("\x1b", "no"), ("q", "no"),
])
def test_one_key_answers(keys: str, answer: str) -> None:
    child = pexpect.spawn(sys.executable, ["-c", ASK], encoding="utf-8", timeout=20,
                          env={"TERM": "dumb", "PATH": "/usr/bin:/bin"})
    child.expect(r"\[y/N/a\] ")
    child.send(keys)
    child.expect(r"ANSWER=(\w+)")
    assert child.match.group(1) == answer
    child.expect(pexpect.EOF)
