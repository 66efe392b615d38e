"""The embedded LLM: the plug-in point for commands no rule decides.

``hook_from_config`` returns an object with ``classify(part, heuristic) -> Finding | None``
(see :class:`shellguard.classify.LlmHook`), or None when the LLM is off or absent.
Nothing here imports llama_cpp: the model lives in its own process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shellguard.classify import LlmHook
    from shellguard.config import Config

__all__ = ["hook_from_config"]


def hook_from_config(config: Config) -> LlmHook | None:
    """No LLM is wired in yet: unknown commands get the verb heuristic, which always asks."""
    return None
