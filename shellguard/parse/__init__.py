"""Parsing: the real bash grammar (tree-sitter-bash) turned into the simple commands that would run.

The names below are loaded when first used: ``shellguard.parse.plain`` is all the
xonsh guard needs in the shell's own process, and the model's dataclasses take
xonsh's start-up ~7 ms to build.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shellguard.parse.model import Redirect, Script, SimpleCommand, Word
    from shellguard.parse.walk import MAX_DEPTH, parse_script

__all__ = ["MAX_DEPTH", "Redirect", "Script", "SimpleCommand", "Word", "parse_script"]

_HOME = {"Redirect": "model", "Script": "model", "SimpleCommand": "model", "Word": "model",
         "MAX_DEPTH": "walk", "parse_script": "walk"}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value
