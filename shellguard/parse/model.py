"""What a command line would run, as plain frozen values (no tree-sitter types leak out)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Word", "Redirect", "SimpleCommand", "Script"]


@dataclass(frozen=True)
class Word:
    """One shell word after quote removal.

    ``dynamic`` is true when part of the word is only known at run time
    (``$VAR``, ``$(...)``, ``<(...)``); ``text`` then keeps those parts as written.
    ``procsub`` marks a word that is a process substitution (``<(curl ...)``).
    """

    text: str
    raw: str
    dynamic: bool = False
    procsub: bool = False


@dataclass(frozen=True)
class Redirect:
    """A redirection: ``op`` as written (``>``, ``>>``, ``&>``, ``<``, ``<<``, ``<<<``, ``>&`` ...).

    ``fd`` is the explicit descriptor (``2`` in ``2>&1``) or ``""``; ``target`` is
    the destination word (``None`` for here-docs); ``body`` is the text a here-doc
    or here-string feeds to stdin.
    """

    op: str
    target: Word | None
    fd: str = ""
    body: str | None = None
    raw: str = ""
    #: True for a redirection with no command at all (``> file``): a truncation.
    bare: bool = False

    @property
    def writes(self) -> bool:
        return self.op in (">", ">>", ">|", "&>", "&>>", "<>")

    @property
    def feeds_stdin(self) -> bool:
        """A here-doc or here-string on stdin: its text is on the line (``body``)."""
        return self.op in ("<<", "<<-", "<<<") and (self.fd in ("", "0"))

    @property
    def replaces_stdin(self) -> bool:
        """Standard input comes from somewhere else: a file, a descriptor, a here-doc."""
        return self.op in ("<", "<>", "<&", "<<", "<<-", "<<<") and self.fd in ("", "0")


@dataclass(frozen=True)
class SimpleCommand:
    """One simple command that would run, with what feeds it.

    ``upstream`` holds the commands before it in the same pipeline, so that
    ``curl URL | sh`` can be told apart from ``echo hi | sh``.
    ``context`` says where it sits: ``top``, ``substitution`` (``$()``, backticks,
    ``<()``), ``function`` (a function body) or ``nested`` (a payload such as
    ``bash -c '...'``, filled in by the classifier).
    """

    words: tuple[Word, ...]
    assignments: tuple[str, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    text: str = ""
    upstream: tuple[SimpleCommand, ...] = ()
    context: str = "top"

    @property
    def argv(self) -> tuple[str, ...]:
        return tuple(w.text for w in self.words)

    @property
    def name(self) -> str:
        return self.words[0].text if self.words else ""

    @property
    def stdin_fed(self) -> bool:
        """Does the line feed this command's standard input (a pipe or a redirection)?"""
        return bool(self.upstream) or any(r.replaces_stdin for r in self.redirects)

    @property
    def stdin_body(self) -> str | None:
        """Text fed on stdin by a here-doc or here-string, if any."""
        for r in self.redirects:
            if r.feeds_stdin and r.body is not None:
                return r.body
        return None


@dataclass(frozen=True)
class Script:
    """Everything that would run for one command line.

    ``redirects`` lists every redirection anywhere in the line (also those on
    compound statements, ``{ ...; } > f``), each once. ``complete`` is false when the
    grammar found errors or missing pieces: what parsed is still listed, and the
    classifier must then never answer below "confirm".
    """

    commands: tuple[SimpleCommand, ...]
    redirects: tuple[Redirect, ...] = ()
    complete: bool = True
    problems: tuple[str, ...] = field(default=())
