"""Gemini CLI's BeforeTool hook for ``run_shell_command``.

Input (stdin): ``{"session_id", "transcript_path", "cwd", "hook_event_name":
"BeforeTool", "timestamp", "tool_name": "run_shell_command", "tool_input":
{"command", "description", "directory" (or "dir_path"), ...}}``; the command runs
in ``directory`` relative to the project root (``cwd``). Other tools pass.

Answer: nothing when policy allows; ``{"decision": "deny", "reason": "..."}``
otherwise (the reason goes to the agent as the tool's error). Gemini CLI has no
ask; ``[agents] gemini_confirm = "pass"`` leaves confirm classes to Gemini's own
confirmation instead.
"""

from __future__ import annotations

import os

from shellguard.agents.codex import ASK_THE_USER
from shellguard.agents.common import (
    AgentSettings,
    HookInputError,
    Output,
    ToolCall,
    command_field,
    cwd_field,
    dumps,
    reason_text,
)

__all__ = ["Gemini", "AGENT"]


def _deny(reason: str) -> Output:
    return Output(dumps({"decision": "deny", "reason": reason}))


class Gemini:
    name = "gemini"
    tool_names = ("run_shell_command",)

    def tool_call(self, payload: dict) -> ToolCall | None:
        event = payload.get("hook_event_name", "BeforeTool")
        if event != "BeforeTool":
            raise HookInputError(f"expected a BeforeTool event, got {event!r}")
        tool = payload.get("tool_name")
        if not isinstance(tool, str):
            raise HookInputError("'tool_name' is missing")
        if tool not in self.tool_names:
            return None
        command = command_field(payload)
        cwd = cwd_field(payload)
        tool_input = payload["tool_input"]
        sub = tool_input.get("directory", tool_input.get("dir_path"))
        if sub is not None:
            if not isinstance(sub, str) or "\x00" in sub:
                raise HookInputError("'tool_input.directory' is not a string")
            cwd = os.path.normpath(os.path.join(cwd or "", sub)) if sub else cwd
        return ToolCall(command, cwd)

    def respond(self, decision: object, settings: AgentSettings) -> tuple[Output, str | None]:
        action = decision.action  # type: ignore[attr-defined]
        if action == "allow":
            return Output(), None
        if action == "deny":
            return _deny(f"shellguard denies this by policy: {reason_text(decision)}."), "blocked"
        if settings.gemini_confirm == "pass":
            return Output(), None
        return _deny(f"shellguard: this command needs the user's approval "
                     f"({reason_text(decision)}). {ASK_THE_USER}"), "blocked"

    def fail_safe(self, why: str, settings: AgentSettings) -> tuple[Output, str]:
        return _deny(f"shellguard {why}, so it is blocked. {ASK_THE_USER}"), "deny"


AGENT = Gemini()
