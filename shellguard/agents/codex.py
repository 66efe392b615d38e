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
    AgentSettings,
    HookInputError,
    Output,
    ToolCall,
    command_field,
    cwd_field,
    dumps,
    reason_text,
)

__all__ = ["Codex", "AGENT"]

ASK_THE_USER = ("Do not retry it or work around it: show the user the command and ask them to "
                "run it themselves or to approve it.")


def _deny(reason: str) -> Output:
    return Output(dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse",
                                                "permissionDecision": "deny",
                                                "permissionDecisionReason": reason}}))


class Codex:
    name = "codex"
    tool_names = ("Bash",)

    def tool_call(self, payload: dict) -> ToolCall | None:
        event = payload.get("hook_event_name", "PreToolUse")
        if event != "PreToolUse":
            raise HookInputError(f"expected a PreToolUse event, got {event!r}")
        tool = payload.get("tool_name")
        if not isinstance(tool, str):
            raise HookInputError("'tool_name' is missing")
        if tool not in self.tool_names:
            return None
        return ToolCall(command_field(payload), cwd_field(payload))

    def respond(self, decision: object, settings: AgentSettings) -> tuple[Output, str | None]:
        action = decision.action  # type: ignore[attr-defined]
        if action == "allow":
            return Output(), None
        if action == "deny":
            return _deny(f"shellguard denies this by policy: {reason_text(decision)}."), "blocked"
        if settings.codex_confirm == "pass":
            return Output(), None
        return _deny(f"shellguard: this command needs the user's approval "
                     f"({reason_text(decision)}). {ASK_THE_USER}"), "blocked"

    def fail_safe(self, why: str, settings: AgentSettings) -> tuple[Output, str]:
        return _deny(f"shellguard {why}, so it is blocked. {ASK_THE_USER}"), "deny"


AGENT = Codex()
