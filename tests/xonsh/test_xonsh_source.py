"""Which parts of a xonsh command are sent to the classifier, and as what."""

from __future__ import annotations

import pytest

from shellguard.classify import Classifier
from shellguard.rules.engine import builtin_rules
from shellguard.verdict import Crud
from shellguard.xonsh_guard.source import classifier_text, shell_text

SESSION = {"files", "xs", "s", "fh", "cmd", "shutil", "os", "f"}


def text(source: str) -> str | None:
    return classifier_text(source, SESSION.__contains__)


@pytest.mark.parametrize(("source", "expected"), [
    ("rm victim", "rm victim"),
    ("ls -la", "ls -la"),  # parses as Python (ls - la), but `ls` is not defined
    ("echo a; touch x", "echo a; touch x"),
    ("ls and rm x or touch y", "ls && rm x || touch y"),
    ("echo 'a and b'", "echo 'a and b'"),
    ("![rm x]", "rm x"),  # a capture on its own: its command
    ("$[touch q]", "touch q"),
    ("echo ![rm x]", "echo $(rm x)"),
    ("echo $(rm y)", "echo $(rm y)"),
    ("echo @$(ls)", "echo $(ls)"),
    ("rm @(files[0])", 'rm "$__xonsh_expr"'),
    ("@(cmd) arg", '"$__xonsh_expr" arg'),
    ("rm `.*\\.log`", 'rm "$__xonsh_glob"'),
    ("rm g`*.log`", 'rm "$__xonsh_glob"'),
    ("echo ${'HO' + 'ME'}", 'echo "$__xonsh_env"'),
    ("cmd_out e>o", "cmd_out 2>&1"),
    ("cmd_out e> err.txt", "cmd_out 2> err.txt"),
    ("cmd_out a> all.txt", "cmd_out &> all.txt"),
    ("id -v", "id -v"),  # a builtin minus a flag is a command in xonsh too
    ("x = 1; rm victim", "x = 1; rm victim"),  # not Python: the whole line is a command
])
def test_subprocess_mode_is_sent_as_shell_text(source: str, expected: str) -> None:
    assert text(source) == expected


@pytest.mark.parametrize("source", [
    "x = 1", "x = 1 + 2; print('hi', x)", "import os", "from pathlib import Path",
    "$PATH.append('/opt/bin')", "print(len('abc'))", "s.upper().split(',')",
    "sorted(xs, key=len)", "os.path.join('a', 'b')", "# a comment only", "   ", "",
    "def f():\n    rm -rf build\n",  # defining runs nothing; the backstop checks calls
    "class C:\n    x = 1\n",
])
def test_python_that_only_computes_is_not_sent(source: str) -> None:
    assert text(source) is None


@pytest.mark.parametrize(("source", "expected"), [
    ("$FOO = 'bar'", 'export FOO="$__xonsh_expr"'),
    ("$SHELLGUARD_DISABLE = 1", 'export SHELLGUARD_DISABLE="$__xonsh_expr"'),
    ("del $FOO", "unset FOO"),
])
def test_environment_changes_are_sent_as_the_shell_would_write_them(source: str,
                                                                   expected: str) -> None:
    assert text(source) == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("import os; os.remove('victim')", "python3 -c 'import os; os.remove('\\''victim'\\'')'"),
    ("open(fh, 'w')", "python3 -c 'open(fh, '\\''w'\\'')'"),
    ("f()", "python3 -c 'f()'"),
    ("print(x, file=fh)", "python3 -c 'print(x, file=fh)'"),
    ("list(map(os.remove, files))", "python3 -c 'list(map(os.remove, files))'"),
])
def test_python_with_effects_is_sent_as_a_one_liner(source: str, expected: str) -> None:
    assert text(source) == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("for i in range(2):\n    touch @(f'm{i}')\n", 'touch "$__xonsh_expr"'),
    ("for f in files:\n    rm $f\n", "rm $f"),
    ("if True:\n    x = 2\nelse:\n    rm y\n", "rm y"),
    ("x = $(rm y)", "rm y"),
    ("with open('o', 'w') as fh:\n    echo hi\n",
     "echo hi\npython3 -c 'with open('\\''o'\\'', '\\''w'\\'') as fh:'"),
])
def test_mixed_blocks_send_each_part(source: str, expected: str) -> None:
    assert text(source) == expected


@pytest.mark.parametrize(("source", "crud"), [
    ("rm victim", Crud.DELETE),
    ("echo a; touch x", Crud.CREATE),
    ("import os; os.remove('victim')", Crud.DELETE),
    ("import shutil; shutil.rmtree('b')", Crud.DELETE),
    ("shutil.rmtree('b')", Crud.DELETE),
    ("pathlib.Path(x).unlink()", Crud.DELETE),  # pathlib not imported: both readings
    ("p'/tmp/x'.unlink()", Crud.DELETE),
    ("open(fh, 'w')", Crud.CREATE),
    ("for i in range(2):\n    touch @(f'm{i}')\n", Crud.CREATE),
    ("rm @(files[0])", Crud.DELETE),
    ("ls and rm x", Crud.DELETE),
    ("x = $(rm y)", Crud.DELETE),
])
def test_the_classifier_sees_the_effect(source: str, crud: Crud) -> None:
    sent = text(source)
    assert sent is not None
    assert Classifier(builtin_rules()).classify(sent).crud == crud


@pytest.mark.parametrize("source", [
    "rm 'unterminated", "echo $(", "for x in", "((((", "\x00rm x", "rm x\\", "a" * 100_000,
    "print('''\nrm x\n", "$(rm a\nb)", "`\n`", ")" * 50 + "rm x",
    "rm x; " * 180_000, "rm x\n" * 1500, "![" * 5000 + "rm x" + "]" * 5000,
    "echo " + "$(ls) " * 5000, "x = " + " + ".join(["'a'"] * 5000),
])
def test_bad_input_never_raises_and_is_sent(source: str) -> None:
    sent = text(source)
    assert sent is None or isinstance(sent, str)
    assert sent is not None or not source.strip()


def test_shell_text_leaves_quotes_alone() -> None:
    assert shell_text('echo "or and not" \'e>o\'') == 'echo "or and not" \'e>o\''
