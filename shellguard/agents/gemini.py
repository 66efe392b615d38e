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

from shellguard.agents.common import (
    DenyToAsk,
    HookInputError,
    Output,
    ToolCall,
    command_field,
    cwd_field,
    dumps,
    guarded_tool,
)

__all__ = ["Gemini", "AGENT"]


class Gemini(DenyToAsk):
    name = "gemini"
    tool_names = ("run_shell_command",)
    confirm_setting = "gemini_confirm"

    def tool_call(self, payload: dict) -> ToolCall | None:
        if not guarded_tool(payload, "BeforeTool", self.tool_names):
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

    def deny(self, reason: str) -> Output:
        return Output(dumps({"decision": "deny", "reason": reason}))


AGENT = Gemini()
