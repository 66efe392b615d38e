"""What the co-process loads while it waits for a line (Guard.warm_steps, RuleSet.warm_steps,
Session.warm), so that a program's first command does not wait for its rules."""

from __future__ import annotations

import pickle

from shellguard import lazy_re
from shellguard.classify import Classifier
from shellguard.guard import Guard
from shellguard.rules.engine import RuleSet, builtin_rules
from shellguard.server import Session


def _fresh() -> RuleSet:
    """The built-in rules as a co-process loads them: each program's still pickled."""
    return pickle.loads(pickle.dumps(builtin_rules()))


def _loaded(rules: RuleSet, name: str) -> bool:
    return isinstance(dict.__getitem__(rules._by_program, name), list)


def test_the_named_programs_rules_are_read_and_indexed_and_no_others() -> None:
    rules = _fresh()
    assert not _loaded(rules, "curl")
    steps = sum(1 for _ in rules.warm_steps(["curl", "no-such-program-x", "sed"]))
    assert steps >= 4                    # a step per program, and per 20 rules compiled
    assert _loaded(rules, "curl") and _loaded(rules, "sed")
    assert not _loaded(rules, "wget") and not _loaded(rules, "git")
    assert "curl" in rules._first_words and "curl" in rules._long_options
    assert "no-such-program-x" not in rules._first_words
    # and what they decide is what they decided cold
    cold = Classifier(_fresh(), None)
    warm = Classifier(rules, None)
    for line in ("curl -o page.html https://x", "curl -s https://x", "sed -i s/a/b/ f"):
        assert warm.classify(line).crud == cold.classify(line).crud


def test_the_programs_on_path_and_the_shells_builtins_are_warmed(tmp_path, monkeypatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("curl", "x86_64-linux-gnu-objdump"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{tmp_path / 'missing'}")
    rules = _fresh()
    guard = Guard(use_llm=False, rules=rules)
    for _ in guard.warm_steps():
        pass
    assert _loaded(rules, "curl")
    assert _loaded(rules, "objdump")            # a cross toolchain's, by the tool it is
    assert _loaded(rules, "export")             # a builtin, on no PATH
    assert not _loaded(rules, "wget")           # not on this PATH
    # the handlers' patterns are compiled too
    assert all(pattern.compiled for pattern in lazy_re.LazyPattern.made)


def test_a_config_change_meanwhile_warms_the_new_rules(tmp_path, monkeypatch) -> None:
    (tmp_path / "curl").write_text("#!/bin/sh\n")
    (tmp_path / "curl").chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    old, new = _fresh(), _fresh()
    guard = Guard(use_llm=False, rules=old)
    steps = guard.warm_steps()
    while "curl" not in old._first_words:
        next(steps)
    guard.classifier = Classifier(new, None)     # what reload_if_changed does
    for _ in steps:
        pass
    assert _loaded(new, "curl") and "curl" in new._first_words


def test_warming_pauses_while_a_request_waits_and_goes_on_where_it_stopped(tmp_path,
                                                                          monkeypatch) -> None:
    (tmp_path / "sed").write_text("#!/bin/sh\n")
    (tmp_path / "sed").chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    rules = _fresh()
    guard = Guard(use_llm=False, rules=rules)
    session = Session(None)
    calls: list[int] = []

    def idle_twice() -> bool:
        calls.append(1)
        return len(calls) % 3 != 0           # a request after two steps, each time
    session.warm(guard, idle_twice)
    assert len(calls) == 3 and not _loaded(rules, "sed")
    rounds = 1
    while not _loaded(rules, "sed"):
        session.warm(guard, idle_twice)
        rounds += 1
        assert rounds < 200, "warming started over instead of going on"
    session.warm(guard, lambda: True)        # to its end; then a call does nothing
    session.warm(guard, lambda: True)
    assert "sed" in rules._long_options


def test_a_path_that_takes_long_to_list_never_holds_up_a_step(tmp_path, monkeypatch) -> None:
    """A dead network mount on PATH blocks the listing: it runs in a thread, and each
    step waits for it at most a few milliseconds."""
    import time

    from shellguard import guard as guard_module

    def slow_listing() -> list[str]:
        time.sleep(1.5)
        return ["sed"]
    monkeypatch.setattr(guard_module, "_programs_here", slow_listing)
    rules = _fresh()
    steps = Guard(use_llm=False, rules=rules).warm_steps()
    done, longest = object(), 0.0
    while not _loaded(rules, "sed"):
        start = time.monotonic()
        if next(steps, done) is done:
            break
        longest = max(longest, time.monotonic() - start)
    assert _loaded(rules, "sed")
    assert longest < 0.75             # (the listing alone takes 1.5 s)


def test_a_listing_that_never_ends_is_given_up(monkeypatch) -> None:
    import threading

    from shellguard import guard as guard_module

    forever = threading.Event()
    monkeypatch.setattr(guard_module, "_programs_here", lambda: forever.wait() and [])
    monkeypatch.setattr(guard_module, "_PATH_SCAN_SECONDS", 0.2)
    rules = _fresh()
    assert sum(1 for _ in Guard(use_llm=False, rules=rules).warm_steps()) > 0   # it ends
    assert not _loaded(rules, "sed")
    forever.set()
