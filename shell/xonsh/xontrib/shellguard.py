"""Ask before a xonsh command changes or deletes anything (shellguard).

Load it with ``xontrib load shellguard`` (in ``~/.xonshrc``). Every command line is
classified as READ, CREATE, UPDATE or DELETE before it runs; READ runs at once, the
others show the class and the reason and ask ``Proceed? [y/N/a]``. Installing
shellguard alone does not turn this on. The code lives in ``shellguard.xonsh_guard``.
"""

from shellguard.xonsh_guard import load, unload


def _load_xontrib_(xsh, **_):
    return load(xsh)


def _unload_xontrib_(xsh, **_):
    unload(xsh)
