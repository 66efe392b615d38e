"""The embedded LLM: a local GGUF model weighs in on commands no rule decides.

``hook_from_config`` returns the classifier's hook (``classify(part, heuristic) ->
Finding | None``, see :class:`shellguard.classify.LlmHook`), or None when the LLM is
off in the config. The hook is a thin client (:mod:`.client`) of one model daemon
per user (:mod:`.daemon`); only the daemon imports llama_cpp (:mod:`.scoring`).

Modules: ``catalog`` (which models, where), ``settings`` (the ``[llm]`` table),
``pull`` (download), ``gate`` (how far an answer may go), ``client``, ``daemon``,
``scoring``, ``doctor`` (is the llama.cpp build usable here), ``tinymodel`` (a tiny
random-weight GGUF for tests and the build check).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shellguard.classify import LlmHook
    from shellguard.config import Config

__all__ = ["hook_from_config"]


def hook_from_config(config: Config) -> LlmHook | None:
    """The LLM hook for this config; None when ``[llm] enabled = false`` or unusable."""
    from shellguard.llm import catalog
    from shellguard.llm.client import LlmClient
    from shellguard.llm.settings import LlmSettings

    settings = LlmSettings.from_table(config.llm)
    if not settings.enabled:
        return None
    try:
        spec = catalog.configured(config.llm)
    except catalog.CatalogError as exc:
        sys.stderr.write(f"shellguard: {exc}; the local model is off\n")
        return None
    return LlmClient(settings, spec)
