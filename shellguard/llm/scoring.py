"""Score a command with a local GGUF model: one forward pass, four label logits, a softmax.

Only the model daemon imports this module (it imports llama_cpp and numpy).

How (llm-field-notes.md §3 and §5):

- The prompt is the model's own chat template (from the GGUF metadata) applied to a
  system text and labelled few-shot turns, then the command as the last user turn and
  the label as the assistant's answer. Models without a template get a plain
  ``Command: ...`` / ``Label: ...`` text. Rendering with marker strings and cutting at
  them gives the text before the command (the prefix) and between the command and the
  answer (the middle), exactly as the template writes them.
- The prefix is evaluated once and stays in the KV cache. Each command is tokenized
  joined with the prefix (never split: BPE merges across the cut differ, §5.6), the
  tokens shared with the cached prefix are kept, and only the rest is evaluated.
- The class comes from the last position's logits of the four label tokens (read with
  ``llama_get_logits_ith``: ``Llama.scores`` stays zero without ``logits_all``, §5.2).
  The label spelling (Read/READ/read) is the first whose four first tokens differ,
  preferring single-token words (§3.4).
- Optional contextual calibration divides by the label distribution of content-free
  inputs (§3.4).
- One ``Llama`` from two threads segfaults (§5.9): every call holds a lock.
- llama.cpp's log goes to a quiet callback, never ``verbose=False`` (which points the
  whole process's fd 1 and 2 at /dev/null while loading, §5.8).
- The evaluated prefix (the KV state) is saved under ``$XDG_CACHE_HOME/shellguard/llm``
  and read back on the next start, keyed by the model file, the prompt tokens and the
  llama.cpp version: a restart after an idle unload takes milliseconds, not the tens
  of seconds a 1.1B model needs to evaluate the prompt on two cores.
- ``threads=0`` (auto) picks the thread count per command: all cores (up to 4) when
  no other task is runnable, one when something else keeps a core busy. Two threads
  are about 40 % faster on an idle 2-core machine and much worse in the tail when
  another process competes for the cores (§3.6).
- A deadline aborts an evaluation in flight through llama.cpp's abort callback, so a
  request whose asker gave up does not hold up the next one.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import llama_cpp
import numpy as np

from shellguard.verdict import Crud

__all__ = ["Scorer", "Score", "ScoreTimeout", "LoadError", "SYSTEM_TEXT", "SHOTS", "LABELS",
           "log_tail"]

LABELS = (Crud.READ, Crud.CREATE, Crud.UPDATE, Crud.DELETE)
_FORMS = {"title": str.title, "upper": str.upper, "lower": str.lower}
_CMD_MARK = "\u27e6SHELLGUARD-COMMAND\u27e7"
_LABEL_MARK = "\u27e6SHELLGUARD-LABEL\u27e7"
#: Inputs with no content, for contextual calibration.
_CONTENT_FREE = ("", "N/A", "[MASK]")
#: Commands with different first characters: the tokens they all share end the prefix.
_PROBES = ("ls", "git status", "Z", "./run.sh", "'quoted' arg", "-x", "_a", "9", "é", "{",
           "rm -rf /tmp/x")
#: Saved prefix states start with this and the SHA-256 of the rest.
_STATE_MAGIC = b"SGKV0001"
_STATE_HEAD = 8 + 32
_STATES_KEPT = 4
#: Longest command text scored (characters); the rest is cut off.
MAX_COMMAND_CHARS = 600

SYSTEM_TEXT = """\
You label shell commands by their effect on the system, if they run.
Read: only reads or shows information; nothing that persists changes.
Create: makes new files, directories, resources, records, builds or installs.
Update: changes, overwrites, appends to, moves, restarts, deploys or reconfigures existing things.
Delete: removes, destroys, empties, uninstalls, kills or discards things.
Answer with one word: Read, Create, Update or Delete."""

#: Labelled examples (CLASSES.md). Mostly programs a rule file would not know, since those
#: are the only commands the model is asked about.
SHOTS: tuple[tuple[str, Crud], ...] = (
    ("ls -la /var/log", Crud.READ),
    ("mkdir -p build/output", Crud.CREATE),
    ("acmectl delete cluster staging", Crud.DELETE),
    ("sed -i 's/8080/9090/' config.ini", Crud.UPDATE),
    ("zorkctl status --all", Crud.READ),
    ("frob init my-project", Crud.CREATE),
    ("rm -f /tmp/cache.db", Crud.DELETE),
    ("svcadm restart web", Crud.UPDATE),
    ("vaultcli show secret/db", Crud.READ),
    ("pipx install black", Crud.CREATE),
    ("dbtool drop-table sessions", Crud.DELETE),
    ("acmectl set region eu-west-1", Crud.UPDATE),
    ("netprobe --host db1 --port 5432", Crud.READ),
    ("tar czf backup.tgz src/", Crud.CREATE),
    ("pkill -f worker.py", Crud.DELETE),
    ("chmod +x deploy.sh", Crud.UPDATE),
    ("quux list users --format json", Crud.READ),
    ("blobtool upload report.pdf --new-key reports/q3", Crud.CREATE),
    ("cachectl purge --all", Crud.DELETE),
    ("shipit deploy --env production", Crud.UPDATE),
)

# llama.cpp's log goes here: kept in memory (for error messages), never printed.
_LOG: deque[str] = deque(maxlen=40)


@llama_cpp.llama_log_callback
def _quiet_log(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
    if level >= 3 and text:  # ggml: 3 = WARN, 4 = ERROR (5 = continuation)
        _LOG.append(text.decode("utf-8", "replace").rstrip())


llama_cpp.llama_log_set(_quiet_log, ctypes.c_void_p(0))


def log_tail(n: int = 3) -> str:
    """The last warnings and errors llama.cpp logged (for one-line error messages)."""
    return " | ".join(list(_LOG)[-n:])


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _own_runnable() -> int:
    """This process's runnable threads (llama.cpp's workers may still be finishing)."""
    n = 0
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat", "rb") as f:
                n += f.read().rpartition(b")")[2].split()[0] == b"R"
        except OSError:
            pass
    return max(1, n)


def other_runnable() -> int:
    """Tasks of other processes that want a CPU at this instant.

    Linux's ``/proc/loadavg`` counts the runnable tasks now, this process's included;
    elsewhere the one-minute load average stands in for it.
    """
    try:
        with open("/proc/loadavg", "rb") as f:
            total = int(f.read().split()[3].split(b"/")[0])
        return max(0, total - _own_runnable())
    except (OSError, ValueError, IndexError):
        try:
            return round(os.getloadavg()[0])
        except OSError:
            return cores()


def auto_threads(others: int | None = None, limit: int = 4) -> int:
    """Threads for the next evaluation: the cores no other task wants (at least one)."""
    n = cores()
    if others is None:
        others = other_runnable()
    return max(1, min(limit, n, n - others))


class LoadError(RuntimeError):
    """The model could not be loaded or prepared (the message says why)."""


class ScoreTimeout(RuntimeError):
    """The deadline passed before the evaluation finished; the request was abandoned."""


@dataclass(frozen=True)
class Score:
    label: Crud
    confidence: float
    probs: tuple[float, float, float, float]  # in LABELS order, after calibration
    raw: tuple[float, float, float, float]  # softmax before calibration
    tokens: int  # tokens evaluated for this command
    ms: float
    threads: int = 1


def _lcp(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


class Scorer:
    """A loaded model with its few-shot prefix evaluated, ready to score commands."""

    def __init__(self, model_path: str | os.PathLike[str], threads: int = 0,
                 load_threads: int | None = None, calibrate: bool = True,
                 shots: tuple[tuple[str, Crud], ...] = SHOTS, system: str = SYSTEM_TEXT,
                 form: str | None = None, use_template: bool = True,
                 prefix_cache: bool = True) -> None:
        self.model_path = Path(model_path)
        self.threads = max(0, threads)  # 0: auto_threads() per command
        self.load_threads = max(1, load_threads or min(4, cores()))
        self._threads_set = 0
        self._lock = threading.Lock()
        self._deadline: float | None = None
        self.timings: dict[str, float] = {}
        self.stats = {"scored": 0, "aborted": 0, "cut_mismatch": 0}
        t0 = time.perf_counter()
        try:
            self.llm = llama_cpp.Llama(
                str(self.model_path), n_ctx=2048, n_batch=512, n_threads=self.load_threads,
                n_threads_batch=self.load_threads, logits_all=False, verbose=True,
                use_mmap=True)
        except Exception as exc:  # ValueError: Failed to load model from file
            raise LoadError(f"llama.cpp cannot load {self.model_path}"
                            f"{' (' + log_tail() + ')' if log_tail() else ''}") from exc
        self.timings["load_s"] = time.perf_counter() - t0
        self._abort_cb = llama_cpp.ggml_abort_callback(self._should_abort)
        llama_cpp.llama_set_abort_callback(self.llm.ctx, self._abort_cb, ctypes.c_void_p(0))
        self.n_vocab = self.llm.n_vocab()
        self._add_bos = bool(self.llm._model.add_bos_token())
        t1 = time.perf_counter()
        self.template = self.llm.metadata.get("tokenizer.chat_template") if use_template else None
        self.form = form or self._choose_form(shots, system)
        self.prefix_text, self.middle = self._render(shots, system, self.form)
        self.label_tokens = self._label_tokens(self.form)
        self.prefix_tokens = self._stable_prefix()
        if len(self.prefix_tokens) + 256 > self.llm.n_ctx():
            raise LoadError(f"the few-shot prompt ({len(self.prefix_tokens)} tokens) does not "
                            f"fit the context of {self.llm.n_ctx()}")
        self.llm.reset()
        cache = self._state_path() if prefix_cache else None
        self.prefix_from_cache = cache is not None and self._load_state(cache)
        if not self.prefix_from_cache:
            self.llm.reset()
            self.llm.eval(self.prefix_tokens)
            if cache is not None:
                self._save_state(cache)
        self._use_threads()
        self.timings["prefix_s"] = time.perf_counter() - t1
        self.p_null = np.full(4, 0.25)
        if calibrate:
            nulls = [self._probs(self._tokens(c))[0] for c in _CONTENT_FREE]
            self.p_null = np.mean(nulls, axis=0)
        self.calibrate = calibrate

    # -- prompt ---------------------------------------------------------------

    def _render(self, shots: tuple[tuple[str, Crud], ...], system: str,
                form: str) -> tuple[str, str]:
        """(text before the command, text between the command and the label)."""
        word = _FORMS[form]
        if self.template:
            text = self._render_chat(shots, system, word)
            if text is not None:
                i, j = text.index(_CMD_MARK), text.index(_LABEL_MARK)
                return text[:i], text[i + len(_CMD_MARK):j]
        lines = [system.replace("Read, Create, Update or Delete",
                                ", ".join(word(c.name) for c in LABELS[:3]) + " or "
                                + word(LABELS[3].name)), ""]
        for cmd, crud in shots:
            lines += [f"Command: {cmd}", f"Label: {word(crud.name)}", ""]
        return "\n".join(lines) + "\nCommand: ", "\nLabel:"

    def _render_chat(self, shots: tuple[tuple[str, Crud], ...], system: str,
                     word) -> str | None:  # type: ignore[no-untyped-def]
        import jinja2
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        def raise_exception(message: str) -> None:
            raise jinja2.TemplateError(message)

        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                            extensions=["jinja2.ext.loopcontrols"])
        env.globals["raise_exception"] = raise_exception
        try:
            template = env.from_string(self.template)
        except jinja2.TemplateError:
            return None
        system = system.replace("Read, Create, Update or Delete",
                                ", ".join(word(c.name) for c in LABELS[:3]) + " or "
                                + word(LABELS[3].name))
        turns: list[dict[str, str]] = []
        for cmd, crud in shots:
            turns += [{"role": "user", "content": cmd},
                      {"role": "assistant", "content": word(crud.name)}]
        turns += [{"role": "user", "content": _CMD_MARK},
                  {"role": "assistant", "content": _LABEL_MARK}]
        bos = self._piece(self.llm.token_bos())
        eos = self._piece(self.llm.token_eos())
        attempts = ([{"role": "system", "content": system}] + turns,
                    [{"role": "user", "content": system + "\n\n" + turns[0]["content"]}]
                    + turns[1:])  # templates that refuse a system turn
        for messages in attempts:
            try:
                text = template.render(messages=messages, bos_token=bos, eos_token=eos,
                                       add_generation_prompt=False)
            except Exception:  # noqa: BLE001 - a template may raise anything
                continue
            if text.count(_CMD_MARK) == 1 and text.count(_LABEL_MARK) == 1 and \
                    text.index(_CMD_MARK) < text.index(_LABEL_MARK):
                return text
        return None

    def _piece(self, token: int) -> str:
        if token < 0:
            return ""
        return self.llm._model.token_get_text(token)

    def _tokenize(self, text: str) -> list[int]:
        toks = self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        bos = self.llm.token_bos()
        if self._add_bos and bos >= 0 and (not toks or toks[0] != bos):
            toks = [bos] + toks
        return toks

    def _tokens(self, command: str) -> list[int]:
        return self._tokenize(self.prefix_text + command + self.middle)

    def _choose_form(self, shots: tuple[tuple[str, Crud], ...], system: str) -> str:
        fallback = None
        for form in _FORMS:
            self.prefix_text, self.middle = self._render(shots[:2], system, form)
            try:
                toks = self._label_tokens(form, strict=True)
            except LoadError:
                continue
            if toks is not None:
                return form
            fallback = fallback or form
        if fallback is None:
            raise LoadError("the model's vocabulary cannot tell the four labels apart")
        return fallback

    def _label_tokens(self, form: str, strict: bool = False) -> tuple[int, ...] | None:
        """The first token of each label as the answer; None (strict) if one takes 2+ tokens."""
        word = _FORMS[form]
        answer_sep = "" if self.middle.endswith(("\n", " ")) or self.template else " "
        base = self._tokens("ls")
        firsts: list[int] = []
        single = True
        for crud in LABELS:
            full = self._tokenize(self.prefix_text + "ls" + self.middle + answer_sep
                                  + word(crud.name))
            if full[:len(base)] != base or len(full) == len(base):
                raise LoadError("the label does not start a new token after the prompt")
            firsts.append(full[len(base)])
            single = single and len(full) == len(base) + 1
        if len(set(firsts)) != 4:
            raise LoadError(f"the labels in {form} form share a first token")
        if strict and not single:
            return None
        return tuple(firsts)

    def _stable_prefix(self) -> list[int]:
        """The tokens every command's prompt starts with (the cut is checked, not assumed)."""
        runs = [self._tokens(p) for p in _PROBES]
        n = min(_lcp(runs[0], r) for r in runs[1:])
        return runs[0][:n]

    # -- the evaluated prefix, kept on disk ----------------------------------------
    # A 1.1B model takes tens of seconds of both cores to evaluate the few-shot prefix;
    # the daemon restarts after every idle unload, so the KV state is saved once and
    # read back (milliseconds). The key covers everything the state depends on.

    def _state_path(self) -> Path | None:
        from shellguard import paths

        try:
            st = self.model_path.stat()
        except OSError:
            return None
        digest = hashlib.sha256()
        for part in (str(self.model_path.absolute()), st.st_size, st.st_mtime_ns,
                     llama_cpp.__version__, self.llm.n_ctx(), self.llm.n_batch,
                     self.load_threads):
            digest.update(f"{part}\0".encode())
        digest.update(np.asarray(self.prefix_tokens, dtype=np.int32).tobytes())
        return paths.cache_dir() / "llm" / f"prefix-{digest.hexdigest()[:32]}.state"

    def _load_state(self, path: Path) -> bool:
        try:
            data = path.read_bytes()
        except OSError:
            return False
        head, body = data[:_STATE_HEAD], data[_STATE_HEAD:]
        if head[:8] != _STATE_MAGIC or head[8:] != hashlib.sha256(body).digest():
            return False  # truncated or foreign: evaluate again (and overwrite it)
        buf = (ctypes.c_uint8 * len(body)).from_buffer_copy(body)
        if llama_cpp.llama_state_set_data(self.llm.ctx, buf, len(body)) != len(body):
            return False
        n = len(self.prefix_tokens)
        self.llm.input_ids[:n] = self.prefix_tokens
        self.llm.n_tokens = n
        return True

    def _save_state(self, path: Path) -> None:
        size = llama_cpp.llama_state_get_size(self.llm.ctx)
        buf = (ctypes.c_uint8 * size)()
        n = llama_cpp.llama_state_get_data(self.llm.ctx, buf, size)
        body = bytes(buf)[:n]
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(_STATE_MAGIC + hashlib.sha256(body).digest() + body)
            os.replace(tmp, path)
            # keep the few most recent states (other models, other prompts), drop the rest
            others = sorted(path.parent.glob("prefix-*.state"),
                            key=lambda p: p.stat().st_mtime, reverse=True)
            for old in others[_STATES_KEPT:]:
                old.unlink()
        except OSError:
            try:
                tmp.unlink()
            except OSError:
                pass

    # -- scoring --------------------------------------------------------------

    def _use_threads(self, others: int | None = None) -> int:
        n = self.threads or auto_threads(others)
        if n != self._threads_set:
            # A batch of more than one token runs on n_threads_batch (§3.6): set both.
            self.llm._ctx.set_n_threads(n, n)
            self._threads_set = n
        return n

    def _should_abort(self, _data: ctypes.c_void_p) -> bool:
        deadline = self._deadline
        return deadline is not None and time.monotonic() > deadline

    def _probs(self, toks: list[int]) -> tuple[np.ndarray, int]:
        """Softmax over the label logits after ``toks`` (the KV prefix is reused)."""
        n_prefix = len(self.prefix_tokens)
        keep = _lcp(toks[:n_prefix], self.prefix_tokens)
        if keep < n_prefix:
            self.stats["cut_mismatch"] += 1
        if keep == len(toks):  # nothing to evaluate: keep one token so logits exist
            keep -= 1
        self.llm.n_tokens = keep
        try:
            self.llm.eval(toks[keep:])
        except RuntimeError as exc:
            self.llm.n_tokens = min(keep, n_prefix)
            if keep < n_prefix:
                self._restore_prefix(keep)
            if self._deadline is not None and time.monotonic() > self._deadline:
                self.stats["aborted"] += 1
                raise ScoreTimeout("the deadline passed during evaluation") from exc
            raise
        ptr = llama_cpp.llama_get_logits_ith(self.llm.ctx, -1)
        logits = np.ctypeslib.as_array(ptr, shape=(self.n_vocab,))
        picked = np.array([logits[t] for t in self.label_tokens], dtype=np.float64)
        evaluated = len(toks) - keep
        if keep < n_prefix:
            self._restore_prefix(keep)
        return _softmax(picked), evaluated

    def _restore_prefix(self, keep: int) -> None:
        """After a command that changed tokens inside the prefix, put the prefix back."""
        saved, self._deadline = self._deadline, None
        try:
            self.llm.n_tokens = keep
            self.llm.eval(self.prefix_tokens[keep:])
        finally:
            self._deadline = saved

    def score(self, command: str, deadline: float | None = None) -> Score:
        """Class and confidence for one command; ``deadline`` is a ``time.monotonic()`` value."""
        command = command.strip()[:MAX_COMMAND_CHARS]
        with self._lock:
            t0 = time.perf_counter()
            if deadline is not None and time.monotonic() > deadline:
                self.stats["aborted"] += 1
                raise ScoreTimeout("the deadline passed before evaluation")
            # Two looks at the run queue, a tokenization (milliseconds) apart: a kernel
            # thread's blip is gone by the second, a competing process is not.
            others = other_runnable() if not self.threads else 0
            toks = self._tokens(command)
            while len(toks) >= self.llm.n_ctx() - 1 and len(command) > 8:
                command = command[: len(command) // 2]
                toks = self._tokens(command)
            self._deadline = deadline
            if not self.threads:
                others = min(others, other_runnable())
            threads = self._use_threads(others)
            try:
                raw, evaluated = self._probs(toks)
            finally:
                self._deadline = None
            probs = raw / self.p_null
            probs = probs / probs.sum()
            best = int(np.argmax(probs))
            self.stats["scored"] += 1
            return Score(LABELS[best], float(probs[best]),
                         tuple(float(p) for p in probs),  # type: ignore[arg-type]
                         tuple(float(p) for p in raw),  # type: ignore[arg-type]
                         evaluated, (time.perf_counter() - t0) * 1000, threads)

    def info(self) -> dict:
        return {"model": str(self.model_path), "form": self.form,
                "template": bool(self.template), "prefix_tokens": len(self.prefix_tokens),
                "threads": self.threads, "calibrate": self.calibrate,
                "prefix_from_cache": self.prefix_from_cache,
                "p_null": [round(float(p), 4) for p in self.p_null], **self.timings,
                **self.stats}

    def close(self) -> None:
        with self._lock:
            llm, self.llm = self.llm, None
            if llm is not None:
                llm.close()
