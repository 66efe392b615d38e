"""Read-only prefixes: what lets a shell run a plain line without asking the co-process.

A shell keeps the prefixes the co-process names (``ls``, ``git status -c --exec``) and
lets a plain line through when each of its commands starts with one and has none of
its options. These tests hold the claim to the classifier itself: for every prefix the
rule files give, lines made of it and words from that program's own rules must be
READ and allowed; a derivation that forgets a rule's options must be caught.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from shellguard.classify import Classifier
from shellguard.config import Config
from shellguard.corpus import load_corpus
from shellguard.guard import Guard
from shellguard.parse.plain import ReadPrefixes, plain_commands, prefix_entry
from shellguard.protocol import MAX_PREFIXES_CHARS, Response, encode_response
from shellguard.rules import engine
from shellguard.rules.engine import RuleSet, load_rules
from shellguard.server import answer
from shellguard.verdict import Crud, Verdict

_PLAIN_WORD = re.compile(r"[A-Za-z0-9_./:=,@%+~*?-]+")


def shell_lets_through(line: str, kept: dict[str, tuple[str, ...]],
                       aliases: dict[str, str] | None = None,
                       with_arg: dict[str, frozenset[str]] | None = None) -> bool:
    """What a shell that kept these prefixes (and has these aliases, and a read table's
    options that take a value) decides about ``line``."""
    prefixes = ReadPrefixes()
    prefixes.keep(",".join(" ".join((words, *unless)) for words, unless in kept.items()))
    prefixes.with_arg.update(with_arg or {})
    return prefixes.lets_through(line, aliases)


def _kept(prefix: engine.ReadPrefix) -> dict[str, tuple[str, ...]]:
    return {prefix.words: prefix.unless}


def _vocabulary(rules: RuleSet, name: str) -> list[str]:
    """Words that matter to this program's rules: their options, values and subcommands."""
    words = {"-h", "--help", "--version", "x", "file.txt", "/tmp/out", "-", "--", "-rf",
             "--force", "--output=o.txt", "-o", "o.txt", "--dry-run", "-n", "1"}
    program = rules.program(name)
    if program is not None:
        words.update(program.options_with_arg)
        words.update(program.dry_run)
        words.update(program.settings.get("reads_unless", ()))
    for rule in rules._rules_for(name):
        words.update(rule.flags + rule.all_flags + rule.no_flags + rule.writes_option)
        words.update(o.partition("=")[0] for o in rule.runs_option)
        for flag, pattern in rule.option_values:
            value = pattern.replace("*", "v").replace("?", "v")
            words.update((flag, value, f"{flag}={value}"))
        for slot in rule.subcommand:
            words.update(w.replace("*", "v") for w in slot if w != "**")
        words.update(a.replace("*", "v") for a in rule.args)
    # on/off options switched off (`--dry-run=false`, `--no-dry-run`)
    switched = {f"{w}=false" for w in words if w.startswith("--") and "=" not in w} | {
        f"--no-{w[2:]}" for w in words if w.startswith("--") and "=" not in w}
    words |= switched
    # long options abbreviated, as getopt_long and argparse take them (`--outp=f`)
    short = {w[:max(3, len(w) - 3)] for w in words
             if w.startswith("--") and len(w) > 5 and "=" not in w}
    words |= short | {f"{w}=v" for w in short}
    return sorted(w for w in words if _PLAIN_WORD.fullmatch(w))


def _prefixes(rules: RuleSet) -> list[engine.ReadPrefix]:
    return [prefix for name in list(rules._by_program) for prefix in rules.read_only_prefixes(name)]


#: Wrappers in front of sampled lines, with options the shells look past.
_WRAPPED = [["sudo"], ["sudo", "-u", "www"], ["timeout", "5"], ["timeout", "-s", "KILL", "1.5m"],
            ["nice", "-n", "5"], ["ionice", "-c3"], ["watch", "-n", "2"], ["watch", "-t", "-x"],
            ["sudo", "-H", "timeout", "10s", "nice"]]


#: Redirections a shell's plain line may hold (plain.py's drop_redirections).
_REDIRECTIONS = ["2>/dev/null", "2>&1", ">/dev/null", "&>/dev/null", "> /dev/null", ">&2",
                 "1>>/dev/null", "&>> /dev/null"]


def counterexamples(rules: RuleSet, samples: int, seed: int = 7) -> list[str]:
    """Plain lines a shell would let through on a prefix that are not READ and allowed."""
    guard = Guard(Config(), rules, use_llm=False)
    rng = random.Random(seed)
    bad = []
    for prefix in _prefixes(rules):
        name, *sub = prefix.words.split()
        vocabulary = _vocabulary(rules, name)
        with_arg = {name: rules.options_with_arg(name)}
        for _ in range(samples):
            words = rng.choices(vocabulary, k=rng.randint(0, 4))
            # some quoted, as a whole or in part: the same argument to the program
            words = [rng.choice((f"'{w}'", f'"{w}"', f"{w[:1]}'{w[1:]}'", w)) for w in words]
            # half of those with subcommand words have options before them, which a
            # shell with a read table looks past
            lead = rng.choices(vocabulary, k=rng.randint(1, 3)) if sub and rng.random() < 0.5 else []
            # most of those that need an option first are given one
            needs = [e[1:] for e in prefix.unless if e[0] == "+"]
            if needs and rng.random() < 0.8:
                need = rng.choice(needs)
                if len(need) == 2 and rng.random() < 0.4:
                    # in a cluster with other short options of the program's (`-lu`)
                    letters = [w[1] for w in vocabulary if len(w) == 2 and w[0] == "-" and w[1].isalpha()]
                    cluster = [need[1], *rng.choices(letters or ["x"], k=rng.randint(1, 2))]
                    rng.shuffle(cluster)
                    need = "-" + "".join(cluster)
                words.insert(0, need)
            # one in five with a redirection that changes nothing, which the shells drop
            if rng.random() < 0.2:
                words.insert(rng.randint(0, len(words)), rng.choice(_REDIRECTIONS))
            # one in three behind wrappers, which the shells look past
            wrap = rng.choice(_WRAPPED) if rng.random() < 0.33 else []
            line = " ".join([*wrap, name, *lead, *sub, *words])
            if not shell_lets_through(line, _kept(prefix), with_arg=with_arg):
                continue
            decision = guard.check(line, "/tmp")
            if decision.action != "allow" or decision.verdict.crud != Crud.READ:
                bad.append(f"{line!r} ({prefix}): {decision.verdict.crud.name} "
                           f"{decision.action}, {decision.verdict.reason}")
    return bad


RULES = load_rules(use_cache=False)


def test_examples_of_prefixes() -> None:
    def named(line: str) -> str | None:
        prefix = RULES.read_only_prefix(line.split())
        return None if prefix is None else str(prefix)

    assert named("ls -la") == "ls"
    assert named("cat notes.txt") == "cat"
    assert named("tree -L 2") == "tree -o"                  # -o writes the tree to a file
    status = named("git status --short")
    assert status is not None and status.startswith("git status ")
    assert {"-c", "--exec", "--upload-pack"} <= set(status.split()[2:])
    assert named("git diff") is not None and "--output" in named("git diff")
    assert named("enable -n echo") == "enable -f"           # -f loads a shared library
    assert named("gh pr list --state open") == "gh pr list"  # up to two subcommand words
    assert named("gh pr merge 12") is None and named("gh pr") is None
    # a handler looks inside: never a prefix (but one that says when it only reads: find)
    for line in ("sudo ls", "env ls", "xargs ls", "bash -c ls",
                 "python3 -c 1", "psql -c x", "ssh host ls", "time ls"):
        assert named(line) is None, line
    # words that open a construct never are: a plain line let through must be complete
    assert all(RULES.read_only_prefix([word, "ls"]) is None
               for word in engine._RESERVED | {"!", "{", "[[", "(("})
    # rules that need no option to write
    # a rule tried after one that only reads and always matches never decides
    assert named("git stash list").startswith("git stash list ")   # git.stash comes later
    # sort writes with -o and runs a program with --compress-program: both named
    assert named("sort -u data") == "sort --compress-program --output -o"
    for line in ("rm x", "uniq a b", "date 0101", "git stash", "less f",
                 "kubectl delete pod x", "docker run x", "tee out", "cp a b", "curl x"):
        assert named(line) is None, line
    # subcommand words that only read when one of a rule's flags comes first: `git branch
    # x` creates x, `git branch -a x` lists, `git branch -a -d x` deletes
    branch = RULES.read_only_prefix(["git", "branch"])
    assert branch is not None and {"+-a", "+--list", "-d", "-m", "-D"} <= set(branch.unless)
    assert RULES.covering_prefix(["git", "branch"]) is None
    for line in ("git branch -a", "git branch --list feat", "git branch -r -v",
                 "git branch --show-current", "git branch -la"):
        assert shell_lets_through(line, _kept(branch), with_arg={"git": RULES.options_with_arg("git")}), line
    for line in ("git branch x", "git branch -v x", "git branch -a -d x", "git branch -D x",
                 "git branch -vv", "git branch --list 'feat*'"):    # (quoted: never)
        assert not shell_lets_through(line, _kept(branch)), line


def test_words_a_writing_rule_takes_as_its_subcommand_are_exceptions(tmp_path) -> None:
    """A program whose rules only read but for a few subcommands (`datasette uninstall`,
    `systemd-analyze set-log-level`) is a prefix with those words as exceptions: a line
    with one anywhere after it goes to the co-process."""
    prefix = RULES.read_only_prefix(["datasette", "serve", "db.sqlite"])
    assert prefix is not None and prefix.words == "datasette"
    assert {"=install", "=uninstall", "=publish", "--create"} <= set(prefix.unless)
    kept = _kept(prefix)
    assert shell_lets_through("datasette serve db.sqlite -p 8001", kept)
    assert shell_lets_through("datasette db.sqlite --cors", kept)
    for line in ("datasette uninstall datasette-vega", "datasette install x",
                 "datasette publish cloudrun db", "datasette db 'install'", "datasette x --create"):
        assert not shell_lets_through(line, kept), line
    analyze = RULES.read_only_prefix(["systemd-analyze", "blame"])
    assert analyze is not None and "=set-log-level" in analyze.unless
    # round trip through the text replies and tables carry
    assert prefix_entry(str(prefix)) == (prefix.words, prefix.unless)
    assert prefix_entry("gh pr =create -R") == ("gh pr", ("=create", "-R"))
    # a `**` slot may take no word, so the prefix's own words could fill it: no exception
    (tmp_path / "t.toml").write_text("""
[[rule]]
id = "t.list"
program = "sg-test-tool"
class = "READ"
why = "lists"

[[rule]]
id = "t.delete"
program = "sg-test-tool"
subcommand = ["**", "delete"]
class = "DELETE"
why = "deletes"
""")
    rules = load_rules([tmp_path], use_cache=False)
    assert rules.read_only_prefix(["sg-test-tool", "x"]) is None


def test_options_before_subcommand_words_are_looked_past_as_the_rules_read_them() -> None:
    """`git -C src log`, `kubectl -n prod get pods`: a shell that knows the program's
    options that take a value (from its read table) finds the subcommand words as the
    rules do, and checks what it looked past against the prefix's exceptions."""
    git = {"git": RULES.options_with_arg("git")}
    kubectl = {"kubectl": RULES.options_with_arg("kubectl")}
    log, get = RULES.read_only_prefix(["git", "log"]), RULES.read_only_prefix(["kubectl", "get"])
    assert log is not None and get is not None
    assert RULES.read_only_prefix(["git", "-C", "src", "log"]) == log
    assert RULES.read_only_prefix(["kubectl", "--context", "prod", "get", "pods"]) == get
    for line in ("git -C src log --oneline", "git --no-pager log", "git -C src --git-dir=x log"):
        assert shell_lets_through(line, _kept(log), with_arg=git), line
        assert not shell_lets_through(line, _kept(log)), line    # (no table: not looked past)
    for line in ("git -c core.pager=less log",    # -c is one of log's exceptions
                 "git -C log",                    # log is -C's value: no subcommand
                 "git -- log", "git -C * log", "git -C src --exec-path=x log",
                 # quoted words are not the text standing in for them: `-''` is `-`
                 "git -'' log", "git -C 'src' log"):
        assert not shell_lets_through(line, _kept(log), with_arg=git), line
    assert shell_lets_through("kubectl -n prod get pods -o wide", _kept(get), with_arg=kubectl)
    # -n takes `delete` as its value, so the subcommand is get, as the rules read it
    assert shell_lets_through("kubectl -n delete get pods", _kept(get), with_arg=kubectl)
    assert not shell_lets_through("kubectl -v get pods", _kept(get), with_arg={"kubectl": frozenset({"-v"})})
    guard = Guard(Config(), RULES, use_llm=False)
    for line in ("git -C src log --oneline", "kubectl -n delete get pods", "git --no-pager log"):
        decision = guard.check(line, "/tmp")
        assert (decision.verdict.crud, decision.action) == (Crud.READ, "allow"), line
        assert guard.read_prefixes(line), line      # the reply names the prefix


def test_a_handler_that_only_reads_without_some_options_gives_a_prefix() -> None:
    """find's handler finds only a listing unless one of the options its
    ``reads_unless`` names is given: find alone is a prefix with those as exceptions."""
    from shellguard.rules import handlers

    find = RULES.read_only_prefix(["find"])
    assert find is not None and set(find.unless) == (
        handlers._FIND_DELETE | handlers._FIND_EXEC | handlers._FIND_WRITES)
    for line in ("find . -name '*.py' -type f", "find src -maxdepth 2 -newer x -print0",
                 "bfs -name x", "find . -executable"):
        assert shell_lets_through(line, _kept(RULES.read_only_prefix(line.split()))) == (
            "-exec" not in line), line
    for line in ("find . -delete", "find . -name x -exec rm {} +", "find . -fprint out",
                 "bfs . -rm", "find . -okdir rm {} +"):
        assert not shell_lets_through(line, _kept(find)), line
        assert Guard(Config(), RULES, use_llm=False).check(line, "/tmp").verdict.crud != Crud.READ
    assert not shell_lets_through("find -fls=x", _kept(find))    # (find: no such test)


def test_a_program_that_reads_when_given_an_option_first_needs_it() -> None:
    """`crontab -l` lists, `crontab -e` edits, `crontab file` installs: the prefix needs
    one of the reading rule's options as the first word, and rules out the others."""
    prefix = RULES.read_only_prefix(["crontab", "-l"])
    assert prefix is not None and {"+-l", "-e", "-r"} <= set(prefix.unless)
    kept = _kept(prefix)
    for line in ("crontab -l", "crontab -l -u bob", "sudo crontab -l"):
        assert shell_lets_through(line, kept), line
        decision = Guard(Config(), RULES, use_llm=False).check(line, "/tmp")
        assert (decision.verdict.crud, decision.action) == (Crud.READ, "allow"), line
    for line in ("crontab", "crontab jobs.txt", "crontab -e", "crontab -l -r", "crontab -u bob -l",
                 "crontab '-l'", "crontab -r -l"):
        assert not shell_lets_through(line, kept), line
    # a short one also inside a cluster of letters, as the rules read a cluster
    for line in ("crontab -lu bob", "fc -ln -1", "unzip -lv release.zip"):
        words = line.split()
        assert RULES.covering_prefix(words) is not None, line
        assert shell_lets_through(line, _kept(RULES.read_only_prefix(words))), line
        decision = Guard(Config(), RULES, use_llm=False).check(line, "/tmp")
        assert (decision.verdict.crud, decision.action) == (Crud.READ, "allow"), line
    for line in ("crontab -le", "crontab -l1", "crontab -x", "crontab -e-l"):
        assert not shell_lets_through(line, kept), line
    unzip = RULES.read_only_prefix(["unzip", "-l", "a.zip"])
    assert unzip is not None and {"+-l", "+--list"} <= set(unzip.unless)
    assert shell_lets_through("unzip --list a.zip", _kept(unzip))
    # a needed option with a value may be one switched off (`--dry-run=false`), and a
    # --no- form after it switches it off again
    assert not shell_lets_through("unzip --list=x a.zip", _kept(unzip))
    push = RULES.read_only_prefix(["git", "push"])
    assert push is not None and {"+--dry-run", "+-n", "--no-dry-run"} <= set(push.unless)
    for line in ("git push --dry-run=false", "git push --dry-run --no-dry-run origin",
                 "git push -n --no-dry-r origin"):
        assert not shell_lets_through(line, _kept(push)), line
    assert shell_lets_through("git push --dry-run origin main", _kept(push))
    assert prefix_entry(str(prefix)) == ("crontab", prefix.unless)
    # a program with subcommands never gets one for itself (its subcommand prefixes come
    # first); its subcommand words may (`git branch -a`, `git tag -l`)
    git = RULES.read_only_prefixes("git")
    assert all(not any(e[0] == "+" for e in p.unless) for p in git if " " not in p.words)
    assert {"git branch", "git tag"} <= {p.words for p in git if any(e[0] == "+" for e in p.unless)}


def test_every_prefix_only_reads_with_its_own_words() -> None:
    bad = counterexamples(RULES, samples=24)
    assert not bad, "\n".join(bad[:20])


def test_plain_reads_are_answered_as_the_parsed_line() -> None:
    """The classifier answers a plain line its read-only prefixes cover without parsing
    it: over the corpus, with the same class, reason and rules as the parsed line."""
    classifier = Classifier(RULES, None)
    ctx = classifier.context("/tmp")
    taken = 0
    for case in load_corpus(Path(__file__).parent / "corpus"):
        shortcut = classifier.plain_reads(case.command, ctx)
        if shortcut is None:
            continue
        taken += 1
        fast, parsed = Verdict.combine(shortcut), Verdict.combine(
            classifier.script(case.command, ctx, 0))
        if "fallback.incomplete" in parsed.rule_ids:
            # tree-sitter-bash wants a word after a last `==` (`... | grep -c ==`), which
            # bash runs as it is: the shortcut has it right
            assert case.command.endswith("=="), case.where
            parsed = Verdict.combine([f for f in parsed.findings
                                      if f.rule_id != "fallback.incomplete"])
        assert (fast.crud, fast.confirm, fast.reason, fast.rule_ids) == (
            parsed.crud, parsed.confirm, parsed.reason, parsed.rule_ids), case.where
    assert taken > 5_000
    # quoted text, what is not plain, and what no prefix covers are parsed
    for line in ("grep -c 'a b' f", "ls > out", "rm x", "ls | rm x", "git diff --output=d",
                 "tree -o out.txt", "ls $HOME"):
        assert classifier.plain_reads(line, ctx) is None, line


def test_a_derivation_that_ignores_options_is_caught(monkeypatch) -> None:
    """The check above can fail: treat every rule that needs an option as only reading,
    and lines such as `tree -o out.txt` come through."""
    monkeypatch.setattr(engine, "_options_it_needs",
                        lambda rule: frozenset() if rule.flags or rule.writes_option
                        or engine._only_reads(rule) else None)
    broken = load_rules(use_cache=False)
    assert counterexamples(broken, samples=12)


@pytest.mark.parametrize(("line", "commands"), [
    ("ls -la", [["ls", "-la"]]),
    ("  ls | grep x;cat y && wc -l &  ", [["ls"], ["grep", "x"], ["cat", "y"], ["wc", "-l"]]),
    ("ls |& grep x", [["ls"], ["grep", "x"]]),
    ("ls *.txt ~/x a=b", [["ls", "*.txt", "~/x", "a=b"]]),
    ("ls |", None), ("ls &&", None), ("ls ||", None), ("ls |& ", None), ("", None), (";", None),
    ("ls > x", None), ("ls $HOME", None), ("ls `x`", None),
    # quoted text that nothing expands stands in for itself, others turned into _
    ("ls 'a b'", [["ls", "a_b"]]), ("grep -c \"it's\" f|wc", [["grep", "-c", "it_s", "f"], ["wc"]]),
    ("jq '.a[] | .b' x", [["jq", ".a_____.b", "x"]]), ("ls -l'a'\"b\"", [["ls", "-lab"]]),
    ("ls '' x", [["ls", "_", "x"]]), ("echo '!$x'", [["echo", "__x"]]),
    ("'ls' x", None), ("ls;'rm' x", None), ("l's' x", None), ("ls 'x", None),
    ('ls "$HOME"', None), ('ls "!!"', None), ("ls 'é'", None),
    # a backslash in double quotes is data, unless it may escape the closing quote
    ('grep "a\\|b" f', [["grep", "a__b", "f"]]), ('ls "a\\"', None), ('ls "a\\\\"', None),
    ('ls "a\\"b"', None),
    # the shells scan quoted lines of 400 characters and 24 quotes at most
    ("ls " + "'a' " * 12, [["ls"] + ["a"] * 12]), ("ls " + "'a' " * 13, None),
    ("ls 'a' " + "x" * 393, [["ls", "a", "x" * 393]]), ("ls 'a' " + "x" * 394, None),
    ("ls # x", None), ("!!", None), ("ls\nrm x", None), ("ls (x)", None), ("ls [ab]", None),
    ("ls {a,b}", None), ("ls a\\ b", None), ("^ls^rm", None), ("ls é", None), ("ls\t-l", None),
])
def test_plain_lines(line: str, commands: list[list[str]] | None) -> None:
    assert plain_commands(line) == commands


@pytest.mark.parametrize(("line", "commands"), [
    ("ls -la 2>/dev/null", [["ls", "-la"]]), ("ls 2>&1 | head -5", [["ls"], ["head", "-5"]]),
    ("ls >/dev/null 2>&1 && echo ok", [["ls"], ["echo", "ok"]]), ("ls > /dev/null", [["ls"]]),
    ("ls &>/dev/null; cat f >&2", [["ls"], ["cat", "f"]]), ("ls 2>>/dev/null &", [["ls"]]),
    ("grep 'a b' f 2>/dev/null", [["grep", "a_b", "f"]]),
    ("ls 'x 2>/dev/null'", [["ls", "x_2_/dev/null"]]),       # quoted: data
    # not before the command's first word (zsh runs `>/dev/null` alone as `cat`)
    ("2>/dev/null ls", None), ("ls; >/dev/null", None), ("ls | 2>&1 cat", None),
    # nowhere but /dev/null, to the other output, from the standard ones
    ("ls >/dev/nullx", None), ("ls > out", None), ("ls 3>/dev/null", None), ("ls 2>&3", None),
    ("ls>/dev/null", None), ("ls 2>/dev/null>x", None), ("ls </dev/null", None),
    ("ls >& /dev/null", None), ("ls 2>|/dev/null", None),
])
def test_plain_lines_of_the_shells(line: str, commands: list[list[str]] | None) -> None:
    """The shells' plain lines may hold redirections that change nothing (not xonsh's)."""
    assert plain_commands(line, redirections=True) == commands
    if ">" in line.partition("'")[0]:
        assert plain_commands(line) is None


def test_guard_names_prefixes_only_when_the_config_runs_reads_unasked(tmp_path) -> None:
    rules = load_rules(use_cache=False)

    def prefixes(config: Config, line: str = "ls -la | grep x; rm y") -> tuple[str, ...]:
        return Guard(config, rules, use_llm=False).read_prefixes(line)

    assert prefixes(Config()) == ("ls", "grep")
    assert prefixes(Config(), "ls > out") == ()                        # not plain
    assert prefixes(Config(), "ls -la 2>/dev/null | grep x 2>&1") == ("ls", "grep")
    assert prefixes(Config(), "git status") != ()
    strict = Config()
    strict.actions[Crud.READ] = "confirm"
    assert prefixes(strict) == ()
    assert prefixes(Config(deny=("ls *secret*",))) == ()               # a glob may match
    assert prefixes(Config(deny=("cat notes.txt",))) == ()             # so may a command
    assert prefixes(Config(deny=("git.push-force",))) == ("ls", "grep")  # a rule id cannot
    assert prefixes(Config(deny=("ls",))) == ("grep",)                 # nor can another word
    # wrappers are looked past with the options plain.py knows; not with others
    assert prefixes(Config(), "sudo ls /root | sudo sudo grep x") == ("ls", "grep")
    assert prefixes(Config(), "sudo -u www ls | timeout 5 nice grep x") == ("ls", "grep")
    assert prefixes(Config(), "sudo -i ls") == () and prefixes(Config(), "sudo") == ()


def test_the_shells_look_past_wrappers() -> None:
    kept = {"ls": (), "git status": ("-c",), "crontab": ("+-l", "-e")}
    for line in ("sudo ls -la /root", "ls | sudo sudo git status -s", "sudo -u www ls",
                 "sudo -uwww -H -n -E ls", "sudo --user=www --group adm ls",
                 "timeout 10 ls", "timeout -s KILL --foreground 1.5m git status -s",
                 "timeout --kill-after=5 5s sudo crontab -l", "nice ls", "nice -n 5 ls",
                 "ionice -c3 -t ls", "watch ls -l", "watch -n 5 -d git status",
                 "watch --interval=2 -t ls"):
        assert shell_lets_through(line, kept), line
    assert shell_lets_through("ll", kept, {"ll": "sudo ls"})
    for line in ("sudo", "sudo -i", "sudo -s ls", "sudo -e ls", "sudo -Hu www ls", "sudo -u www",
                 "sudo -u * ls", "sudo -- ls", "sudo git status -c x", "sudo rm x", "sudo ll",
                 "sudo FOO=1 ls", "timeout ls", "timeout 5", "timeout 5m", "timeout .5 ls",
                 "timeout 5 -l", "timeout --sig=KILL 5 ls", "timeout 5 crontab -e", "nice -5 ls",
                 "nice -n ls", "ionice -p 1 ls", "ionice -c3", "watch -tn 5 ls", "watch ls *.log",
                 "watch ls 'a;rm x'", "watch -d=permanent ls", "watch rm x"):
        assert not shell_lets_through(line, kept, {"ll": "ls -l"}), line
    assert not shell_lets_through("s ls", kept, {"s": "sudo "})       # (its text ends in a blank)


def test_replies_carry_prefixes_after_the_class() -> None:
    # the shells allow a line from the reply's head: id, action, class, prefixes
    guard = Guard(use_llm=False)
    reply = json.loads(encode_response(answer(guard, b'{"id":1,"command":"ls -la | grep x"}')))
    assert list(reply)[:4] == ["id", "action", "classification", "read_prefixes"]
    assert reply["read_prefixes"] == "ls,grep"
    reply = json.loads(encode_response(answer(guard, b'{"id":2,"command":"ls > x"}')))
    assert "read_prefixes" not in reply
    # a long list is cut at a whole prefix, so the reply stays small
    many = tuple(f"tool{n} --option-{n}" for n in range(200))
    reply = json.loads(encode_response(Response(3, "READ", 0.9, "x", "rules", "allow",
                                                read_prefixes=many)))
    kept = reply["read_prefixes"].split(",")
    assert len(reply["read_prefixes"]) <= MAX_PREFIXES_CHARS and kept == list(many[:len(kept)])
