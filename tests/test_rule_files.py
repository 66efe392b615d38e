"""Every built-in rule file loads, and every rule's examples and `not` lines hold."""

from __future__ import annotations

import pytest

from shellguard.classify import Classifier
from shellguard.rules.engine import builtin_files, load_rules

RULES = load_rules(use_cache=False)  # with examples
CLASSIFIER = Classifier(RULES)
CASES = [
    pytest.param(rule, example, id=f"{rule.id}:{example[:40]}")
    for rule in sorted(RULES.all_rules(), key=lambda r: r.id)
    for example in rule.examples
]
NOT_CASES = [
    pytest.param(rule, example, id=f"{rule.id}:not:{example[:40]}")
    for rule in sorted(RULES.all_rules(), key=lambda r: r.id)
    for example in rule.not_examples
]


def test_builtin_files_load_without_errors() -> None:
    assert builtin_files(), "no rule files found"
    assert RULES.errors == []


def test_every_rule_has_an_example() -> None:
    missing = [rule.id for rule in RULES.all_rules() if not rule.examples]
    assert missing == []


def test_enough_commands_and_subcommands_are_known() -> None:
    assert len(list(RULES.all_rules())) >= 400


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_rule_example(rule, example: str, tmp_path) -> None:
    verdict = CLASSIFIER.classify(example, str(tmp_path))
    problem = rule.example_problem(verdict.crud, verdict.rule_ids)
    assert problem is None, f"{example!r} {problem} ({verdict.reason})"


@pytest.mark.parametrize(("rule", "example"), NOT_CASES)
def test_rule_not_example(rule, example: str, tmp_path) -> None:
    verdict = CLASSIFIER.classify(example, str(tmp_path))
    assert rule.id not in verdict.rule_ids


def stale_known_misses(rules, cwd: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Known misses the engine now gets right (they belong in the tested examples)."""
    classifier = Classifier(rules)
    return [(rule.id, example) for rule in rules.all_rules() for example in rule.known_miss
            if rule.id in (v := classifier.classify(example, cwd)).rule_ids
            and v.crud == rule.crud]


def test_no_known_miss_is_right_by_now(tmp_path) -> None:
    assert stale_known_misses(RULES, str(tmp_path)) == [], "move them from known_miss to examples"
    (tmp_path / "mine.toml").write_text(  # the check itself: a "miss" that is right is found
        '[[rule]]\nid = "mine.ship"\nprogram = "shipctl"\nclass = "UPDATE"\nwhy = "ships"\n'
        'examples = ["shipctl now"]\nknown_miss = ["shipctl later", "sudo rm -rf x"]\n')
    assert stale_known_misses(load_rules([tmp_path], use_cache=False), str(tmp_path)) == [
        ("mine.ship", "shipctl later")]


def test_user_rule_file_overrides_and_broken_file_is_reported(tmp_path) -> None:
    (tmp_path / "mine.toml").write_text(
        '[[rule]]\nid = "mine.deploy"\nprogram = "deployctl"\nsubcommand = ["ship"]\n'
        'class = "UPDATE"\nwhy = "ships the release"\nexamples = ["deployctl ship"]\n'
    )
    (tmp_path / "broken.toml").write_text('[[rule]]\nid = "x.y"\nprogram = "p"\nclass = "MAYBE"\nwhy = "w"\n')
    (tmp_path / "bad-syntax.toml").write_text("[[rule]\nid = 1\n")
    rules = load_rules([tmp_path])
    verdict = Classifier(rules).classify("deployctl ship", str(tmp_path))
    assert verdict.crud.name == "UPDATE" and "mine.deploy" in verdict.rule_ids
    assert any("broken.toml" in e and "'class'" in e for e in rules.errors)
    assert any("bad-syntax.toml" in e and "line 1" in e for e in rules.errors)
    # the built-in rules keep working
    assert Classifier(rules).classify("rm -rf build", str(tmp_path)).crud.name == "DELETE"


def test_writes_option_names_a_key_value_operand(tmp_path) -> None:
    # `dd of=FILE`: the file is an operand, not an option, and is checked all the same
    (tmp_path / "README.md").write_text("x\n")
    classify = CLASSIFIER.classify
    assert classify("dd if=img.png of=README.md", str(tmp_path)).crud.name == "UPDATE"
    assert classify("dd if=img.png of=new.img", str(tmp_path)).crud.name == "CREATE"
    assert classify("dd if=/dev/sda of=disk.img bs=4M", str(tmp_path)).crud.name == "CREATE"
    assert classify("dd if=big.iso of=/dev/null", str(tmp_path)).crud.name == "READ"
    assert classify("dd if=x.iso of=/dev/sdb", str(tmp_path)).crud.name == "DELETE"
    (tmp_path / "mine.toml").write_text(  # a user rule may name one
        '[[rule]]\nid = "mine.w"\nprogram = "wr"\nclass = "CREATE"\nwhy = "writes"\n'
        'writes_option = ["out="]\nexamples = ["wr out=new.txt"]\n')
    (tmp_path / "bad.toml").write_text(  # a bare word is refused
        '[[rule]]\nid = "mine.bad"\nprogram = "wr2"\nclass = "CREATE"\nwhy = "writes"\n'
        'writes_option = ["out"]\nexamples = ["wr2 out x"]\n')
    (tmp_path / "reads.toml").write_text(  # reads, unless out= names a file
        '[[rule]]\nid = "mine.r"\nprogram = "rd"\nclass = "READ"\nwhy = "prints"\n'
        'examples = ["rd x"]\n\n'
        '[[rule]]\nid = "mine.r-out"\nprogram = "rd"\nclass = "READ"\nwhy = "prints"\npriority = 1\n'
        'writes_option = ["out="]\nexamples = ["rd out=x"]\n')
    rules = load_rules([tmp_path], use_cache=False)
    assert Classifier(rules).classify("wr out=README.md", str(tmp_path)).crud.name == "UPDATE"
    assert any("mine.bad" in e and "'writes_option'" in e for e in rules.errors)
    # the shells' plain-line check only looks at options: no read-only prefix for `rd`
    assert rules.read_only_prefix(["rd"]) is None


def _classifier_of(rule_dir):  # type: ignore[no-untyped-def]
    """The classify method of the rules in ``rule_dir``, which must load cleanly."""
    rules = load_rules([rule_dir], use_cache=False)
    assert not rules.errors
    return Classifier(rules).classify


def test_single_dash_long_option_with_a_value_is_that_option(tmp_path) -> None:
    # Go's flag package and Java tools take `-name=value`: the rule's `-name` holds,
    # while elsewhere `-Dkey=v` is no cluster of -D, -k ...
    (tmp_path / "mine.toml").write_text(
        '[program.gotool]\nsingle_dash_long = true\n\n'
        '[[rule]]\nid = "mine.gen"\nprogram = "gotool"\nclass = "READ"\nwhy = "prints"\n'
        'examples = ["gotool -src=a.go"]\n\n'
        '[[rule]]\nid = "mine.gen-out"\nprogram = "gotool"\nflags = ["-out"]\nclass = "CREATE"\n'
        'why = "writes"\nexamples = ["gotool -out x.go", "gotool -out=x.go"]\n\n'
        '[[rule]]\nid = "mine.d"\nprogram = "dtool"\nclass = "READ"\nwhy = "prints"\n'
        'examples = ["dtool -Dfoo=bar"]\n\n'
        '[[rule]]\nid = "mine.d-force"\nprogram = "dtool"\nflags = ["-f"]\nclass = "DELETE"\n'
        'why = "removes"\nexamples = ["dtool -f"]\n')
    classify = _classifier_of(tmp_path)
    assert classify("gotool -src=a.go -out=x.go", str(tmp_path)).crud.name == "CREATE"
    assert classify("gotool -src=a.go", str(tmp_path)).crud.name == "READ"
    assert classify("dtool -Dfoo=bar", str(tmp_path)).crud.name == "READ"


def test_an_option_given_twice_reads_only_when_both_values_do(tmp_path) -> None:
    # `wget -O- -O page.html` saves the page: a rule that only reads holds on every
    # value given, one that does more on any
    (tmp_path / "mine.toml").write_text(
        '[program.fetch]\noptions_with_arg = ["-o"]\n\n'
        '[[rule]]\nid = "mine.save"\nprogram = "fetch"\nclass = "CREATE"\nwhy = "saves"\n'
        'examples = ["fetch -o page.html u"]\n\n'
        '[[rule]]\nid = "mine.print"\nprogram = "fetch"\noption_values = ["-o=-"]\n'
        'priority = 1\nclass = "READ"\nwhy = "prints"\nexamples = ["fetch -o - u"]\n\n'
        '[[rule]]\nid = "mine.to-null"\nprogram = "fetch"\noption_values = ["-o=/dev/*"]\n'
        'priority = 1\nclass = "CREATE"\nwhy = "devices"\nexamples = ["fetch -o /dev/sda u"]\n')
    classify = _classifier_of(tmp_path)
    assert classify("fetch -o - u", str(tmp_path)).crud.name == "READ"
    assert classify("fetch -o - -o page.html u", str(tmp_path)).crud.name == "CREATE"
    assert classify("fetch -o page.html -o - u", str(tmp_path)).crud.name == "CREATE"
    assert classify("fetch -o - -o /dev/sda u", str(tmp_path)).rule_ids == ("mine.to-null",)


def test_a_long_option_abbreviated_counts_where_it_asks(tmp_path) -> None:
    # getopt_long, git and argparse take any start of a long option's name that names no
    # other: it holds for a rule that does more than read, and against one that reads;
    # a word that is an option the rules name is that option (`--json`, not --json-out)
    (tmp_path / "mine.toml").write_text(
        '[program.rep]\noptions_with_arg = ["--json"]\n\n'
        '[[rule]]\nid = "mine.show"\nprogram = "rep"\nclass = "READ"\nwhy = "prints"\n'
        'no_flags = ["--keep-going"]\nexamples = ["rep x"]\n\n'
        '[[rule]]\nid = "mine.out"\nprogram = "rep"\nflags = ["--json-out", "--output"]\n'
        'class = "CREATE"\nwhy = "writes"\nexamples = ["rep --output f x"]\n')
    classify = _classifier_of(tmp_path)
    for line in ("rep --outp=f x", "rep --o f x", "rep --json-o=r.json x"):
        assert classify(line, str(tmp_path)).rule_ids == ("mine.out",), line
    assert classify("rep --json x", str(tmp_path)).rule_ids == ("mine.show",)
    assert classify("rep -o f x", str(tmp_path)).rule_ids == ("mine.show",)   # not long
    assert classify("rep --keep-g x", str(tmp_path)).rule_ids != ("mine.show",)
    # (one that ends where a word of the name does is most often an option too)
    assert classify("rep --keep x", str(tmp_path)).rule_ids == ("mine.show",)


@pytest.mark.parametrize(("line", "crud"), [
    ("kubectl apply -f deploy.yaml --dry-run=client", "READ"),
    ("kubectl delete pod web-0 --dry-run=server", "READ"),
    ("kubectl --dry-run apply -f x.yaml", "READ"),
    ("oc delete project x --dry-run=server", "READ"),
    ("helm uninstall web --dry-run", "READ"),
    ("helm upgrade --install web ./chart --dry-run=client", "READ"),
    ("npm publish --dry-run", "READ"),
    # switched off, or not known to be on: the rules decide
    ("kubectl delete pod x --dry-run=none", "DELETE"),
    ("kubectl apply -f x.yaml --dry-run=$MODE", "UPDATE"),
    ("helm uninstall web --dry-run=false", "DELETE"),
    ("kubectl delete -f - --dry-run=client --dry-run=none", "DELETE"),
    ("npm publish --dry-run=false", "UPDATE"), ("npm publish --dry-run=", "UPDATE"),
    ("git push --dry-run=0 origin main", "UPDATE"),
    # not the program's option at all: another option's value, quoted text, after --
    ("kubectl delete ns prod --cache-dir --dry-run=client", "DELETE"),
    ("kubectl delete ns prod --cache-dir 'note --dry-run=client'", "DELETE"),
    ("kubectl delete ns prod -- --dry-run=client", "DELETE"),
])
def test_dry_run_options_count_only_when_switched_on(line: str, crud: str, tmp_path) -> None:
    assert CLASSIFIER.classify(line, str(tmp_path)).crud.name == crud


@pytest.mark.parametrize(("line", "crud"), [
    ("parted /dev/sda print", "READ"), ("parted -s /dev/sda unit MiB print free", "READ"),
    # parted runs every command of its line, abbreviations included
    ("parted /dev/sda print mkla gpt", "DELETE"), ("parted /dev/sda unit s p mkta msdos", "DELETE"),
    ("parted /dev/sda print resizep 2 100%", "UPDATE"), ("parted -s /dev/sda p mkp primary 0% 50%", "CREATE"),
])
def test_parted_reads_only_when_nothing_follows_the_print(line: str, crud: str, tmp_path) -> None:
    assert CLASSIFIER.classify(line, str(tmp_path)).crud.name == crud


def test_rules_read_with_a_broken_builtin_file_are_not_cached(tmp_path, monkeypatch) -> None:
    """Mid-upgrade, code and rule files of two versions meet: a built-in file that fails
    must not leave a rule set without it in the cache for every later start."""
    from shellguard.rules import engine

    builtin = tmp_path / "builtin-extra.toml"
    builtin.write_text('[[rule]]\nid = "x.y"\nprogram = "p"\nclass = "MAYBE"\nwhy = "w"\n')
    real = engine.builtin_files()
    monkeypatch.setattr(engine, "builtin_files", lambda: [*real, builtin])
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    rules = engine.load_rules()
    assert any("builtin-extra.toml" in e for e in rules.errors)
    assert not list((tmp_path / "cache").rglob("rules-*.pickle"))
    builtin.write_text('[[rule]]\nid = "x.y"\nprogram = "p"\nclass = "READ"\nwhy = "w"\n')
    assert not engine.load_rules().errors
    assert len(list((tmp_path / "cache").rglob("rules-*.pickle"))) == 1


def test_rsync_syncs_a_directory_into_one_that_exists(tmp_path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "build").mkdir()
    classify = CLASSIFIER.classify
    assert classify("rsync -a src/ build/", str(tmp_path)).crud.name == "UPDATE"
    assert classify("rsync -a src/ fresh/", str(tmp_path)).crud.name == "CREATE"
    assert classify("rsync -a host:/var/log/syslog build/", str(tmp_path)).crud.name == "CREATE"
