"""The xontrib: xonsh events, the ``shellguard`` alias, load and unload.

- ``on_transform_command`` sees the whole command before anything runs (both
  languages, a multi-line block once it is complete). Letting it through returns
  None; cancelling returns a source made only of comments, which xonsh compiles to
  nothing. xonsh also fires it from prompt_toolkit's Enter key handler to decide
  "newline or run" (``can_compile``); that call is skipped. xonsh prints and ignores
  exceptions from handlers, so every handler here catches everything itself and the
  safe answer wins: ask, or do not run.
- ``on_pre_spec_run`` is the backstop: every subprocess as it starts, with its
  expanded argv (``rm @(f)`` -> ``rm victim``), including commands inside functions
  and aliases defined earlier. Inside a line the person already said yes to, it asks
  again only for a stricter class than the one confirmed. Outside a typed line
  (prompt fields, completion) it stays out of the way, except in non-interactive
  sessions, where it is the only guard.
- ``shellguard off`` / ``shellguard on`` switch this shell; ``$SHELLGUARD_DISABLE = 1``
  too. Any other ``shellguard ...`` runs the CLI.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from shellguard import paths
from shellguard.xonsh_guard.allowed import AllowedLines
from shellguard.xonsh_guard.coprocess import Coprocess, Reply

# .source and .question are imported at the first command and the first question:
# xonsh's start-up pays only for what loading needs.

__all__ = ["load", "unload", "XonshGuard", "CANCEL_MARK"]

#: Each line of a cancelled command is replaced by this comment.
CANCEL_MARK = "# shellguard: not run: "
DEFAULT_TIMEOUT_S = 3.0
_LEVELS = {"READ": 0, "CREATE": 1, "UPDATE": 2, "DELETE": 3}
_NOTHING_CONFIRMED = -1
_MAX_PASSED = 4096
_ENV_DOCS = {
    "SHELLGUARD_DISABLE": ("bool", False, "Turn the shellguard xontrib off for this session."),
    "SHELLGUARD_TIMEOUT": ("float", DEFAULT_TIMEOUT_S,
                           "Seconds to wait for the classifier before asking anyway."),
}

_GUARD: XonshGuard | None = None


def _level(classification: str) -> int:
    return _LEVELS.get(classification, 3)


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no", "off")
    return bool(value)


def _say(message: str) -> None:
    try:
        sys.stderr.write(f"shellguard: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _prompt_toolkit_running() -> bool:
    """True inside prompt_toolkit's key handling (xonsh's ``can_compile`` check)."""
    current = sys.modules.get("prompt_toolkit.application.current")
    if current is None:  # never imported: it cannot be running
        return False
    app = current.get_app_or_none()
    return app is not None and app.is_running


def _refused_alias(args: list[str] | None = None, stdin: Any = None, stdout: Any = None,
                   stderr: Any = None) -> int:
    return 126


class XonshGuard:
    """The guard of one xonsh session."""

    def __init__(self, xsh: Any) -> None:
        self.xsh = xsh
        self.enabled = True
        self.coprocess = Coprocess(
            [sys.executable, "-P", "-m", "shellguard", "serve"], shell="xonsh",
            timeout=self._timeout(), log_path=paths.state_dir() / "xonsh-coprocess.log",
            env=self._environment)
        self._approved: str | None = None  # the text let through on this line
        self._confirmed = _NOTHING_CONFIRMED  # strictest class the person said yes to
        self._in_line = False
        self._passed: set[str] = set()  # argvs the backstop let through on this line
        self.allowed = AllowedLines()  # lines allowed before, per directory

    # -- settings -------------------------------------------------------------

    def _env(self, name: str, default: object = None) -> object:
        env = getattr(self.xsh, "env", None)
        return env.get(name, default) if env is not None else os.environ.get(name, default)

    def active(self) -> bool:
        return self.enabled and not _truthy(self._env("SHELLGUARD_DISABLE", ""))

    def _timeout(self) -> float:
        try:
            value = float(self._env("SHELLGUARD_TIMEOUT", DEFAULT_TIMEOUT_S))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return DEFAULT_TIMEOUT_S
        return value if value > 0 else DEFAULT_TIMEOUT_S

    def _environment(self) -> dict[str, str]:
        env = getattr(self.xsh, "env", None)
        return env.detype() if env is not None else dict(os.environ)

    def _cache_env(self) -> dict[str, str]:
        """What the allow cache depends on, from this session's environment."""
        names = ("SHELLGUARD_CACHE", "SHELLGUARD_CONFIG", "XDG_CONFIG_HOME", "HOME")
        return {name: str(value) for name in names if (value := self._env(name)) not in (None, "")}

    def _cwd(self) -> str:
        try:
            return os.getcwd()
        except OSError:
            return str(self._env("PWD", "/"))

    def _whole_blocks(self) -> bool:
        """prompt_toolkit's Enter accepts only complete blocks; readline's does not."""
        shell = getattr(getattr(self.xsh, "shell", None), "shell", None)
        return shell is not None and "PromptToolkit" in type(shell).__name__

    def _aliases_of(self, text: str) -> dict[str, str]:
        """The session's command aliases (those xonsh runs as a list of words) that
        words of ``text`` name, with those their texts start with: the classifier
        expands them where xonsh would. Function aliases are left to the backstop."""
        table = getattr(self.xsh, "aliases", None)
        if not table:
            return {}
        import shlex  # here, not at start-up

        from shellguard.parse.aliases import alias_candidates

        found: dict[str, str] = {}
        todo = alias_candidates(text)
        while todo:
            word = todo.pop()
            if word in found or word not in table:
                continue
            value = table[word]
            if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                found[word] = shlex.join(value)
                todo.append(value[0])
        return found

    def _in_scope(self, name: str) -> bool:
        ctx = getattr(self.xsh, "ctx", None)
        return ctx is not None and name in ctx

    # -- the whole command: on_transform_command ------------------------------

    def on_transform(self, cmd: str) -> str | None:
        try:
            if cmd.startswith(CANCEL_MARK) or not self.active() or _prompt_toolkit_running():
                return None
            if cmd == self._approved or cmd.strip() in ("", "EOF"):
                return None  # readline's Ctrl-D arrives as the line "EOF" (xonsh's exit alias)
            return self._check_line(cmd)
        except KeyboardInterrupt:
            _say("cancelled; nothing ran")
        except Exception as exc:  # fail closed: xonsh would ignore it and run the command
            _say(f"internal error ({type(exc).__name__}: {exc}); nothing ran")
        return self._cancel(cmd)

    def _check_line(self, cmd: str) -> str | None:
        from shellguard.xonsh_guard.source import classifier_text, incomplete

        self._start_line()
        if not self._whole_blocks() and incomplete(cmd):
            # The first line of a block: xonsh asks for the rest and fires this event
            # again with all of it. Should xonsh run it after all, the backstop asks.
            return None
        try:
            text = classifier_text(cmd, self._in_scope)
        except Exception:  # a bug in the splitter must not let the line through unasked
            text = cmd
        if text is None or self._decide(text, cmd, "nothing ran"):  # None: Python that computes
            self._approved = cmd
            return None
        return self._cancel(cmd)

    def _decide(self, text: str, shown: str, refused: str) -> bool:
        """Allow, refuse or ask about ``text`` (``shown`` in the question); True: it may run.

        Nothing is asked for a class no stricter than one the person already said yes
        to on this line (the backstop seeing the commands of a confirmed line).
        """
        cwd = self._cwd()
        cache_env = self._cache_env()
        aliases = self._aliases_of(text)
        if self.allowed.usable(cache_env, self.coprocess.pid) and \
                self.allowed.get(cwd, text, aliases):
            self._passed.add(text)
            return True  # allowed before here: no round trip
        self.coprocess.timeout = self._timeout()
        reply = self.coprocess.classify(text, cwd, aliases)
        if reply is not None and reply.read_prefixes and \
                self.allowed.usable(cache_env, self.coprocess.pid):
            self.allowed.prefixes.keep(reply.read_prefixes)
        if reply is not None and reply.action == "allow":
            if self.allowed.usable(cache_env, self.coprocess.pid):
                self.allowed.add(cwd, text, reply.classification, aliases)
            self._passed.add(text)
            return True
        if reply is not None and reply.action == "deny":
            _say(f"refused by your policy: {reply.reasoning}; {refused}")
            return False
        level = _level(reply.classification if reply is not None else "")
        if level > self._confirmed and not self._ask(reply, shown, text, cwd):
            _say(f"cancelled; {refused}")
            return False
        self._confirmed = max(self._confirmed, level)
        self._passed.add(text)
        return True

    def _ask(self, reply: Reply | None, shown: str, text: str, cwd: str) -> bool:
        """Ask the person, report the answer, record "always"; True: run it."""
        from shellguard.xonsh_guard.question import ALWAYS, NO, YES, ask

        if reply is None:
            cls = "UNKNOWN"
            why = (f"no answer from the classifier ({self.coprocess.last_error}); "
                   "asking to be safe")
        else:
            cls, why = reply.classification, reply.reasoning
        try:
            answer = ask(cls, why, shown)
        except KeyboardInterrupt:
            answer = NO
        except OSError:
            _say("no terminal to ask on")
            answer = NO
        except Exception as exc:  # a terminal termios cannot drive
            _say(f"cannot ask on the terminal ({type(exc).__name__}: {exc})")
            answer = NO
        if answer == ALWAYS:
            from shellguard.config import append_always

            try:
                append_always(text, cwd)
            except OSError as exc:
                _say(f"could not record 'always' ({exc.strerror}); running it this once")
        self.coprocess.report(text, cwd, answer)
        return answer in (YES, ALWAYS)

    def _cancel(self, cmd: str) -> str:
        """Comment-only source (xonsh runs nothing); the line stays in history, status 1."""
        try:
            history = getattr(self.xsh, "history", None)
            now = time.time()
            if history is not None:
                history.append({"inp": cmd.rstrip("\n"), "rtn": 1, "ts": [now, now],
                                "spc": cmd[:1].isspace(), "cwd": self._cwd()})
                history.last_cmd_rtn = history.last_cmd_out = None
            if getattr(self.xsh, "env", None) is not None:
                self.xsh.env["LAST_RETURN_CODE"] = 1
        except Exception:  # history is a courtesy; not running is what matters
            pass
        return "".join(CANCEL_MARK + line + "\n" for line in cmd.rstrip("\n").split("\n"))

    def _start_line(self) -> None:
        self._approved = None
        self._confirmed = _NOTHING_CONFIRMED
        self._passed.clear()
        self._in_line = True

    def end_line(self) -> None:
        self._approved = None
        self._in_line = False
        self._passed.clear()

    def before_prompt(self) -> None:
        """A new prompt: forget the last line; have a classifier ready for the next one.

        The co-process is started here, not when the xontrib loads, so that xonsh's
        start-up does not share the CPU with the classifier's own start-up.
        """
        self.end_line()
        self.coprocess.start()

    # -- each subprocess: on_pre_spec_run --------------------------------------

    def on_pre_spec_run(self, spec: Any) -> None:
        try:
            if not self.active() or _prompt_toolkit_running():
                return
            if self._env("XONSH_INTERACTIVE") and not self._in_line:
                return  # prompt fields, completion, hooks: not a typed line
            argv = [str(a) for a in (spec.cmd or [])]
            name = getattr(spec, "alias_name", None)
            if callable(getattr(spec, "alias", None)) and name:
                argv = [str(name), *argv]  # a function alias gets its arguments only
            if not argv:
                return
            import shlex  # here, not at start-up

            text = shlex.join(argv)
            if text in self._passed:
                return
            if len(self._passed) > _MAX_PASSED:  # a long script: forget, do not grow
                self._passed.clear()
            if not self._decide(text, text, f"not run: {text}"):
                self._veto(spec)
        except KeyboardInterrupt:
            self._veto(spec)
        except Exception as exc:
            _say(f"internal error ({type(exc).__name__}: {exc}); not run")
            self._veto(spec)

    @staticmethod
    def _veto(spec: Any) -> None:
        """Replace what the spec runs by something that does nothing and fails (126)."""
        try:
            if callable(getattr(spec, "alias", None)):
                spec.alias = _refused_alias
            else:
                spec.cmd = ["/bin/sh", "-c", "exit 126"]
        except Exception:  # a spec we cannot change: nothing better to do
            pass

    # -- the alias --------------------------------------------------------------

    def alias(self, args: list[str], stdin: Any = None, stdout: Any = None,
              stderr: Any = None) -> int:
        out = stdout if stdout is not None else sys.stdout
        if args == ["off"]:
            self.enabled = False
            out.write("shellguard: off in this shell ('shellguard on' to guard it again)\n")
            return 0
        if args == ["on"]:
            self.enabled = True
            state = " ($SHELLGUARD_DISABLE is set, so still off)" if not self.active() else ""
            out.write(f"shellguard: on in this shell{state}\n")
            return 0
        import subprocess

        argv = [sys.executable, "-P", "-m", "shellguard", *args]  # -P: not a ./shellguard
        try:
            return subprocess.call(argv, stdin=stdin, stdout=stdout, stderr=stderr)
        except (AttributeError, ValueError, OSError):  # streams without a descriptor
            done = subprocess.run(argv, capture_output=True, text=True)
            out.write(done.stdout)
            (stderr if stderr is not None else sys.stderr).write(done.stderr)
            return done.returncode

    # -- life cycle ---------------------------------------------------------------

    def install(self) -> None:
        events = self.xsh.builtins.events
        events.on_transform_command(_on_transform_command)
        events.on_pre_spec_run(_on_pre_spec_run)
        events.on_pre_prompt(_on_pre_prompt)
        events.on_postcommand(_on_postcommand)
        events.on_exit(_on_exit)
        self.xsh.aliases["shellguard"] = _shellguard_alias
        env = getattr(self.xsh, "env", None)
        for name, (kind, default, doc) in _ENV_DOCS.items():
            try:
                if env is not None:
                    env.register(name, type=kind, default=default, doc=doc)
            except Exception:  # registration only adds docs and type conversion
                pass

    def uninstall(self) -> None:
        events = self.xsh.builtins.events
        events.on_transform_command.discard(_on_transform_command)
        events.on_pre_spec_run.discard(_on_pre_spec_run)
        events.on_pre_prompt.discard(_on_pre_prompt)
        events.on_postcommand.discard(_on_postcommand)
        events.on_exit.discard(_on_exit)
        if self.xsh.aliases.get("shellguard") is _shellguard_alias:
            del self.xsh.aliases["shellguard"]
        self.coprocess.close()


# xonsh keys handlers by module and name (bound methods cannot carry its validator
# attribute), so the handlers are module functions that call the session's guard.


def _on_transform_command(cmd: str, **_: Any) -> str | None:
    guard = _GUARD
    return guard.on_transform(cmd) if guard is not None else None


def _on_pre_spec_run(spec: Any, **_: Any) -> None:
    guard = _GUARD
    if guard is not None:
        guard.on_pre_spec_run(spec)


def _on_pre_prompt(**_: Any) -> None:
    if _GUARD is not None:
        _GUARD.before_prompt()


def _on_postcommand(**_: Any) -> None:
    if _GUARD is not None:
        _GUARD.end_line()


def _on_exit(**_: Any) -> None:
    if _GUARD is not None:
        _GUARD.coprocess.close()


def _shellguard_alias(args: list[str], stdin: Any = None, stdout: Any = None,
                      stderr: Any = None) -> int:
    guard = _GUARD
    if guard is None:
        return 1
    return guard.alias(args, stdin, stdout, stderr)


def load(xsh: Any) -> dict[str, Any]:
    """Guard this session (once; loading again changes nothing)."""
    global _GUARD
    if _GUARD is None:
        guard = XonshGuard(xsh)
        guard.install()
        _GUARD = guard
    return {}


def unload(xsh: Any) -> None:
    """``_unload_xontrib_``: remove the handlers and the alias; the co-process exits."""
    global _GUARD
    guard, _GUARD = _GUARD, None
    if guard is not None:
        guard.uninstall()
