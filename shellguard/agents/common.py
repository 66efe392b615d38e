"""What every agent hook shares: read the agent's JSON, classify, answer, fail safe.

An agent treats most hook failures (a crash, a non-zero exit, garbage on stdout,
a timeout) as "go ahead", so :func:`run` never lets one escape: every path ends
in the agent's own way of saying ask or deny, with a reason a person can act on.
The time budget is a SIGALRM inside the hook, shorter than the timeout written
into the agent's settings, so the fail-safe answer is printed before the agent
gives up on us.

```toml
[agents]
timeout_s = 10               # time budget inside a hook
claude_code_allow = false    # true: answer "allow" when policy allows (skips Claude Code's prompt)
claude_code_confirm = "ask"  # ask | deny: Claude Code's answer for classes that need a yes
codex_confirm = "deny"       # deny | pass: Codex cannot ask; pass leaves it to Codex's approvals
gemini_confirm = "deny"      # deny | pass
```
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Protocol

__all__ = ["ToolCall", "Output", "Agent", "AgentSettings", "HookInputError", "HookTimeout",
           "run", "main", "reason_text", "MAX_INPUT_BYTES"]

#: Larger hook inputs are refused (fail safe) rather than read into memory.
MAX_INPUT_BYTES = 16 << 20
_CONFIRM_CHOICES = {"claude_code_confirm": ("ask", "deny"), "codex_confirm": ("deny", "pass"),
                    "gemini_confirm": ("deny", "pass")}


class HookInputError(ValueError):
    """The agent sent something this hook cannot read; the message says what."""


class HookTimeout(BaseException):
    """The time budget ran out. A BaseException, so library code that catches
    ``Exception`` to fall back cannot swallow it."""


@dataclass(frozen=True)
class ToolCall:
    command: str
    cwd: str | None


@dataclass(frozen=True)
class Output:
    """What the hook prints on stdout (may be empty) and its exit status."""

    stdout: str = ""
    exit_code: int = 0


@dataclass(frozen=True)
class AgentSettings:
    timeout_s: float = 10.0
    claude_code_allow: bool = False
    claude_code_confirm: str = "ask"
    codex_confirm: str = "deny"
    gemini_confirm: str = "deny"
    problems: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_table(cls, table: dict | None, where: str = "config") -> AgentSettings:
        table = dict(table or {})
        values: dict[str, object] = {}
        problems: list[str] = []
        timeout = table.pop("timeout_s", 10.0)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 1 <= timeout <= 50:
            problems.append(f"{where}: 'agents.timeout_s' must be a number of seconds from 1 to 50 "
                            f"(got {timeout!r}); keeping 10")
        else:
            values["timeout_s"] = float(timeout)
        allow = table.pop("claude_code_allow", False)
        if not isinstance(allow, bool):
            problems.append(f"{where}: 'agents.claude_code_allow' must be true or false "
                            f"(got {allow!r}); keeping false")
        else:
            values["claude_code_allow"] = allow
        for key, choices in _CONFIRM_CHOICES.items():
            if key not in table:
                continue
            value = table.pop(key)
            if value not in choices:
                problems.append(f"{where}: 'agents.{key}' must be one of {', '.join(choices)} "
                                f"(got {value!r}); keeping '{choices[0]}'")
            else:
                values[key] = value
        for key in sorted(table):
            problems.append(f"{where}: unknown key 'agents.{key}' (ignored)")
        return cls(**values, problems=tuple(problems))  # type: ignore[arg-type]

    @classmethod
    def from_config(cls, config: object) -> AgentSettings:
        where = str(getattr(config, "path", None) or "config")
        return cls.from_table(getattr(config, "agents", None), where)


class Agent(Protocol):
    """One agent's dialect. ``name`` is also the audit log's ``where``."""

    name: str

    def tool_call(self, payload: dict) -> ToolCall | None:
        """The shell command in a hook input; None for a tool that is not a shell."""

    def respond(self, decision: object, settings: AgentSettings) -> tuple[Output, str | None]:
        """The answer for a decision, and what to log as the answer (None: asked elsewhere)."""

    def fail_safe(self, why: str, settings: AgentSettings) -> tuple[Output, str]:
        """The answer when no decision could be had, and the action it amounts to."""


def guarded_tool(payload: dict, event: str, tool_names: tuple[str, ...]) -> bool:
    """Check a hook input's event and tool name; True when the tool is a shell we guard."""
    got = payload.get("hook_event_name", event)
    if got != event:
        raise HookInputError(f"expected a {event} event, got {got!r}")
    tool = payload.get("tool_name")
    if not isinstance(tool, str):
        raise HookInputError("'tool_name' is missing")
    return tool in tool_names


def pre_tool_use(decision: str, reason: str) -> Output:
    """The PreToolUse answer Claude Code and Codex share (``permissionDecision``)."""
    return Output(dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse",
                                                "permissionDecision": decision,
                                                "permissionDecisionReason": reason}}))


ASK_THE_USER = ("Do not retry it or work around it: show the user the command and ask them to "
                "run it themselves or to approve it.")


class DenyToAsk:
    """Agents with no "ask" answer (Codex, Gemini CLI): a class that needs a person's yes
    is denied with a reason telling the agent to ask its user, unless the setting named
    by ``confirm_setting`` is "pass"."""

    confirm_setting: str

    def deny(self, reason: str) -> Output:
        raise NotImplementedError

    def respond(self, decision: object, settings: AgentSettings) -> tuple[Output, str | None]:
        action = decision.action  # type: ignore[attr-defined]
        if action == "allow":
            return Output(), None
        if action == "deny":
            return self.deny(f"shellguard denies this by policy: {reason_text(decision)}."), \
                "blocked"
        if getattr(settings, self.confirm_setting) == "pass":
            return Output(), None
        return self.deny(f"shellguard: this command needs the user's approval "
                         f"({reason_text(decision)}). {ASK_THE_USER}"), "blocked"

    def fail_safe(self, why: str, settings: AgentSettings) -> tuple[Output, str]:
        return self.deny(f"shellguard {why}, so it is blocked. {ASK_THE_USER}"), "deny"


def reason_text(decision: object) -> str:
    """``DELETE: rm: removes files or directories``"""
    verdict = decision.verdict  # type: ignore[attr-defined]
    return f"{verdict.crud.name}: {verdict.reason}"


def payload_dict(raw: bytes) -> dict:
    if len(raw) > MAX_INPUT_BYTES:
        raise HookInputError(f"the hook input is larger than {MAX_INPUT_BYTES >> 20} MiB")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise HookInputError("the hook input is not UTF-8") from None
    except (ValueError, RecursionError):
        raise HookInputError("the hook input is not JSON" if raw.strip() else
                             "the hook input was empty") from None
    if not isinstance(data, dict):
        raise HookInputError("the hook input is not a JSON object")
    return data


def command_field(payload: dict, tool_input_key: str = "tool_input") -> str:
    tool_input = payload.get(tool_input_key)
    if not isinstance(tool_input, dict):
        raise HookInputError(f"'{tool_input_key}' is missing or not an object")
    command = tool_input.get("command")
    if not isinstance(command, str):
        raise HookInputError(f"'{tool_input_key}.command' is missing or not a string")
    if "\x00" in command:
        raise HookInputError("the command contains a NUL character")
    return command


def cwd_field(payload: dict) -> str | None:
    cwd = payload.get("cwd")
    if cwd is None:
        return None
    if not isinstance(cwd, str) or "\x00" in cwd:
        raise HookInputError("'cwd' is not a string")
    return cwd


def _read_stdin(stream: IO[bytes]) -> bytes:
    chunks = []
    size = 0
    while True:
        chunk = stream.read(1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_INPUT_BYTES:
            return b"".join(chunks)


def _alarm(_signum: int, _frame: object) -> None:
    raise HookTimeout()


def run(agent: Agent, stdin: IO[bytes], guard_factory: Callable[[object], object] | None = None,
        settings: AgentSettings | None = None) -> Output:
    """The whole hook: never raises, never prints; the Output is the agent's answer."""
    budget = (settings or AgentSettings()).timeout_s
    started = time.monotonic()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, budget)
    where, command, cwd = agent.name, None, None
    try:
        try:
            payload = payload_dict(_read_stdin(stdin))
            call = agent.tool_call(payload)
            if call is None:  # not a shell tool: nothing to say
                return Output()
            command, cwd = call.command, call.cwd
            from shellguard.config import load_config
            from shellguard.guard import Guard

            config = load_config()
            if settings is None:
                settings = AgentSettings.from_config(config)
                budget = settings.timeout_s
                left = budget - (time.monotonic() - started)
                if left <= 0:
                    raise HookTimeout()
                signal.setitimer(signal.ITIMER_REAL, left)
            guard = guard_factory(config) if guard_factory else Guard(config)
            decision = guard.check(command, cwd)  # type: ignore[attr-defined]
            output, answer = agent.respond(decision, settings)
            signal.setitimer(signal.ITIMER_REAL, 0)
            _log(where, command, cwd, decision, answer, config)
            return output
        except HookInputError as exc:
            why = f"could not read what the agent sent ({exc})"
        except HookTimeout:
            why = f"did not finish checking this command within {budget:g} s"
        except Exception as exc:  # any bug ends in the safe answer, never a traceback
            why = f"failed while checking this command ({type(exc).__name__}: {exc})"
        signal.setitimer(signal.ITIMER_REAL, 0)
        output, action = agent.fail_safe(why, settings or AgentSettings())
        if command is not None:
            _log_failure(where, command, cwd, why, action)
        return output
    except HookTimeout:  # the alarm fired in the handler above: still answer safely
        output, _action = agent.fail_safe("ran out of time", settings or AgentSettings())
        return output
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _log(where: str, command: str, cwd: str | None, decision: object, answer: str | None,
         config: object) -> None:
    from shellguard import audit

    audit.record_decision(where, command, cwd, decision, answer,
                          audit.AuditSettings.from_config(config))


def _log_failure(where: str, command: str, cwd: str | None, why: str, action: str) -> None:
    try:
        from shellguard import audit
        from shellguard.config import load_config

        audit.record(where=where, command=command, cwd=cwd, crud="UPDATE",
                     reason=f"shellguard {why}", source="fallback", confidence=0.0, action=action,
                     answer="blocked" if action == "deny" else None,
                     settings=audit.AuditSettings.from_config(load_config()))
    except Exception:
        pass


def main(agent: Agent) -> int:
    """``shellguard hook NAME``: stdin JSON in, the agent's answer out on the real stdout.

    fd 1 is pointed at stderr while we work, so a stray print from any library
    can never corrupt the answer the agent parses.
    """
    out = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    output = run(agent, sys.stdin.buffer)
    data = output.stdout.encode("utf-8")
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(out, view):]
    except OSError:
        pass
    return output.exit_code


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
