"""No rule knows this command: pick the class to show from its verb words.

The action is always "confirm": an unknown program is never passed as READ by
guesswork. With no clue at all the class is CREATE, the original design's safe default.
"""

from __future__ import annotations

import re

from shellguard.verdict import Crud, Finding

__all__ = ["guess", "verb_class"]

_VERBS: dict[Crud, frozenset[str]] = {
    Crud.DELETE: frozenset("""
        delete del remove rm destroy purge drop prune erase wipe uninstall unlink truncate
        clean cleanup clear nuke terminate kill reset flush rmi rmdir expunge evict teardown
        shred obliterate discard deregister unregister decommission""".split()),
    Crud.UPDATE: frozenset("""
        set update edit modify apply push deploy upgrade patch write save rename move mv change
        enable disable start stop restart reload sync migrate merge replace configure chmod
        chown publish release rollout scale restore put mount unmount umount bump link unlink
        attach detach assign grant revoke rotate promote rollback revert import upload login
        logout activate deactivate lock unlock approve toggle override sign encrypt decrypt
        rebase commit reindex restart""".split()),
    Crud.CREATE: frozenset("""
        create new init add make mk mkdir generate gen build install scaffold register clone
        insert touch bootstrap provision launch spawn fork compile package copy cp download
        pull fetch backup snapshot export dump archive zip tar render emit allocate open
        invite issue""".split()),
    Crud.READ: frozenset("""
        get list ls show describe status view log logs cat info inspect print search find query
        read check diff version help whoami ps top stat stats tail head explain validate lint
        preview plan count history tree doctor verify audit outdated which display lookup
        watch browse ping test env tell summary summarize report dry""".split()),
}

_SPLIT = re.compile(r"[^a-z0-9]+")


def verb_class(words: list[str] | tuple[str, ...]) -> tuple[Crud, str] | None:
    """The strictest class any verb word suggests, with that word; None without a clue."""
    best: tuple[Crud, str] | None = None
    for word in words:
        for piece in _SPLIT.split(word.lower()):
            for crud in (Crud.DELETE, Crud.UPDATE, Crud.CREATE, Crud.READ):
                if piece in _VERBS[crud] and (best is None or crud > best[0]):
                    best = (crud, piece)
                    break
    return best


def guess(argv: tuple[str, ...], part: str, known_program: bool) -> Finding:
    """A confirm-always finding for a command the rules do not decide."""
    name = argv[0].rsplit("/", 1)[-1] if argv else "?"
    clue = verb_class(argv[1:]) or verb_class(argv[:1])
    what = f"'{name} {argv[1]}'" if known_program and len(argv) > 1 else f"'{name}'"
    unknown = (f"{what} is not in shellguard's rules" if known_program
               else f"{what} is a program shellguard does not know")
    if clue is None:
        return Finding(part, Crud.CREATE, f"{unknown}; its effect cannot be seen",
                       source="heuristic", rule_id="heuristic.unknown", confidence=0.3, confirm=True)
    crud, verb = clue
    return Finding(part, crud, f"{unknown}; the word '{verb}' suggests {crud.name}",
                   source="heuristic", rule_id="heuristic.verb", confidence=0.5, confirm=True)
