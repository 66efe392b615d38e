"""OpenAI Codex CLI's PreToolUse hook.

Input (stdin): ``{"session_id", "transcript_path", "cwd", "hook_event_name":
"PreToolUse", "model", "permission_mode", "tool_name": "Bash", "tool_input":
{"command"}, "tool_use_id"}`` (codex-rs/hooks/schema). Other tools (apply_patch,
MCP tools) pass untouched.

Codex acts on ``permissionDecision: "deny"`` only: it rejects ``ask`` and a bare
``allow`` as unsupported, marks the hook failed and then runs the command
anyway. So an allowed command gets no output at all, and a class that needs a
person's yes is denied with a reason that tells the agent to ask its user
(``[agents] codex_confirm = "pass"`` leaves those to Codex's own approvals instead).
"""

from __future__ import annotations

from shellguard.agents.common import (
    DenyToAsk,
    Output,
    ToolCall,
    command_field,
    cwd_field,
    guarded_tool,
    pre_tool_use,
)

__all__ = ["Codex", "AGENT"]


class Codex(DenyToAsk):
    name = "codex"
    tool_names = ("Bash",)
    confirm_setting = "codex_confirm"

    def tool_call(self, payload: dict) -> ToolCall | None:
        if not guarded_tool(payload, "PreToolUse", self.tool_names):
            return None
        return ToolCall(command_field(payload), cwd_field(payload))

    def deny(self, reason: str) -> Output:
        return pre_tool_use("deny", reason)


AGENT = Codex()
