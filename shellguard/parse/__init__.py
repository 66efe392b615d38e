"""Parsing: the real bash grammar (tree-sitter-bash) turned into the simple commands that would run."""

from shellguard.parse.model import Redirect, Script, SimpleCommand, Word
from shellguard.parse.walk import MAX_DEPTH, parse_script

__all__ = ["MAX_DEPTH", "Redirect", "Script", "SimpleCommand", "Word", "parse_script"]
