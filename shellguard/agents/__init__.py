"""Agent hooks: Claude Code, Codex and Gemini CLI ask shellguard before running a shell command.

``common`` holds the shared flow (read, classify, answer, fail safe, log); each
agent module speaks one agent's JSON; ``install`` writes the hook into the
agent's settings file and takes it out again.
"""

from __future__ import annotations

__all__ = ["AGENTS", "get"]

#: Agent names as the CLI and the audit log spell them.
AGENTS = ("claude-code", "codex", "gemini")


def get(name: str):  # type: ignore[no-untyped-def]
    """The agent object for a name in :data:`AGENTS`."""
    if name == "claude-code":
        from shellguard.agents.claude_code import AGENT
    elif name == "codex":
        from shellguard.agents.codex import AGENT
    elif name == "gemini":
        from shellguard.agents.gemini import AGENT
    else:
        raise KeyError(name)
    return AGENT
