"""The audit log: redaction, one line per decision, private, rotated, safe under concurrent writers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shellguard import audit
from shellguard.audit import AuditSettings, log_path, make_entry, record
from shellguard.guard import Guard
from shellguard.redact import redact
from shellguard.server import answer

SECRETS = [
    # (command, the secret that must not survive, text that must survive)
    ("git clone https://alice:hunter2pass@github.com/x/y.git", "hunter2pass", "alice"),
    ("git push https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/x", "ghp_abcdef", "github.com"),
    ("mysql -u root -pS3cretPw mydb", "S3cretPw", "mysql -u root -p"),
    ("mysqldump --password=S3cretPw db", "S3cretPw", "--password="),
    ("psql --password hunter2pass", "hunter2pass", "psql"),
    ("sshpass -p hunter2pass ssh host", "hunter2pass", "ssh host"),
    ("docker login -u me -p hunter2pass registry.io", "hunter2pass", "registry.io"),
    ("redis-cli -a hunter2pass ping", "hunter2pass", "ping"),
    ("curl -u bob:hunter2pass https://api.example.com", "hunter2pass", "bob:"),
    ("curl -H 'Authorization: Bearer eyJhbGciOi.abc.def123' https://x", "eyJhbGciOi",
     "Authorization: Bearer"),
    ('curl -H "Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l" https://x', "YWxhZGRpbjpv", "Basic"),
    ('curl -H "X-Api-Key: 0123456789abcdef" https://x', "0123456789abcdef", "X-Api-Key"),
    ("http GET example.com 'Cookie: session=abcdef0123456'", "abcdef0123456", "Cookie"),
    ("aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", "aws configure"),
    ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCY aws s3 ls", "wJalrXUtnFEMI", "aws s3 ls"),
    ("export GITHUB_TOKEN=ghx_notAknownShape123", "ghx_notAknownShape123", "GITHUB_TOKEN="),
    ("OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx python app.py", "sk-proj-abc", "python app.py"),
    ("DB_PASSWORD='a b c' ./run", "a b c", "./run"),
    ("PGPASSWORD=hunter2pass psql -h db", "hunter2pass", "psql -h db"),
    ("MY_SECRET=s3cr3tvalue make deploy", "s3cr3tvalue", "make deploy"),
    ("env STRIPE_KEY=sk_live_0123456789abcdef0123 node x.js", "sk_live_0123", "node x.js"),
    ("curl 'https://x/api?access_token=abc123def&page=2'", "abc123def", "page=2"),
    ("gh auth login --with-token ghp_1234567890abcdefghijABCDEFGHIJ123456", "ghp_12345", "gh auth login"),
    ("cmd --api-key xyz789secret --verbose", "xyz789secret", "--verbose"),
    ("slack-post --hook xoxb-1234567890-abcdefghijkl", "xoxb-1234567890", "slack-post"),
    ("echo eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N", "eyJzdWIi", "echo"),
    ("printf '%s' '-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----' > k",
     "MIIEabc", "> k"),
    ("gcloud --key AIzaSyA1234567890abcdefghijklmnopqrstuv x", "AIzaSyA12345", "gcloud"),
]


@pytest.mark.parametrize(("command", "secret", "kept"), SECRETS)
def test_redaction(command: str, secret: str, kept: str) -> None:
    out = redact(command)
    assert secret not in out and "***" in out and kept in out, out


@pytest.mark.parametrize("command", ["mkdir -p build", "ssh -p 2222 host", "docker run -u 1000:1000 img",
                                     "git commit -m 'rotate the token'", "PWD=/tmp ls", "mysql -p db",
                                     "GIT_AUTHOR_NAME=me git commit", "rm -rf build"])
def test_ordinary_commands_are_left_alone(command: str) -> None:
    assert redact(command) == command


def test_entry_fields_and_file_mode() -> None:
    assert record(where="zsh", command="curl -u me:pw https://x", cwd="/w", crud="READ",
                  reason="curl: fetches a URL", source="rules", confidence=0.9, action="confirm",
                  answer="no")
    [line] = log_path().read_text().splitlines()
    entry = json.loads(line)
    assert set(entry) == {"time", "where", "cwd", "command", "class", "reason", "source",
                          "confidence", "action", "answer"}
    assert entry["command"] == "curl -u me:*** https://x" and entry["answer"] == "no"
    assert log_path().stat().st_mode & 0o777 == 0o600
    assert log_path().parent.stat().st_mode & 0o777 == 0o700


def test_what_is_logged_by_mode() -> None:
    asked, everything, off = (AuditSettings(mode=m) for m in ("asked", "all", "off"))
    assert not audit.should_record("allow", None, asked)
    assert audit.should_record("confirm", None, asked) and audit.should_record("deny", None, asked)
    assert audit.should_record("allow", None, everything)
    assert not audit.should_record("deny", "blocked", off)
    settings = AuditSettings.from_table({"audit": "some", "max_bytes": 5, "keep": 0, "x": 1})
    assert settings == AuditSettings() and len(settings.problems) == 4


WRITER = """
import sys
from shellguard import audit
worker, count, max_bytes = map(int, sys.argv[1:])
settings = audit.AuditSettings(max_bytes=max_bytes, keep=50)
for n in range(count):
    audit.append(audit.make_entry(where="bash", command=f"rm -rf w{worker}-n{n} " + "x" * 200,
                                  cwd="/", crud="DELETE", reason="rm", source="rules",
                                  confidence=0.95, action="confirm", answer="no"), settings)
"""


@pytest.mark.parametrize("max_bytes", [50_000_000, 60_000])
def test_concurrent_writers_never_interleave_or_lose_lines(max_bytes: int) -> None:
    workers, count = 8, 150
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(w), str(count), str(max_bytes)])
             for w in range(workers)]  # separate processes, all appending at once
    assert all(p.wait(timeout=120) == 0 for p in procs)
    files = audit.log_files()
    lines = [line for f in files for line in f.read_text().splitlines()]
    entries = [json.loads(line) for line in lines]  # every line is whole JSON
    assert len(entries) == workers * count
    assert len({e["command"] for e in entries}) == workers * count
    if max_bytes < 1_000_000:
        # capped: racing writers may each add one line past the cap before one rotates
        assert len(files) > 2 and all(f.stat().st_size <= max_bytes + workers * 400 for f in files)
        assert all(f.stat().st_mode & 0o777 == 0o600 for f in files)


def test_rotation_keeps_only_keep_files() -> None:
    settings = AuditSettings(max_bytes=10_000, keep=2)
    for n in range(200):
        audit.append(make_entry(where="zsh", command=f"touch f{n} " + "y" * 100, cwd="/",
                                crud="CREATE", reason="touch", source="rules", confidence=1,
                                action="confirm", answer="yes"), settings)
    assert [f.name for f in audit.log_files()] == ["audit.jsonl.2", "audit.jsonl.1", "audit.jsonl"]
    newest = [json.loads(x)["command"] for x in log_path().read_text().splitlines()][-1]
    assert newest.startswith("touch f199")


def test_server_logs_answers_and_denies_once(tmp_path) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "shellguard" / "config.toml"
    config.write_text('[llm]\nenabled = false\n[policy]\nUPDATE = "deny"\n')
    guard = Guard()
    rid = 0

    def ask(command: str, **extra) -> dict:
        nonlocal rid
        rid += 1
        line = json.dumps({"id": rid, "command": command, "cwd": str(tmp_path), "shell": "zsh",
                           **extra}).encode()
        response = answer(guard, line)
        return {"action": response.action, "class": response.classification}

    first = ask("rm -rf build")
    assert first == {"action": "confirm", "class": "DELETE"}
    assert not log_path().exists()  # asked, but the answer is not known yet
    again = ask("rm -rf build", answer="no")
    assert again == first  # the same answer as for any request
    assert ask("mv a b") == {"action": "deny", "class": "UPDATE"}
    assert ask("git status")["action"] == "allow"
    entries = [json.loads(x) for x in log_path().read_text().splitlines()]
    assert [(e["command"], e["action"], e["answer"]) for e in entries] == [
        ("rm -rf build", "confirm", "no"), ("mv a b", "deny", None)]
    assert all(e["where"] == "zsh" for e in entries)


@pytest.fixture()
def cli(capsys):
    from shellguard.cli import main

    def run(*args: str) -> subprocess.CompletedProcess:
        code = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    return run


def test_log_and_stats_commands(cli) -> None:
    rows = [("zsh", "DELETE", "confirm", "no"), ("zsh", "DELETE", "confirm", "yes"),
            ("zsh", "DELETE", "confirm", "no"), ("bash", "CREATE", "confirm", "always"),
            ("claude-code", "UPDATE", "confirm", None), ("codex", "DELETE", "deny", "blocked"),
            ("agent-shell", "CREATE", "confirm", "blocked")]
    for where, crud, action, answer_ in rows:
        record(where=where, command=f"cmd {where} DB_PASSWORD=pw", cwd="/", crud=crud,
               reason="why", source="rules", confidence=0.9, action=action, answer=answer_)
    table = cli("log")
    assert table.returncode == 0 and table.stdout.splitlines()[0].split()[:5] == [
        "TIME", "WHERE", "CLASS", "ACTION", "ANSWER"]
    assert len(table.stdout.splitlines()) == len(rows) + 1 and "DB_PASSWORD=***" in table.stdout
    only = [json.loads(x) for x in cli("log", "--json", "--where", "zsh", "--class", "delete")
            .stdout.splitlines()]
    assert len(only) == 3 and {e["where"] for e in only} == {"zsh"}
    assert cli("log", "--json", "--since", "1h").stdout.count("\n") == len(rows)
    assert cli("log", "--json", "--since", "2999-01-01").stdout == ""
    bad = cli("log", "--since", "yesterday-ish")
    assert bad.returncode == 64 and bad.stderr.startswith("shellguard: ")
    assert cli("log", "--path").stdout.strip() == str(log_path())
    stats = json.loads(cli("stats", "--json").stdout)
    zsh = next(r for r in stats if r["where"] == "zsh" and r["class"] == "DELETE")
    assert (zsh["asked"], zsh["no"], zsh["yes"]) == (3, 2, 1)
    codex = next(r for r in stats if r["where"] == "codex")
    assert codex["denied"] == 1 and codex["blocked"] == 1
    text = cli("stats").stdout
    assert "SAID NO" in text and "67%" in text
