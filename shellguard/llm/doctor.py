"""Is the installed llama-cpp-python usable on this machine? (for ``shellguard doctor``)

A default llama-cpp-python build (``-march=native``) compiles ggml's AMX kernels, and
on virtualised AMX-capable CPUs the first evaluation of any quantized model dies
with SIGILL (llm-field-notes.md §1.1). :func:`check_build` writes a tiny random-weight
Q8_0 model and evaluates it in a child process, so a bad build shows up here, with
the fix, instead of crashing the model daemon.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass

from shellguard.errors import signal_name

__all__ = ["check_build", "BuildCheck", "REBUILD_HINT", "LLAMA_VERSION"]

LLAMA_VERSION = "0.3.36"
REBUILD_HINT = (f'CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install --no-cache-dir --force-reinstall '
                f"llama-cpp-python=={LLAMA_VERSION} (in a shellguard checkout: bash "
                "scripts/build-llama-wheel.sh PYTHON)")

_CHILD = r"""
import ctypes, sys
import llama_cpp
@llama_cpp.llama_log_callback
def _quiet(level, text, user_data):
    pass
llama_cpp.llama_log_set(_quiet, ctypes.c_void_p(0))
print("system:", llama_cpp.llama_print_system_info().decode(errors="replace").strip(), flush=True)
from shellguard.llm.tinymodel import write_tiny_llama
path = write_tiny_llama(sys.argv[1] + "/tiny-q8_0.gguf", quant="Q8_0", chat_template=None)
llm = llama_cpp.Llama(str(path), n_ctx=256, n_batch=64, n_threads=2, n_threads_batch=2,
                      verbose=True)
toks = llm.tokenize(b"Command: ls -la\nLabel:", add_bos=True)
llm.eval(toks)
logits = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
value = logits[0]
assert value == value, "NaN logits"
print("ok: evaluated", len(toks), "tokens", flush=True)
"""


@dataclass(frozen=True)
class BuildCheck:
    ok: bool
    message: str  # one line: what is wrong and how to fix it, or what was checked
    system_info: str = ""


def check_build(timeout: float = 120.0, python: str | None = None,
                _child_code: str | None = None) -> BuildCheck:
    """Evaluate a tiny Q8_0 model in a child process; say how to fix a build that crashes."""
    with tempfile.TemporaryDirectory(prefix="shellguard-doctor-") as tmp:
        try:
            proc = subprocess.run([python or sys.executable, "-c", _child_code or _CHILD, tmp],
                                  capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return BuildCheck(False, f"the llama.cpp check did not finish in {timeout:.0f} s "
                                     "(is the machine very busy?); run 'shellguard doctor' again")
    out = proc.stdout + proc.stderr
    info = next((line[len("system: "):] for line in proc.stdout.splitlines()
                 if line.startswith("system: ")), "")
    code = proc.returncode
    if code == 0 and "ok: evaluated" in proc.stdout:
        note = "; this build has AMX kernels, which crash on some virtualised CPUs" \
            if "AMX_INT8 = 1" in info else ""
        return BuildCheck(True, f"llama-cpp-python evaluates a quantized model{note}", info)
    if code in (-signal.SIGILL, 128 + signal.SIGILL):
        return BuildCheck(False, "llama-cpp-python crashes with SIGILL (illegal instruction) "
                                 "on this CPU: it was built with CPU instructions, such as "
                                 "AMX, that fail here; rebuild it without them: "
                                 + REBUILD_HINT, info)
    if code < 0:
        return BuildCheck(False, f"llama-cpp-python crashed with {signal_name(code)} "
                                 f"evaluating a tiny model; reinstall it: {REBUILD_HINT}", info)
    if "No module named 'llama_cpp'" in out:
        return BuildCheck(False, "llama-cpp-python is not installed, so the local model is "
                                 f"off; install it: {REBUILD_HINT}")
    if "No module named 'gguf'" in out or "No module named 'numpy'" in out:
        return BuildCheck(False, "cannot check llama.cpp: the gguf or numpy package is "
                                 "missing; pip install 'shellguard[llm]'", info)
    last = next((line for line in reversed(out.strip().splitlines()) if line.strip()), "")
    return BuildCheck(False, f"llama-cpp-python failed to evaluate a tiny model (exit {code}: "
                             f"{last[:160]}); reinstall it: {REBUILD_HINT}", info)
