"""Fixtures for the real-shell tests: a guarded zsh or bash in a pseudo-terminal.

Starting a shell costs a Python start-up (the co-process), so tests that leave the
shell as they found it share one session per shell (``shell``); tests that need their
own settings or plugins get a fresh one (``spawn``). A shared session that saw a
failure is replaced, so one failure does not cascade.
"""

from __future__ import annotations

import pytest
from shell_harness import BASH, ZSH, Session


def _need(kind: str) -> None:
    if kind == "zsh" and not ZSH:
        pytest.skip("zsh is not installed (.ci/run installs it)")
    if kind == "bash" and not BASH:
        pytest.skip("bash is not installed")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        item.shellguard_failed = True


def _close_all(sessions: list[Session]) -> None:
    failed = []
    for session in sessions:
        try:
            session.close()
        except Exception as exc:  # close every session, then report the first problem
            failed.append(exc)
            session.kill()
    if failed:
        raise failed[0]


@pytest.fixture
def spawn(tmp_path):
    """spawn(kind, **options) -> a fresh Session, closed (and checked) afterwards."""
    sessions: list[Session] = []

    def make(kind: str, **options) -> Session:
        _need(kind)
        session = Session(kind, tmp_path / f"{kind}{len(sessions) + 1}", **options)
        sessions.append(session)
        return session

    yield make
    _close_all(sessions)


@pytest.fixture(params=["zsh", "bash"])
def kind(request) -> str:
    return request.param


class _Shared:
    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.sessions: dict[str, Session] = {}
        self.retired: list[Session] = []

    def get(self, kind: str) -> Session:
        session = self.sessions.get(kind)
        if session is None or not session.child.isalive():
            session = Session(kind, self.factory.mktemp(f"shared-{kind}"))
            self.sessions[kind] = session
        return session

    def retire(self, kind: str) -> None:
        session = self.sessions.pop(kind, None)
        if session is not None:
            session.kill()


@pytest.fixture(scope="session")
def _shared(tmp_path_factory):
    shared = _Shared(tmp_path_factory)
    yield shared
    _close_all(list(shared.sessions.values()))


@pytest.fixture
def shell(kind, _shared, request) -> Session:
    """The shared guarded session for ``kind``, at an empty prompt."""
    _need(kind)
    session = _shared.get(kind)
    session.sync()
    yield session
    if getattr(request.node, "shellguard_failed", False):
        _shared.retire(kind)
