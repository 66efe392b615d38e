"""Fixtures for the xonsh tests; the harness is in xonsh_harness.py."""

from __future__ import annotations

import pytest
from xonsh_harness import Xonsh


@pytest.fixture(scope="module")
def xonsh(tmp_path_factory: pytest.TempPathFactory):
    """One interactive xonsh for a whole test module."""
    session = Xonsh(tmp_path_factory.mktemp("xonsh"))
    yield session
    session.close()
