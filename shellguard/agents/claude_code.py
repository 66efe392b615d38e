"""Claude Code's PreToolUse hook for the Bash tool.

Input (stdin): ``{"session_id", "transcript_path", "cwd", "permission_mode",
"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command",
"description", "timeout", "run_in_background"}, "tool_use_id"}``.

Answer: nothing (exit 0) when policy allows, so Claude Code's own permission
rules still apply; printing ``allow`` would widen what the agent may run, so it
is an opt-in (``[agents] claude_code_allow = true``). Classes that need a yes get
``{"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision":
"ask", "permissionDecisionReason": "..."}}`` and the person answers in Claude
Code's prompt; denied classes get ``deny``. A JSON answer on exit 0 is used rather
than exit 2 (a public report, anthropics/claude-code#23284, saw exit 2 ignored).
"""

from __future__ import annotations

from shellguard.agents.common import (
    AgentSettings,
    Output,
    ToolCall,
    command_field,
    cwd_field,
    guarded_tool,
    pre_tool_use,
    reason_text,
)

__all__ = ["ClaudeCode", "AGENT"]


class ClaudeCode:
    name = "claude-code"
    tool_names = ("Bash",)

    def tool_call(self, payload: dict) -> ToolCall | None:
        if not guarded_tool(payload, "PreToolUse", self.tool_names):
            return None
        return ToolCall(command_field(payload), cwd_field(payload))

    def respond(self, decision: object, settings: AgentSettings) -> tuple[Output, str | None]:
        action = decision.action  # type: ignore[attr-defined]
        if action == "allow":
            if settings.claude_code_allow:
                return pre_tool_use("allow", f"shellguard: {reason_text(decision)}"), None
            return Output(), None
        if action == "deny":
            return pre_tool_use("deny", f"shellguard denies this by policy: {reason_text(decision)}"), \
                "blocked"
        if settings.claude_code_confirm == "deny":
            return pre_tool_use("deny", f"shellguard: {reason_text(decision)}. This needs a person's "
                                   "yes; ask the user to approve it or to run it themselves."), \
                "blocked"
        return pre_tool_use("ask", f"shellguard: {reason_text(decision)}"), None

    def fail_safe(self, why: str, settings: AgentSettings) -> tuple[Output, str]:
        text = f"shellguard {why}; approve it only if you know what it does"
        if settings.claude_code_confirm == "deny":
            return pre_tool_use("deny", text), "deny"
        return pre_tool_use("ask", text), "confirm"


AGENT = ClaudeCode()
