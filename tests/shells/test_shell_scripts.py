"""The scripts `shellguard init` prints: rendering, syntax, shellcheck, packaging, CLI."""

from __future__ import annotations

import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from shellguard import __version__, shells
from shellguard.cli import main
from shellguard.errors import ExitCode, ShellguardError
from shellguard.parse.plain import WRAPPERS
from shellguard.protocol import Response, encode_response

REPO = Path(__file__).resolve().parents[2]


def _run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, **kw)


@pytest.mark.parametrize("kind", ["zsh", "bash"])
def test_rendered_script_bakes_the_interpreter_and_sources_the_package(kind):
    text = shells.render(kind)
    assert sys.executable in text.splitlines()[3]
    assert text.endswith(f"builtin source -- {shells.script_path(kind)}\n")


def test_zsh_scripts_parse():
    if not shutil.which("zsh"):
        pytest.skip("zsh is not installed")
    for text in (shells.render("zsh"), shells.render("zsh", compiled=True),
                 shells.script_path("zsh").read_text(),
                 (REPO / "shell/zsh/shellguard.plugin.zsh").read_text()):
        result = _run(["zsh", "-n"], input=text)
        assert result.returncode == 0 and result.stderr == "", result.stderr


def test_bash_script_parses_and_passes_shellcheck():
    script = shells.script_path("bash")
    # shellguard.bash reads shellguard-check.bash at the first check: one program
    both = script.read_text() + (script.parent / "shellguard-check.bash").read_text()
    for text in (shells.render("bash"), both):
        result = _run(["bash", "-n"], input=text)
        assert result.returncode == 0 and result.stderr == "", result.stderr
    if not shutil.which("shellcheck"):
        pytest.skip("shellcheck is not installed")
    for argv in (["--shell=bash", "-"], ["--shell=sh", str(REPO / "bin/shellguard")]):
        result = _run(["shellcheck", *argv], input=shells.render("bash"))
        assert result.returncode == 0, result.stdout
    result = _run(["shellcheck", "--shell=bash", "-"], input=both)
    assert result.returncode == 0, result.stdout


def test_scripts_are_quiet_and_inert_outside_interactive_shells(tmp_path):
    for kind in ("zsh", "bash"):
        if not shutil.which(kind):
            continue
        script = tmp_path / f"init.{kind}"
        script.write_text(shells.render(kind))
        result = _run([kind, "-c", f"source {script}; printf '%s' \"${{_SHELLGUARD_PID-unset}}\""])
        assert result.returncode == 0 and result.stderr == ""
        assert result.stdout == "unset"


def test_bash_reads_its_checking_code_at_the_first_check_not_at_start_up(tmp_path):
    """Parsing it costs ~3 ms: start-up defines stand-ins that read it when called."""
    script = tmp_path / "init.bash"
    script.write_text(shells.render("bash"))
    probe = ("declare -F _shellguard_query >/dev/null && echo at-start-up; "
             "_shellguard_load && declare -F _shellguard_query")
    result = _run(["bash", "--norc", "-i", "-c", f"source {script}; {probe}"],
                  env={"PATH": os.environ["PATH"], "HOME": str(tmp_path),
                       "SHELLGUARD_DISABLE": "1"})
    assert result.stdout == "_shellguard_query\n", result.stderr


def test_xonsh_prints_its_init_file():
    path = REPO / "shell/xonsh/init.xsh"
    if not path.exists():
        with pytest.raises(ShellguardError, match="xonsh"):
            shells.render("xonsh")
    else:
        assert shells.render("xonsh") == path.read_text()


@pytest.mark.parametrize("kind", ["bash", "zsh"])
def test_agent_script_or_a_clear_error(kind):
    path = REPO / "shell" / kind / f"shellguard-agent.{kind}"
    if path.exists():
        body = shells.script_path(kind, agent=True)
        assert shells.render(kind, agent=True).endswith(f"builtin source -- {body}\n")
    else:
        with pytest.raises(ShellguardError, match="agent guard") as err:
            shells.render(kind, agent=True)
        assert err.value.exit_code == ExitCode.UNAVAILABLE


def test_unknown_shell_and_xonsh_agent_are_usage_errors():
    with pytest.raises(ShellguardError) as err:
        shells.render("fish")
    assert err.value.exit_code == ExitCode.USAGE
    with pytest.raises(ShellguardError) as err:
        shells.render("xonsh", agent=True)
    assert err.value.exit_code == ExitCode.USAGE


def test_init_command_prints_the_script(capsys):
    assert main(["init", "bash"]) == 0
    assert capsys.readouterr().out == shells.render("bash")


def test_init_without_the_launchers_cache_skips_the_heavy_imports():
    """When the launcher's cache cannot be used, every shell start runs the Python init."""
    probe = ("import sys; from shellguard.cli import main; assert main(['init', 'zsh']) == 0; "
             "heavy = {'argparse', 'shlex', 'typing', 'shellguard.errors', "
             "'shellguard.classify'} & set(sys.modules); sys.stderr.write(repr(sorted(heavy)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout == shells.render("zsh", compiled=True)
    assert out.stderr == "[]"


def test_init_help_teaches_one_line_per_shell(capsys):
    with pytest.raises(SystemExit):
        main(["init", "--help"])
    out = capsys.readouterr().out
    assert 'eval "$(shellguard init zsh)"' in out
    assert 'eval "$(shellguard init bash)"' in out
    assert "shellguard init xonsh" in out


def test_allow_always_appends_to_the_config(tmp_path, capsys):
    assert main(["allow", "--always", "--cwd", str(tmp_path), "--", "make deploy"]) == 0
    assert main(["allow", "--always", "--anywhere", "--", "ls\n-l"]) == 0
    from shellguard import paths

    data = tomllib.loads(paths.config_file().read_text())
    assert data["always"] == [{"command": "make deploy", "cwd": str(tmp_path)},
                              {"command": "ls\n-l", "cwd": ""}]
    assert "always allowed" in capsys.readouterr().out
    assert main(["allow", "--always", "--"]) == ExitCode.USAGE


def test_plugin_shim_is_two_lines():
    lines = (REPO / "shell/zsh/shellguard.plugin.zsh").read_text().splitlines()
    assert len(lines) == 2 and "shellguard init zsh" in lines[1]


def test_wheel_ships_the_shell_scripts(tmp_path):
    """A normal (non-editable) install must find the scripts: they are package data."""
    # Build isolation fetches the setuptools pyproject.toml asks for (network needed).
    result = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                   str(REPO)])
    if result.returncode != 0 and any(word in result.stderr for word in
                                      ("Could not find a version", "NewConnectionError",
                                       "Temporary failure in name resolution")):
        pytest.skip(f"cannot fetch the build backend: {result.stderr.strip()[-200:]}")
    assert result.returncode == 0, result.stderr
    wheel = next(tmp_path.glob("shellguard-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("shellguard/shell/zsh/shellguard.zsh", "shellguard/shell/bash/shellguard.bash",
                 "shellguard/shell/bash/shellguard-check.bash",
                 "shellguard/shell/zsh/shellguard.plugin.zsh",
                 # the sh front, installed as it is, and the Python CLI behind it
                 f"shellguard-{__version__}.data/scripts/shellguard"):
        assert name in names
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read(f"shellguard-{__version__}.data/scripts/shellguard") == (
            REPO / "bin" / "shellguard").read_bytes()
        entry_points = archive.read(f"shellguard-{__version__}.dist-info/entry_points.txt").decode()
    assert "shellguard-py = shellguard.cli:main" in entry_points


def _functions(kind: str, *names: str) -> str:
    """The named functions as the shell's scripts define them."""
    script = shells.script_path(kind)
    text = "".join(path.read_text() for path in sorted(script.parent.glob(f"*.{kind}")))
    found = [re.search(rf"^{name}\(\) {{\n.*?^}}\n", text, re.M | re.S) for name in names]
    assert all(found), names
    return "".join(match.group(0) for match in found)


@pytest.mark.parametrize("kind", ["bash", "zsh"])
def test_plain_line_check_agrees_with_the_reference(kind, tmp_path):
    """Both shells' `_shellguard_plain_reads` decide as the Python reference does (which
    tests/test_read_prefixes.py holds to the classifier), on thousands of random lines."""
    if not shutil.which(kind):
        pytest.skip(f"{kind} is not installed")
    sys.path.insert(0, str(REPO / "tests"))
    from test_read_prefixes import shell_lets_through

    kept = {"ls": (), "cat": (), "grep": (), "git status": ("--config-env", "--exec", "-c"),
            "tree": ("-o",), "gh pr list": ("--web",),
            # words a rule that does more than read takes as its subcommand
            "datasette": ("--create", "=install", "=publish"), "docker compose": ("-f", "=up", "=rm"),
            # options a prefix needs first
            "crontab": ("+--list", "+-l", "-e", "-r", "--list=", "--no-list")}
    # a read table's options that take a value: options before subcommand words are looked past
    with_arg = {"git": frozenset({"-C", "-c", "--git-dir"}), "docker": frozenset({"-H", "--context"}),
                "gh": frozenset()}
    # expanded by the shells as they check a line, when their text is plain
    aliases = {"ll": "ls -la", "t": "tree -o out", "tl": "tree -L", "g": "git",
               "gst": "git status", "bad": "ls;rm", "sp": "ls ", "cat": "cat -v",
               "gpr": "gh pr", "loop": "loop2", "loop2": "loop", "su": "sudo ls", "sd": "sudo "}
    tokens = ["ls", "cat", "grep", "git", "status", "log", "tree", "rm", "gh", "pr", "list", "sudo",
              "datasette", "install", "publish", "serve", "db.sqlite", "docker", "compose", "up",
              "ps", "=up", "upx", "'up'", "inst*", "-C", "-H", "--context", "--context=x",
              "--no-pager", "src", "-C*", "-Cx", "crontab", "--list", "--list=x", "-e", "-r", "-lr",
              "--list=false", "--lis=0", "--no-list", "--no-l", "--lis",
              *aliases,
              "--web", "-c", "-xc", "-cx",
              "--exec", "--exec=x", "--execute", "-la", "-o", "-ao", "-L", "2", "x", "*.txt",
              # an exception's letter late in a cluster, or after a value's =
              "-xyo", "-Lyc", "-w=o", "-e=1",
              # abbreviated long options (`--ex` is --exec to the rules)
              "--ex", "--exe=x", "--we", "--config-e", "--c", "--w=1", "--e*",
              "~/x", "a=b", "@", "*", "-", "--",
              # quoted: data when nothing in it expands, and never a first word
              # wrappers, their options and durations (`timeout 1.5m`)
              "timeout", "watch", "nice", "ionice", "-u", "-n", "-t", "-c3", "-ux", "--signal=x",
              "--user", "5", "1.5m", "5s", "5x", ".5", "1.2.3", "-H", "-E", "-i", "-x",
              "'x y'", '"a b"', "'-c'", '"--exec"', "-'x'c", "'|'", "'a;rm'", "''", '""',
              '"$x"', '"!"', "'!'", "'$x'", '"it\'s"', "'ls'", "x'y'", '"--web"', "'>'",
              '"a\\b"', "'a\\b'", "'é'", "'unclosed", "'(x)'", '"a\\|b"', '"a\\"', '"a\\\\"',
              # redirections: those that change nothing are dropped, after a first word
              "2>/dev/null", "2>&1", ">/dev/null", "&>/dev/null", ">&2", "1>>/dev/null", "&>>",
              "/dev/null", ">", "2>", ">&", "2>&3", ">/dev/nullx", "3>/dev/null", "'>/dev/null'",
              "2>/dev/null|", "2>&1;", "x>/dev/null", "&1", "&"]
    joints = [" ", " ", " ", "  ", "\t", " | ", "|", " || ", "&&", " ; ", ";", " & ", " |& "]
    odd = ["'", '"', "$", ">", "<", "(", ")", "#", "!", "\\", "[", "]", "{", "^", "`"]
    rng = random.Random(11)
    lines = []
    for _ in range(3000):
        parts = [rng.choice(["", " ", "  "])]
        for _ in range(rng.randint(1, 7)):
            parts += [rng.choice(tokens), rng.choice(joints)]
        if rng.random() < 0.15:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(odd))
        lines.append("".join(parts).rstrip("\n"))
    # the longest line a shell checks itself, and one character more
    lines += ["ls " + "x" * 4093, "ls " + "x" * 4094, "ls" + " -l" * 1400]
    lines += ["gh pr list", "gh pr list --web", "gh pr list -w --webx", "gh  pr  list -R x",
              "gh pr", "gh pr view", "gh", "ls | gh pr list -s open", "gh pr list; rm x",
              "git status --short", "git  status", "git log",
              "ll x", "t x", "tl 2", "g status", "gst -c x", "gst", "bad", "sp ls", "cat f",
              "gpr list", "gpr list --web", "loop", "ll | gst", "g  status -s; ll",
              "sudo ls", "sudo  sudo git status -s", "sudo", "sudo -u x ls", "ls | sudo cat x",
              "sudo ll", "sudo rm x", "sudo gh pr list --web", "su", "sp sudo ls",
              "datasette serve db.sqlite", "datasette install x", "datasette db --create",
              "datasette x publish", "docker compose ps", "docker compose up -d",
              "docker compose -f x ps", "docker compose ps up", "docker compose 'up'",
              "git -C src status", "git -C src -c x status", "git --no-pager status -s",
              "git -C", "git -C status", "git -C src", "git -- status", "git -C * status",
              "git -Csrc status", "git --git-dir=x status", "git --git-dir x status",
              "docker -H x compose ps", "docker --context x compose -f y ps", "docker -H x -H y compose ps",
              "docker --context=x compose up", "gh -R x pr list", "gh --web pr list",
              "g -C src status", "sudo git -C src status", "ls -C src", "datasette 'x' serve",
              "crontab -l", "crontab -l -u x", "crontab -u x -l", "crontab", "crontab -e", "crontab -l -e",
              "crontab '-l'", "crontab --list=y", "crontab --lis", "crontab  -l", "sudo crontab -l",
              "crontab -ll", "crontab -lx", "crontab -xl", "crontab -le", "crontab -l1", "crontab -l-l",
              "crontab -xy", "crontab -", "crontab --list --list=false", "crontab -l --lis=0",
              "crontab --list --lis", "crontab -l --no-list", "crontab -l --no-l",
              "git -'' status", "git -C 'x' status", "git -C x status 'y'",
              "sudo -u x ls", "sudo -ux ls", "sudo -u * ls", "sudo -u", "sudo -u x", "sudo -i ls",
              "sudo -Hn ls", "sudo -H -n -E ls", "sudo --user=x git status", "sudo --user x ls",
              "sudo -- ls", "sudo -u x -- ls", "timeout 5 ls", "timeout 5s cat f", "timeout 1.5m ls",
              "timeout ls", "timeout 5", "timeout .5 ls", "timeout 5. ls", "timeout 1.2.3 ls",
              "timeout 5x ls", "timeout -s KILL 5 ls", "timeout --signal=KILL 5 ls", "timeout -k5 5 ls",
              "timeout --kill-after 5 5 ls", "timeout --foreground 5 rm x", "timeout 5 -l",
              "timeout 5 sudo -u x nice -n 5 ionice -c3 ls", "nice ls", "nice -n 5 ls", "nice -n ls",
              "nice -5 ls", "nice --adjustment=5 ls", "ionice -c 3 ls", "ionice -p 1 ls",
              "ionice -t -c3 -n7 ls", "watch ls", "watch -n 5 git status", "watch -n5 ls",
              "watch ls *.txt", "watch ls 'x'", "watch -tn 5 ls", "watch -d=x ls", "watch -x ls -la",
              "watch --interval=5 ls | watch -t cat", "ll | timeout 5 ll", "sudo watch ls",
              "watch sudo ls x*", "timeout 5 crontab -l", "timeout 5 crontab -e",
              "ls 2>/dev/null", "ls -la 2>&1 | grep x", "ls >/dev/null 2>&1 && cat f",
              "ls > /dev/null", "ls &>/dev/null; cat f >&2", "2>/dev/null ls", "ls; >/dev/null",
              "ls | 2>&1 cat", "ls >/dev/nullx", "ls 2>&12", "ls 2>&1&", "ls >>&1", "ls &>&1",
              "grep 'a' f 2>/dev/null | cat", "ls 2>&1 | grep 'x;y'", "ls 'x' 2>&1 | gh pr list 'w'",
              "ls 2>&1 | gh pr list '--web'", "ls &>/dev/null | gh pr list '--web'",
              "git status -s 2>/dev/null", "git 2>/dev/null status", "sudo ls 2>&1",
              # the bounds of the quoted scan: 24 quotes, 400 characters
              "ls " + "'a' " * 12, "ls " + "'a' " * 13, "ls 'a' " + "x" * 393, "ls 'a' " + "x" * 394]
    source = tmp_path / "lines"
    source.write_text("".join(line + "\n" for line in lines))
    kept_text = ",".join(" ".join((words, *unless)) for words, unless in kept.items())
    defined = "".join(f"alias {name}={shlex.quote(text)}\n" for name, text in aliases.items())
    table = "".join(f"_SHELLGUARD_WITH_ARG[{name}]=' {' '.join(sorted(options))} '\n"
                    for name, options in with_arg.items()) + "".join(
        f"_SHELLGUARD_WRAPPERS[{name}]={shlex.quote(wrapper.spec())}\n"
        for name, wrapper in WRAPPERS.items())
    helpers = ("_shellguard_unquote", "_shellguard_drop_redirections", "_shellguard_command_of",
               "_shellguard_past_options", "_shellguard_exceptions",
               "_shellguard_needed_first") if kind == "bash" else ()
    script = _functions(kind, "_shellguard_keep_reads", "_shellguard_plain_reads", *helpers) + (
        f"{'shopt -s expand_aliases' if kind == 'bash' else ''}\n{defined}"
        f"typeset -A _SHELLGUARD_READS _SHELLGUARD_READ_STARTS _SHELLGUARD_WITH_ARG _SHELLGUARD_WRAPPERS\n"
        f"_shellguard_keep_reads '{kept_text}'\n{table}"
        f"while IFS= read -r line; do\n"
        f"  if _shellguard_plain_reads \"$line\"; then echo 1; else echo 0; fi\n"
        f"done < {source}\n")
    argv = [kind, "-f"] if kind == "zsh" else [kind, "--norc", "--noprofile"]
    result = _run([*argv, "-c", script], env={"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0 and result.stderr == "", result.stderr
    answers = result.stdout.split()
    assert len(answers) == len(lines)
    disagree = [(line, got) for line, got in zip(lines, answers, strict=True)
                if got != ("1" if shell_lets_through(line, kept, aliases, with_arg) else "0")]
    assert not disagree, disagree[:10]
    assert 0 < answers.count("1") < len(lines)       # both answers were exercised


@pytest.mark.parametrize("kind", ["bash", "zsh"])
def test_the_scripts_look_past_the_wrappers_plain_py_names(kind):
    """Each script's table of wrappers is plain.py's WRAPPERS, in its spec form."""
    text = shells.script_path(kind).read_text()
    table = re.search(r"^(?:typeset|declare) -gA _SHELLGUARD_WRAPPERS=\(\n(.*?)^\)", text, re.M | re.S)
    assert table is not None
    entry = r"\[(\w+)\]='([^']*)'" if kind == "bash" else r"(\w+) '([^']*)'"
    assert dict(re.findall(entry, table.group(1))) == {
        name: wrapper.spec() for name, wrapper in WRAPPERS.items()}


@pytest.mark.parametrize("kind", ["bash", "zsh"])
def test_reply_parsing_agrees_with_json(kind, tmp_path):
    """The shells take replies apart by position (`_shellguard_parse`; zsh also reads an
    allowed line from the reply's head, `_shellguard_allowed_head`): they must read what
    `json.loads` reads, for every shape `encode_response` writes."""
    if not shutil.which(kind):
        pytest.skip(f"{kind} is not installed")
    reasons = ["rm: removes files", 'writes "a b" (quoted)', "back\\slash and / slash",
               "two\nlines\tand a tab", "caf\u00e9 \u2014 non-ASCII", "x" * 500, ""]
    replies = []
    for n, reason in enumerate(reasons):
        for action, crud in (("allow", "READ"), ("confirm", "DELETE"), ("deny", "UPDATE")):
            for prefixes in ((), ("ls", "git status -c --exec")):
                table = "0123456789abcdef0123" if n % 2 else ""
                replies.append(encode_response(Response(
                    n + 1, crud, 0.9, reason, "rules", action, None, prefixes, table),
                    pad=256 if kind == "bash" else 0).decode().rstrip(" \n"))
    source = tmp_path / "replies"
    source.write_text("".join(line + "\n" for line in replies))
    show = ('printf "%s|%s|%s|%s|%s\\n" "$_SHELLGUARD_CLASS" "$_SHELLGUARD_ACTION" '
            '"$_SHELLGUARD_NEW_READS" "$_SHELLGUARD_NEW_TABLE" "${_SHELLGUARD_REASON//$\'\\n\'/ }"')
    if kind == "bash":
        script = _functions(kind, "_shellguard_parse") + (
            "while IFS= read -r line; do\n"
            f"  if _shellguard_parse \"$line\"; then {show}; else echo FAIL; fi\n"
            f"done < {source}\n")
        argv = [kind, "--norc", "--noprofile"]
    else:
        script = _functions(kind, "_shellguard_parse", "_shellguard_allowed_head") + (
            "while IFS= read -r REPLY; do\n"
            "  _SHELLGUARD_ID=${${REPLY#\\{\\\"id\\\":}%%,*}\n"
            f"  if _shellguard_allowed_head; then {show}; "
            "  elif [[ $REPLY == *'\"action\":\"allow\"'* ]]; then echo HEAD-MISSED; "
            f"  elif _shellguard_parse; then {show}; else echo FAIL; fi\n"
            "  _SHELLGUARD_CLASS= _SHELLGUARD_ACTION= _SHELLGUARD_NEW_READS= _SHELLGUARD_REASON=\n"
            "  _SHELLGUARD_NEW_TABLE=\n"
            f"done < {source}\n")
        argv = [kind, "-f"]
    result = _run([*argv, "-c", script], env={"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0 and result.stderr == "", result.stderr
    got = result.stdout.splitlines()
    assert len(got) == len(replies)
    for reply, line in zip(replies, got, strict=True):
        data = json.loads(reply)
        reason = re.sub(r"[\x00-\x1f\x7f]", " ", data["reasoning"])
        if kind == "zsh" and data["action"] == "allow":
            reason = ""         # taken from the head: the reason is not needed to run it
        expected = "|".join((data["classification"], data["action"],
                             data.get("read_prefixes", ""), data.get("read_table", ""), reason))
        assert line == expected, reply


@pytest.mark.parametrize("kind", ["bash", "zsh"])
def test_a_read_table_loads_as_its_prefixes_kept_one_by_one(kind, tmp_path, monkeypatch):
    """`_shellguard_load_table` leaves the shell's two prefix tables as
    `_shellguard_keep_reads` would, given the prefixes kept before and then every prefix
    of the table (shellguard/read_table.py); the starts kept before stay.
    The third holds the options that take a value of the programs with subcommand
    prefixes, as the rules give them."""
    if not shutil.which(kind):
        pytest.skip(f"{kind} is not installed")
    from shellguard import read_table
    from shellguard.rules.engine import builtin_rules

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    rules = builtin_rules()
    table = [str(p) for name in ("ls", "git", "ip", "docker", "tree", "kubectl", "cat")
             for p in rules.read_only_prefixes(name)]
    with_arg = {name: rules.options_with_arg(name) for name in ("git", "ip", "docker", "tree")}
    name = read_table.write(table, kind, with_arg)
    assert name is not None and len(table) > 1000
    before = "git frobnicate,ls,gh pr list --web,ip zz show"
    show = "".join(
        (f'for k in ${{(k){table}}}; do print -r -- "{tag}|$k|${table}[$k]"; done\n'
         if kind == "zsh" else
         f'for k in "${{!{table}[@]}}"; do printf "{tag}|%s|%s\\n" "$k" "${{{table}[$k]}}"; done\n')
        for tag, table in (("R", "_SHELLGUARD_READS"), ("F", "_SHELLGUARD_READ_STARTS"),
                           ("W", "_SHELLGUARD_WITH_ARG")))
    setup = ("typeset -A _SHELLGUARD_READS _SHELLGUARD_READ_STARTS _SHELLGUARD_WITH_ARG\n"
             "typeset -i _SHELLGUARD_READS_N=0 _SHELLGUARD_READS_MAX=100000\n"
             "_SHELLGUARD_PID=7 _SHELLGUARD_CACHE_STAMP=$'7\\x1f'\n")
    functions = _functions(kind, "_shellguard_keep_reads", "_shellguard_load_table")
    argv = [kind, "-f"] if kind == "zsh" else [kind, "--norc", "--noprofile"]
    env = {"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path),
           "HOME": str(tmp_path)}
    loaded = _run([*argv, "-c", functions + setup + f"_shellguard_keep_reads '{before}'\n"
                   f"_SHELLGUARD_TABLE_NEXT={name}\n_shellguard_load_table\n"
                   'echo "T|$_SHELLGUARD_TABLE"\n' + show], env=env)
    kept = _run([*argv, "-c", functions + setup + f"_shellguard_keep_reads '{before}'\n"
                 f"_shellguard_keep_reads '{','.join(table)}'\n" + show], env=env)
    assert loaded.returncode == 0 and loaded.stderr == "", loaded.stderr
    assert kept.returncode == 0 and kept.stderr == "", kept.stderr

    def tables(out: str) -> tuple[dict[str, str], dict[str, str]]:
        rows = [line.split("|") for line in out.splitlines() if line[:2] in ("R|", "F|")]
        reads = {k: v for t, k, v in rows if t == "R"}
        starts = {k: v for t, k, v in rows if t == "F"}
        return reads, starts

    assert f"T|{name}" in loaded.stdout.splitlines()
    assert tables(loaded.stdout) == tables(kept.stdout)
    # the starts: every first word, and the first two words of a prefix of three
    starts = tables(loaded.stdout)[1]
    assert set(starts.values()) == {"1"}
    assert {"git", "ls", "gh", "gh pr", "ip", "ip zz", "docker"} <= set(starts)
    assert "git frobnicate" not in starts and "git status" not in starts
    # (tree's prefix is the program alone: it needs none; kubectl's were not given)
    options = {k: set(v.split()) for t, k, v in (line.split("|") for line in loaded.stdout.splitlines()
                                                  if line[:2] == "W|")}
    assert options == {name: set(with_arg[name]) for name in ("git", "ip", "docker")}
    assert {"-C", "--git-dir"} <= options["git"]
    assert "W|" not in kept.stdout
    # a file someone else owns is never loaded (as root, the test can make one)
    if os.getuid() == 0:
        os.chown(read_table.path(name, kind), 65534, 65534)
        other = _run([*argv, "-c", functions + setup + f"_SHELLGUARD_TABLE_NEXT={name}\n"
                      "_shellguard_load_table\necho \"T|$_SHELLGUARD_TABLE|${#_SHELLGUARD_READS[@]}\"\n"],
                     env=env)
        assert other.stdout.strip() == "T||0"
    # a name that is not one of ours is never looked up
    odd = _run([*argv, "-c", functions + setup + "_SHELLGUARD_TABLE_NEXT=../x\n"
                "_shellguard_load_table\necho \"T|$_SHELLGUARD_TABLE|${#_SHELLGUARD_READS[@]}\"\n"],
               env=env)
    assert odd.stdout.strip() == "T||0"
