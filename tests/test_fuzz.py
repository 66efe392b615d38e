"""Property-based fuzzing: whatever comes in, a valid answer comes out, in bounded time."""

from __future__ import annotations

import fnmatch
import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shellguard.classify import Classifier
from shellguard.guard import Guard
from shellguard.protocol import encode_response
from shellguard.rules.engine import ArgvView, builtin_rules, glob_any
from shellguard.server import answer
from shellguard.verdict import Crud

C = Classifier()
GUARD = Guard(use_llm=False)
SHELLISH = st.text(alphabet=st.sampled_from(list("abrm -'\"$()`;&|<>{}[]*?\\\n#=~!/.0123456789")),
                   max_size=200)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _valid(verdict) -> None:
    assert isinstance(verdict.crud, Crud)
    assert 0 <= verdict.confidence <= 1
    assert verdict.reason


@FAST
@given(st.binary(max_size=300))
def test_random_bytes_on_the_protocol(data: bytes) -> None:
    reply = json.loads(encode_response(answer(GUARD, data.replace(b"\n", b" "))))
    assert reply["classification"] in ("READ", "CREATE", "UPDATE", "DELETE")
    assert reply["action"] in ("allow", "confirm", "deny")


@FAST
@given(SHELLISH)
def test_shellish_strings_classify(text: str) -> None:
    start = time.perf_counter()
    _valid(C.classify(text, "/nonexistent"))
    assert time.perf_counter() - start < 2.0


@FAST
@given(st.text(max_size=300))
def test_any_unicode_classifies(text: str) -> None:
    _valid(C.classify(text, "/nonexistent"))


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=1, max_value=3000), st.sampled_from(["$(", "(", "{ ", "`", "bash -c '"]))
def test_deep_nesting_is_bounded(depth: int, opener: str) -> None:
    closer = {"$(": ")", "(": ")", "{ ": "; }", "`": "`", "bash -c '": "'"}[opener]
    line = opener * depth + "rm x" + closer * depth
    start = time.perf_counter()
    verdict = C.classify(line, "/nonexistent")
    assert time.perf_counter() - start < 5.0
    assert verdict.crud != Crud.READ or verdict.confirm


def test_one_megabyte_line_is_bounded() -> None:
    line = "echo " + "a" * (1 << 20)
    start = time.perf_counter()
    verdict = C.classify(line, "/nonexistent")
    assert time.perf_counter() - start < 10.0
    assert verdict.confirm
    reply = answer(GUARD, json.dumps({"id": 1, "command": "ls " + "b" * 900_000}).encode())
    assert reply.classification in ("READ", "CREATE", "UPDATE", "DELETE")


GLOB_ALPHABET = st.sampled_from("ab-.*?[]!^/\\")


@FAST
@given(st.lists(st.text(GLOB_ALPHABET, max_size=6), min_size=1, max_size=4),
       st.text(st.sampled_from("abAB-./[]!^*?\\"), max_size=6), st.booleans())
def test_rule_patterns_match_as_fnmatch_does(patterns: list[str], word: str, fold: bool) -> None:
    """The engine's set-plus-one-regex matcher answers as fnmatchcase per pattern."""
    if fold:
        expected = any(fnmatch.fnmatchcase(word.lower(), p.lower()) for p in patterns)
    else:
        expected = any(fnmatch.fnmatchcase(word, p) for p in patterns)
    assert glob_any(tuple(patterns), word, fold) == expected


RULES = builtin_rules()


def _words_of(program: str) -> list[str]:
    """The words a program's rules look for (subcommands, flags, arguments), and a few
    they do not."""
    words = {"x", "-", "--", "README.md"}
    for rule in RULES._rules_for(program):
        words.update(p for slot in rule.subcommand for p in slot)
        words.update((*rule.flags, *rule.no_flags, *rule.args))
    return sorted(words)


PROGRAM_WORDS = {name: _words_of(name) for name in sorted(RULES._by_program)}


@FAST
@given(st.sampled_from(sorted(PROGRAM_WORDS)).flatmap(
    lambda name: st.tuples(st.just(name), st.lists(st.sampled_from(PROGRAM_WORDS[name]), max_size=4))))
def test_subcommand_index_answers_as_a_full_scan(case: tuple[str, list[str]]) -> None:
    """Trying only the rules a first word can match finds the rule that scanning all of
    the program's rules, most specific first, would find."""
    program, words = case
    spec = RULES.program(program)
    view = ArgvView.of((program, *words), spec)
    # (with the long options the rules name: `acme.sh --install` is --install, not an
    # abbreviation of --install-cert)
    known = RULES._known_options(program, spec)
    expected = next((rule for rule in RULES._rules_for(program)
                     if RULES._matches(rule, view, spec, known) is not None), None)
    found = RULES.match_view(view)
    assert (found.rule if found else None) == expected
