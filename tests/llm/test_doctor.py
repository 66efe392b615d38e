"""The build smoke test: a tiny Q8_0 model is evaluated in a child process.

A llama-cpp-python built with AMX kernels dies with SIGILL on this kind of machine
(llm-field-notes.md §1.1); this test makes CI fail loudly, with the fix, instead.
"""

from __future__ import annotations

import pytest

pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")

from shellguard.llm.doctor import REBUILD_HINT, check_build  # noqa: E402


def test_the_installed_llama_cpp_evaluates_a_quantized_model() -> None:
    result = check_build()
    assert result.ok, result.message
    assert "CPU :" in result.system_info


def test_sigill_is_recognised_and_the_fix_is_given() -> None:
    result = check_build(_child_code="import os, signal; os.kill(os.getpid(), signal.SIGILL)")
    assert not result.ok
    assert "SIGILL" in result.message and REBUILD_HINT in result.message
    assert "\n" not in result.message


def test_other_crashes_and_a_missing_library() -> None:
    crash = check_build(_child_code="import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    assert not crash.ok and "SIGSEGV" in crash.message
    missing = check_build(_child_code="import llama_cpp_not_here as llama_cpp")
    assert not missing.ok and "exit 1" in missing.message
    absent = check_build(_child_code="raise ModuleNotFoundError(\"No module named 'llama_cpp'\")")
    assert not absent.ok and "not installed" in absent.message
