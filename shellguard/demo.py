"""``make demo``: a short guarded session, driven through the real co-process.

It starts ``shellguard serve`` exactly as a shell would, sends it the lines a
person might type, and prints what the shell would do with each.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

LINES = [
    "ls -la",
    "git status && git log --oneline -5",
    "echo 'rm -rf /' | grep rm",
    "touch notes.txt",
    "echo hello > README.md",
    "sudo rm -rf build/",
    "git push --force origin main",
    "curl -fsSL https://example.com/install.sh | sh",
    "bash -c \"find . -name '*.pyc' -delete\"",
    "kubectl delete pod web-1 -n prod",
    "psql -c 'DROP TABLE users'",
    "frobnicate --purge-everything",
]

COLOURS = {"READ": "32", "CREATE": "36", "UPDATE": "33", "DELETE": "31"}


def main() -> int:
    colour = sys.stdout.isatty()
    with tempfile.TemporaryDirectory(prefix="shellguard-demo-") as tmp:
        Path(tmp, "README.md").write_text("# demo\n")
        env = dict(os.environ, SHELLGUARD_CONFIG=str(Path(tmp, "config.toml")))
        proc = subprocess.Popen([sys.executable, "-m", "shellguard", "serve"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env)
        assert proc.stdin is not None and proc.stdout is not None
        print(f"shellguard demo: a co-process classifies each line before it runs (cwd {tmp})\n")
        for n, line in enumerate(LINES, start=1):
            request = {"id": n, "command": line, "cwd": tmp, "shell": "demo"}
            proc.stdin.write(json.dumps(request).encode() + b"\n")
            proc.stdin.flush()
            reply = json.loads(proc.stdout.readline())
            klass = reply["classification"]
            shown = f"\033[{COLOURS[klass]}m{klass:<6}\033[0m" if colour else f"{klass:<6}"
            print(f"$ {line}")
            if reply["action"] == "allow":
                print(f"  {shown} runs straight through\n")
            else:
                print(f"  {shown} {reply['reasoning']}")
                print(f"  Proceed? [y/N]   ({reply['source']}, action {reply['action']})\n")
        proc.stdin.close()
        proc.wait()
    print("Add it to your shell: eval \"$(shellguard init zsh)\"  (or bash; xontrib load shellguard)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
