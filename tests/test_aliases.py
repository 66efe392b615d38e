"""Aliases: a line is classified as the shell will run it, with its aliases expanded."""

from __future__ import annotations

import pytest

from shellguard.config import Config
from shellguard.guard import Guard
from shellguard.parse.aliases import expand_aliases
from shellguard.protocol import ProtocolError, decode_request
from shellguard.server import answer
from shellguard.verdict import Crud

ALIASES = {"dc": "docker compose", "ls": "ls --color=auto", "ll": "ls -alF", "sudo": "sudo ",
           "g": "git", "gp": "g push", "x": "ls; rm -rf y", "loop": "loop again",
           "ä": "rm"}


@pytest.mark.parametrize(("line", "expanded", "used"), [
    ("dc down -v", "docker compose down -v", ("dc",)),
    # the first word of a text is expanded in turn, but not an alias being expanded
    ("ll src", "ls --color=auto -alF src", ("ll",)),
    ("ls", "ls --color=auto", ("ls",)),
    ("gp origin main", "git push origin main", ("gp",)),
    ("loop", "loop again", ("loop",)),
    # a text ending in a blank: the next word too
    ("sudo dc up", "sudo  docker compose up", ("sudo", "dc")),
    # every command of the line, wherever it is
    ("echo a && dc up | x", "echo a && docker compose up | ls; rm -rf y", ("dc", "x")),
    ("(dc up) & echo $(ll)", "(docker compose up) & echo $(ls --color=auto -alF)", ("dc", "ll")),
    ("for i in 1; do dc rm; done", "for i in 1; do docker compose rm; done", ("dc",)),
    ("A=1 dc up 2>/dev/null", "A=1 docker compose up 2>/dev/null", ("dc",)),
    ("ä x", "rm x", ("ä",)),
])
def test_aliases_expand_where_the_shell_expands_them(line, expanded, used):
    assert expand_aliases(line, ALIASES) == (expanded, used)


@pytest.mark.parametrize("line", [
    "echo dc",                   # an argument
    '"dc" up', "\\dc up",        # quoted or escaped: not an alias
    "bash -c 'dc up'",           # another shell's line: it has no aliases
    "cat <<EOF\ndc up\nEOF",     # data
    "cat notes.txt",
])
def test_other_words_are_left_alone(line):
    assert expand_aliases(line, ALIASES) == (line, ())


def test_no_aliases_costs_no_parse():
    assert expand_aliases("dc up", {}) == ("dc up", ())


def test_the_line_is_classified_as_it_will_run():
    guard = Guard(Config(), use_llm=False)
    assert guard.check("dc up -d").verdict.crud is Crud.READ  # the desk calculator
    decision = guard.check("dc up -d", aliases={"dc": "docker compose"})
    assert decision.verdict.crud is Crud.CREATE and decision.action == "confirm"
    assert "dc is an alias of 'docker compose'" in decision.verdict.reason
    # an alias makes a line that looks like a read do something else
    decision = guard.check("cat victim", aliases={"cat": "rm"})
    assert decision.verdict.crud is Crud.DELETE
    # and an unknown name a known one
    assert guard.check("gst").action == "confirm"
    assert guard.check("gst", aliases={"gst": "git status"}).action == "allow"
    prefetched = guard.prefetch("gst -s", aliases={"gst": "git status"})
    assert prefetched.action == "allow"
    assert "gst is an alias" in prefetched.verdict.reason


def test_read_only_prefixes_name_the_program_an_alias_runs():
    guard = Guard(Config(), use_llm=False)
    assert guard.read_prefixes("cat a | ls") == ("cat", "ls")
    assert guard.read_prefixes("cat a | ll", aliases={"cat": "cat -v", "ll": "ls -l"}) == (
        "cat", "ls")
    assert guard.read_prefixes("gst -s", aliases={"gst": "git status"})[0].startswith(
        "git status ")
    # the shells cannot expand a text that is not plain: only the co-process reads it
    assert guard.read_prefixes("x", aliases={"x": "ls | rm"}) == ()
    assert guard.read_prefixes("cat a", aliases={"cat": "rm"}) == ()


def test_lines_let_through_with_aliases_are_reads():
    """What the kept prefixes let through, aliases expanded as the shells do, the
    classifier allows as READ with the same aliases (the soundness of the fast path)."""
    import itertools
    import random

    from shellguard.parse.plain import ReadPrefixes

    aliases = {"ll": "ls -la", "t": "tree -o out.txt", "tl": "tree -L", "g": "git",
               "gst": "git status", "cat": "rm -i", "ls": "ls --color=auto", "del": "rm -f",
               "gl": "git log --output=log.txt", "sp": "ls "}
    guard = Guard(Config(), use_llm=False)
    kept = ReadPrefixes()
    kept.keep("cat")  # kept before `alias cat='rm -i'` was defined
    seeds = ["ls", "cat x", "tree -L 2", "git status", "git log", "ll", "gst", "tl 1", "gl"]
    for line in seeds:
        for entry in guard.read_prefixes(line, aliases):
            kept.keep(entry)
    words = ["ll", "t", "tl", "g", "gst", "cat", "ls", "del", "gl", "sp", "status", "log",
             "-o", "-c", "--output=x", "x", "2", "-s", "tree", "git"]
    rng = random.Random(5)
    passed = 0
    for n, glue in itertools.product(range(1, 5), (" ", " | ", "; ")):
        for _ in range(60):
            line = glue.join(" ".join(rng.choices(words, k=rng.randint(1, 3)))
                             for _ in range(rng.randint(1, 2))) + " x" * (n - 1)
            if kept.lets_through(line, aliases):
                passed += 1
                decision = guard.check(line, aliases=aliases)
                assert (decision.verdict.crud, decision.action) == (Crud.READ, "allow"), line
    assert passed > 50


def test_a_deny_entry_holds_on_the_line_as_it_runs():
    guard = Guard(Config(deny=("rm *",)), use_llm=False)
    assert guard.check("del x", aliases={"del": "rm"}).action == "deny"
    assert guard.check("rm x").action == "deny"


def test_the_protocol_carries_the_aliases():
    request = decode_request(b'{"id":1,"command":"dc up","aliases":{"dc":"docker compose"}}')
    assert request.aliases == {"dc": "docker compose"}
    for bad in (b'[1]', b'{"dc":1}', b'"dc"', b'{"a":"b\\u0000"}'):
        with pytest.raises(ProtocolError, match="aliases"):
            decode_request(b'{"id":1,"command":"x","aliases":' + bad + b"}")
    reply = answer(Guard(Config(), use_llm=False),
                   b'{"id":7,"command":"dc up","aliases":{"dc":"docker compose"}}')
    assert (reply.id, reply.classification, reply.action) == (7, "CREATE", "confirm")
    # the co-process keeps nothing: the next line without them is read as typed
    reply = answer(Guard(Config(), use_llm=False), b'{"id":8,"command":"dc up"}')
    assert reply.classification == "READ"


GLOBAL = {"G": "| grep", "X": "; rm -rf y", "NUL": ">/dev/null 2>&1", "A": "B", "B": "A x",
          "R": "R again"}


@pytest.mark.parametrize(("line", "expanded", "used"), [
    # zsh's `alias -g`: any whole word, then the command-position aliases of the result
    ("ls G foo", "ls --color=auto | grep foo", ("G", "ls")),
    ("ll G foo", "ls --color=auto -alF | grep foo", ("G", "ll")),
    ("echo X", "echo ; rm -rf y", ("X",)),
    ("cat f NUL", "cat f >/dev/null 2>&1", ("NUL",)),
    ("echo $(cat G x)", "echo $(cat | grep x)", ("G",)),
    # a text naming further global aliases, but never one already expanded
    ("A", "A x", ("A", "B")),
    ("R", "R again", ("R",)),
])
def test_global_aliases_expand_wherever_a_whole_word_names_one(line, expanded, used):
    assert expand_aliases(line, ALIASES, GLOBAL) == (expanded, used)


@pytest.mark.parametrize("line", ['echo "X"', "echo \\X", "echo aX Xa", "a=X", "echo 'G'"])
def test_quoted_escaped_or_partial_words_are_no_global_aliases(line):
    assert expand_aliases(line, {}, GLOBAL) == (line, ())


def test_a_global_alias_is_classified_as_it_runs_and_keeps_no_prefix():
    guard = Guard(Config(), use_llm=False)
    decision = guard.check("true X", global_aliases=GLOBAL)
    assert decision.verdict.crud is Crud.DELETE and decision.action == "confirm"
    assert "X is an alias of '; rm -rf y'" in decision.verdict.reason
    assert guard.check("ls G foo", global_aliases=GLOBAL).action == "allow"
    # what a global alias does is not on the line: no prefix lets later lines through
    assert guard.read_prefixes("ls G foo", global_aliases=GLOBAL) == ()
    assert guard.read_prefixes("ll", aliases={"ll": "ls G"}, global_aliases=GLOBAL) == ()
    assert guard.read_prefixes("ls foo", global_aliases=GLOBAL) == ("ls",)
    reply = answer(guard, b'{"id":3,"command":"true X","global_aliases":{"X":"; rm y"}}')
    assert (reply.id, reply.classification, reply.action) == (3, "DELETE", "confirm")
    with pytest.raises(ProtocolError, match="global_aliases"):
        decode_request(b'{"id":1,"command":"x","global_aliases":[1]}')
