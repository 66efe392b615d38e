"""bin/shellguard, the sh front of the CLI: `init` from its cache, everything else to Python."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shellguard import __version__, shells
from shellguard.errors import ExitCode

REPO = Path(__file__).resolve().parents[2]
PYTHON_CLI = Path(sys.executable).parent / "shellguard-py"


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """The checkout's launcher beside the installed Python CLI, as pip lays them out."""
    if not PYTHON_CLI.exists():
        pytest.fail(f"{PYTHON_CLI} is missing: install shellguard (make setup)")
    folder = tmp_path / "bin"
    folder.mkdir()
    shutil.copy2(REPO / "bin" / "shellguard", folder / "shellguard")
    (folder / "shellguard-py").symlink_to(PYTHON_CLI)
    return folder


def _run(bin_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(bin_dir / "shellguard"), *args], capture_output=True, text=True,
                          timeout=60, env=env)


def _cache(shell: str) -> Path:
    return Path(os.environ["XDG_CACHE_HOME"]) / "shellguard" / "init" / f"{shell}.sh"


def _cached_text(bin_dir: Path, shell: str, *args: str) -> str:
    """What the cache prints for ``init SHELL ARGS`` from ``bin_dir``, run as the
    launcher runs it (sh, with its key set); fails when the key does not match."""
    key = f"init {shell}{''.join(' ' + arg for arg in args)} ({bin_dir / 'shellguard-py'})"
    result = subprocess.run(["sh", "-c", 'key="$1"; . "$2"', "sh", key, str(_cache(
        shell + ("-agent" if args else "")))], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result
    return result.stdout


def test_init_prints_what_python_prints_and_keeps_it(bin_dir):
    for args in (["init", "zsh"], ["init", "bash", "--agent"], ["init", "xonsh"]):
        result = _run(bin_dir, *args)
        assert result.returncode == 0 and result.stderr == ""
        direct = subprocess.run([str(PYTHON_CLI), *args], capture_output=True, text=True,
                                check=True).stdout
        assert result.stdout.rstrip("\n") == direct.rstrip("\n")
        assert _cached_text(bin_dir, *args[1:]) == result.stdout
        # the second time it comes from the cache, unchanged
        assert _run(bin_dir, *args).stdout == result.stdout


def test_a_fresh_cache_is_printed_without_starting_python(bin_dir):
    cache = _cache("bash")
    cache.parent.mkdir(parents=True)
    cache.write_text(f"[ \"$key\" = 'init bash ({bin_dir / 'shellguard-py'})' ] || return 1\n"
                     "printf '%s\\n' ': from the cache'\n")
    # PATH without Python either: only sh builtins may run
    result = _run(bin_dir, "init", "bash", env={**os.environ, "PATH": "/nonexistent"})
    assert (result.returncode, result.stdout, result.stderr) == (0, ": from the cache\n", "")


def test_a_cache_someone_else_owns_is_never_run(bin_dir):
    if os.getuid() != 0:
        pytest.skip("needs root to give the file to another user")
    cache = _cache("bash")
    cache.parent.mkdir(parents=True)
    cache.write_text(f"[ \"$key\" = 'init bash ({bin_dir / 'shellguard-py'})' ] || return 1\n"
                     "printf '%s\\n' ': planted'\n")
    os.chown(cache, 65534, 65534)
    result = _run(bin_dir, "init", "bash")
    assert result.returncode == 0 and ": planted" not in result.stdout
    assert "shellguard.bash" in result.stdout and cache.stat().st_uid == 0   # written anew


def test_the_compiled_zsh_script_is_kept_only_where_no_one_else_can_write(tmp_path):
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "shellguard" / "zsh"
    assert str(folder) in shells.render("zsh", compiled=True)
    assert oct(next(folder.iterdir()).stat().st_mode & 0o777) == "0o700"
    folder.chmod(0o777)
    assert str(folder) not in shells.render("zsh", compiled=True)   # the package's text
    folder.chmod(0o755)
    assert str(folder) in shells.render("zsh", compiled=True)


def test_a_stale_or_foreign_cache_is_replaced(bin_dir):
    cache = _cache("zsh")
    cache.parent.mkdir(parents=True)
    real = shells.render("zsh", compiled=True)
    for installation, mtime in ((bin_dir, 0), ("/elsewhere", None)):
        cache.write_text(f"[ \"$key\" = 'init zsh ({installation}/shellguard-py)' ] || return 1\n"
                         "printf '%s\\n' ': stale'\n")
        if mtime is not None:  # older than the installation
            os.utime(cache, (mtime, mtime))
        result = _run(bin_dir, "init", "zsh")
        assert result.returncode == 0 and result.stdout.rstrip("\n") == real.rstrip("\n")
        assert _cached_text(bin_dir, "zsh") == result.stdout


def test_the_cache_keeps_any_text_and_path_exactly(tmp_path):
    """The cache quotes for sh what it keeps: quotes, dollars, backslashes and blank
    lines in the text, an installation path with a quote and a space in it."""
    odd = tmp_path / "it's a dir"
    odd.mkdir()
    shutil.copy2(REPO / "bin" / "shellguard", odd / "shellguard")
    text = "a 'quoted' \"word\"\n$HOME `x` \\n \\\n\n\n%s %%\nend"
    fake = odd / "shellguard-py"
    fake.write_text(f"#!/bin/sh\ncat <<'EOF'\n{text}\nEOF\n")
    fake.chmod(0o755)
    for _ in range(2):  # the second time from the cache
        result = _run(odd, "init", "bash")
        assert (result.returncode, result.stdout, result.stderr) == (0, text + "\n", "")
        fake.write_text("#!/bin/sh\nexit 3\n")  # only the cache can answer now
        later = fake.stat().st_mtime + 2  # (dash compares whole seconds)
        os.utime(_cache("bash"), (later, later))


def test_other_commands_and_bad_arguments_go_to_python(bin_dir):
    assert _run(bin_dir, "--version").stdout == f"shellguard {__version__}\n"
    for args in (["init", "fish"], ["init", "xonsh", "--agent"], ["init"], ["init", "zsh", "-x"]):
        result = _run(bin_dir, *args)
        assert result.returncode == ExitCode.USAGE and result.stdout == ""
        assert result.stderr.strip().count("\n") <= 2 and "shellguard" in result.stderr
    assert not (Path(os.environ["XDG_CACHE_HOME"]) / "shellguard" / "init").exists()
    result = _run(bin_dir, "init", "--help")
    assert result.returncode == 0 and 'eval "$(shellguard init zsh)"' in result.stdout


def test_a_link_to_the_launcher_alone_finds_the_python_cli(bin_dir, tmp_path):
    elsewhere = tmp_path / "local-bin"
    elsewhere.mkdir()
    (elsewhere / "shellguard").symlink_to(bin_dir / "shellguard")
    for _ in range(2):  # the second time from the cache
        result = _run(elsewhere, "init", "bash")
        assert result.returncode == 0 and result.stderr == ""
        assert result.stdout.rstrip("\n") == shells.render("bash").rstrip("\n")
    assert _cached_text(bin_dir, "bash") == result.stdout
    assert _run(elsewhere, "--version").stdout == f"shellguard {__version__}\n"


def test_a_cache_that_cannot_be_written_costs_nothing_but_speed(bin_dir, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    env = {**os.environ, "XDG_CACHE_HOME": str(blocked)}
    result = _run(bin_dir, "init", "bash", env=env)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.rstrip("\n") == shells.render("bash").rstrip("\n")
    assert blocked.read_text() == ""


def test_zsh_loads_the_compiled_script_and_recompiles_it_when_stale(bin_dir):
    if not shutil.which("zsh"):
        pytest.skip("zsh is not installed")
    probe = f'eval "$({bin_dir}/shellguard init zsh)"; print -r -- $+functions[_shellguard_start]'
    env = {**os.environ, "ZDOTDIR": str(bin_dir)}  # no user rc files

    def start() -> str:
        result = subprocess.run(["zsh", "-i", "-c", probe], capture_output=True, text=True,
                                timeout=60, env=env)
        assert result.stderr == "" or "no job control" in result.stderr, result.stderr
        return result.stdout

    assert start() == "1\n"
    links = list((Path(os.environ["XDG_CACHE_HOME"]) / "shellguard" / "zsh").glob("*/shellguard.zsh"))
    assert len(links) == 1 and links[0].resolve() == shells.script_path("zsh").resolve()
    compiled = Path(f"{links[0]}.zwc")
    assert compiled.is_file() and compiled.stat().st_mtime >= links[0].stat().st_mtime
    os.utime(compiled, (0, 0))  # as if the script had been edited or upgraded since
    assert start() == "1\n"
    assert compiled.stat().st_mtime >= links[0].stat().st_mtime
    # no spare left behind
    assert sorted(p.name for p in compiled.parent.iterdir()) == ["shellguard.zsh",
                                                                  "shellguard.zsh.zwc"]
