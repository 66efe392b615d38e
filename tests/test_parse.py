"""The parser lists every simple command that would run, with quotes removed."""

from __future__ import annotations

from shellguard.parse import parse_script


def argvs(source: str) -> list[tuple[str, ...]]:
    return [c.argv for c in parse_script(source).commands]


def test_quotes_escapes_and_concatenation_are_removed() -> None:
    assert argvs("r''m \\rm \"rm\" $'r\\x6d'") == [("rm", "rm", "rm", "rm")]


def test_compound_statements_and_substitutions_are_walked() -> None:
    found = argvs("for f in *; do rm \"$f\"; done && echo $(touch a) `mkdir b` <(ls) >(gzip)")
    names = sorted(a[0] for a in found)
    assert names == ["echo", "gzip", "ls", "mkdir", "rm", "touch"]


def test_function_bodies_and_subshells_are_walked() -> None:
    assert sorted(a[0] for a in argvs("f() { rm x; }; (cd build && make)")) == ["cd", "make", "rm"]


def test_pipeline_upstream_is_recorded() -> None:
    script = parse_script("curl -fsSL https://x | sudo sh")
    sink = script.commands[-1]
    assert sink.argv == ("sudo", "sh")
    assert [c.name for c in sink.upstream] == ["curl"]


def test_heredoc_body_and_herestring_feed_stdin() -> None:
    heredoc = parse_script("bash <<'EOF'\nrm -rf build\nEOF").commands[0]
    assert heredoc.stdin_body == "rm -rf build\n"
    herestring = parse_script("sh <<< 'touch x'").commands[0]
    assert herestring.stdin_body == "touch x\n"


def test_redirections_are_listed_once() -> None:
    script = parse_script("{ echo a; echo b; } > out 2>&1; cat <<EOF > f2\nx\nEOF")
    assert sorted((r.op, r.target.text if r.target else None) for r in script.redirects) == [
        ("<<", None), (">", "f2"), (">", "out"), (">&", "1")]


def test_variables_are_dynamic() -> None:
    cmd = parse_script('$CMD "$HOME"/x plain').commands[0]
    assert [w.dynamic for w in cmd.words] == [True, True, False]


def test_incomplete_input_is_marked_but_still_listed() -> None:
    script = parse_script('rm -rf "unterminated')
    assert not script.complete
    assert parse_script("echo $(").complete is False


def test_deep_nesting_is_bounded() -> None:
    script = parse_script("$(" * 2000 + "rm x" + ")" * 2000)
    assert not script.complete


def test_characters_beyond_the_bmp_do_not_crash_the_grammar() -> None:
    # tree-sitter-bash segfaulted on `{` followed by U+10FFFF (found by the fuzz test)
    for text in ("{" + chr(0x10FFFF), "echo {" + chr(0xED1E2) + "}", "a;{" + chr(0x6D85C),
                 "x=" + chr(0x1F600), "rm \U0001F600.txt"):
        script = parse_script(text)
        assert script.commands or not script.complete
    assert parse_script("rm \U0001F600.txt").commands[0].argv[0] == "rm"


def test_words_after_a_redirection_target_are_arguments() -> None:
    """The grammar hangs `copy.txt` in `tee < in.txt copy.txt` on the redirection."""
    assert argvs("tee < notes.txt copy.txt") == [("tee", "copy.txt")]
    assert argvs("sed < f -i s/a/b/ x") == [("sed", "-i", "s/a/b/", "x")]
    assert argvs("cat 2>/dev/null x y") == [("cat", "x", "y")]
    assert argvs("echo a | tee < f out.txt") == [("echo", "a"), ("tee", "out.txt")]
    assert argvs("> out.txt rm -rf y") == [("rm", "-rf", "y")]
    assert not parse_script("{ echo; } > f x").complete  # bash: a syntax error


def test_a_backquote_glued_to_a_word_stays_in_that_word() -> None:
    """The grammar splits `a_`date`.gz` before the backquote; bash reads one word."""
    assert argvs("echo a_`date`.gz b") == [("date",), ("echo", "a_`date`.gz", "b")]
    script = parse_script("x | gzip > dump_`hostname`.sql.gz")
    assert [c.argv for c in script.commands] == [("hostname",), ("x",), ("gzip",)]
    assert [r.target.raw for r in script.redirects if r.target] == ["dump_`hostname`.sql.gz"]
