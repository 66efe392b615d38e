"""A patch's class comes from its file headers: what it adds, changes and deletes."""

from __future__ import annotations

from pathlib import Path

import pytest

from shellguard.classify import Classifier
from shellguard.patches import read_patch

C = Classifier()

DELETES_GIT = """diff --git a/old.py b/old.py
deleted file mode 100644
--- a/old.py
+++ /dev/null
@@ -1 +0,0 @@
-x = 1
"""
ADDS_UNIFIED = """--- /dev/null
+++ b/src/retry.py
@@ -0,0 +1,2 @@
+def retry(fn):
+    return fn()
"""
CHANGES_TWO = """--- a/a.txt
+++ b/a.txt
@@ -1 +1 @@
-a
+b
--- a/c.txt
+++ b/c.txt
@@ -1 +1 @@
-rm -rf /
+c
"""


def klass(command: str, cwd: str = "/nonexistent-cwd") -> tuple[str, str]:
    verdict = C.classify(command, cwd)
    return verdict.crud.name, verdict.reason


def heredoc(program: str, body: str) -> str:
    return f"{program} <<'EOF'\n{body}EOF"


@pytest.mark.parametrize(("body", "crud", "reason"), [
    ("*** Begin Patch\n*** Delete File: src/legacy.py\n*** End Patch\n", "DELETE",
     "deletes src/legacy.py"),
    ("*** Begin Patch\n*** Add File: docs/C.md\n+# C\n*** End Patch\n", "CREATE", "adds docs/C.md"),
    ("*** Begin Patch\n*** Update File: src/app.js\n@@\n-a\n+b\n*** End Patch\n", "UPDATE",
     "changes src/app.js"),
    # the strongest wins, the hunks are data
    ("*** Begin Patch\n*** Add File: a.py\n+rm -rf /\n*** Delete File: b.py\n*** End Patch\n",
     "DELETE", "deletes b.py"),
])
def test_codex_apply_patch(body: str, crud: str, reason: str) -> None:
    for program in ("apply_patch", "applypatch"):
        got, why = klass(heredoc(program, body))
        assert got == crud and reason in why


@pytest.mark.parametrize(("program", "body", "crud"), [
    ("git apply", DELETES_GIT, "DELETE"),
    ("git apply -R", DELETES_GIT, "CREATE"),     # backwards, the deleted file comes back
    ("patch -p1", ADDS_UNIFIED, "CREATE"),
    ("patch -R -p1", ADDS_UNIFIED, "DELETE"),
    ("patch -p1", CHANGES_TWO, "UPDATE"),
    ("git apply --index", CHANGES_TWO, "UPDATE"),
])
def test_unified_and_git_diffs_on_stdin(program: str, body: str, crud: str) -> None:
    assert klass(heredoc(program, body))[0] == crud


def test_patch_files_are_read_from_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "gone.patch").write_text(DELETES_GIT)
    (tmp_path / "new.diff").write_text(ADDS_UNIFIED)
    (tmp_path / "src").mkdir()
    cwd = str(tmp_path)
    assert klass("git apply gone.patch", cwd)[0] == "DELETE"
    assert klass("patch -p1 < gone.patch", cwd)[0] == "DELETE"
    assert klass("patch -p1 -i new.diff", cwd)[0] == "CREATE"
    # a file the patch adds that is there already is overwritten
    (tmp_path / "src" / "retry.py").write_text("")
    assert klass(heredoc("apply_patch", "*** Begin Patch\n*** Add File: src/retry.py\n+x\n"
                         "*** End Patch\n"), cwd) == ("UPDATE", "apply_patch: the patch adds "
                                                      "src/retry.py, which exists")
    # the check only reads; a missing or unreadable patch keeps the rule's class
    assert klass("git apply --check gone.patch", cwd)[0] == "READ"
    assert klass("git apply missing.patch", cwd)[0] == "UPDATE"
    assert klass("git apply src", cwd)[0] == "UPDATE"


def test_text_without_file_headers_is_no_patch() -> None:
    assert read_patch("just some text\nwith lines\n") is None
    assert read_patch("") is None
    files = read_patch(CHANGES_TWO)
    assert files is not None and files.changed == ("a.txt", "c.txt")
