"""Downloads against a real HTTP server on 127.0.0.1 (with and without Range support)."""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from shellguard.errors import ExitCode
from shellguard.llm import catalog, pull
from shellguard.llm.catalog import ModelSpec
from shellguard.llm.pull import PullError

BODY = os.urandom(3 * 1024 * 1024 + 123)  # a few chunks of 1 MiB, and a ragged end
SHA = hashlib.sha256(BODY).hexdigest()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server: Server

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        srv = self.server
        srv.requests.append((self.path, self.headers.get("Range")))
        if self.path not in srv.files:
            self.send_error(404, "Not Found")
            return
        body = srv.files[self.path]
        start = 0
        rng = self.headers.get("Range")
        if rng and srv.ranges:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        if srv.send_length:
            self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        sent = start
        for i in range(start, len(body), 64 * 1024):
            block = body[i:i + 64 * 1024]
            if srv.drop_at is not None and sent + len(block) > srv.drop_at:
                self.wfile.write(body[sent:srv.drop_at])
                self.wfile.flush()
                srv.drop_at = None  # only once
                self.connection.shutdown(2)
                return
            try:
                self.wfile.write(block)
            except OSError:
                return
            srv.bytes_sent += len(block)
            sent += len(block)
            if srv.delay:
                time.sleep(srv.delay)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.files: dict[str, bytes] = {"/m.gguf": BODY}
        self.ranges = True
        self.send_length = True
        self.drop_at: int | None = None
        self.delay = 0.0
        self.bytes_sent = 0
        self.requests: list[tuple[str, str | None]] = []

    def url(self, path: str = "/m.gguf") -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


@pytest.fixture
def server():
    srv = Server()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def spec_for(srv: Server, path: str = "/m.gguf", sha: str = SHA,
             size: int | None = len(BODY)) -> ModelSpec:
    return ModelSpec(name="m", url=srv.url(path), sha256=sha, size=size, filename="m.gguf")


def part_of(spec: ModelSpec) -> Path:
    return spec.file.with_name(spec.file.name + ".part")


def test_download_verifies_and_moves_into_place(server) -> None:
    spec = spec_for(server)
    path = pull.pull(spec, progress=False)
    assert path == catalog.models_dir() / "m.gguf"
    assert path.read_bytes() == BODY
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not part_of(spec).exists()
    assert catalog.is_verified(spec)
    server.requests.clear()
    assert pull.pull(spec, progress=False) == path  # already there: no download
    assert server.requests == []


def test_resumes_with_range(server) -> None:
    spec = spec_for(server)
    part = part_of(spec)
    part.parent.mkdir(parents=True)
    part.write_bytes(BODY[:1_000_000])
    pull.pull(spec, progress=False)
    assert spec.file.read_bytes() == BODY
    assert server.requests == [("/m.gguf", "bytes=1000000-")]
    assert server.bytes_sent == len(BODY) - 1_000_000


def test_starts_over_when_the_server_ignores_range(server, capsys) -> None:
    server.ranges = False
    spec = spec_for(server)
    part = part_of(spec)
    part.parent.mkdir(parents=True)
    part.write_bytes(b"garbage" * 1000)
    pull.pull(spec, progress=False)
    assert spec.file.read_bytes() == BODY
    assert "does not resume" in capsys.readouterr().err


def test_a_complete_part_is_just_verified(server) -> None:
    spec = spec_for(server)
    part_of(spec).parent.mkdir(parents=True)
    part_of(spec).write_bytes(BODY)
    pull.pull(spec, progress=False)  # 416 from the server: nothing left to fetch
    assert spec.file.read_bytes() == BODY


def test_wrong_hash_removes_the_file(server) -> None:
    spec = spec_for(server, sha="0" * 64)
    with pytest.raises(PullError, match="wrong SHA-256.*removed") as err:
        pull.pull(spec, progress=False)
    assert err.value.exit_code == ExitCode.DATA
    assert not spec.file.exists() and not part_of(spec).exists()


def test_wrong_size_is_refused_before_downloading(server) -> None:
    spec = spec_for(server, size=len(BODY) + 1)
    with pytest.raises(PullError, match="wrong size") as err:
        pull.pull(spec, progress=False)
    assert err.value.exit_code == ExitCode.DATA
    assert not spec.file.exists()
    assert not part_of(spec).exists()  # nothing was written


def test_more_bytes_than_announced_is_a_wrong_size(server) -> None:
    server.send_length = False
    spec = spec_for(server, size=len(BODY) - 10)
    with pytest.raises(PullError, match="wrong size.*removed"):
        pull.pull(spec, progress=False)
    assert not spec.file.exists() and not part_of(spec).exists()


def test_http_404(server) -> None:
    with pytest.raises(PullError, match="HTTP 404") as err:
        pull.pull(spec_for(server, "/missing.gguf"), progress=False)
    assert err.value.exit_code == ExitCode.UNAVAILABLE
    assert "\n" not in str(err.value)


def test_no_network() -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    spec = ModelSpec(name="m", url=f"http://127.0.0.1:{port}/m.gguf", sha256=SHA,
                     size=len(BODY), filename="m.gguf")
    with pytest.raises(PullError, match="no network: cannot reach 127.0.0.1"):
        pull.pull(spec, progress=False)


def test_connection_dropped_mid_file_keeps_the_part_and_resumes(server) -> None:
    server.drop_at = 1_500_000
    spec = spec_for(server)
    with pytest.raises(PullError, match="run the same command again to resume"):
        pull.pull(spec, progress=False)
    kept = part_of(spec).stat().st_size
    assert 1_500_000 - pull.NET_CHUNK <= kept <= 1_500_000  # at most one read lost
    assert not spec.file.exists()
    pull.pull(spec, progress=False)
    assert spec.file.read_bytes() == BODY
    assert server.requests[-1] == ("/m.gguf", f"bytes={kept}-")


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    """XDG_DATA_HOME on a 1 MB tmpfs (root can mount one); None where that fails."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
                          capture_output=True)
    if done.returncode != 0:
        yield None
        return
    monkeypatch.setenv("XDG_DATA_HOME", str(mnt))
    yield mnt
    subprocess.run(["umount", str(mnt)], check=False)


def test_not_enough_disk_space_is_found_first(server, small_disk) -> None:
    if small_disk is None:
        pytest.skip("cannot mount a small tmpfs here (the ENOSPC test below still runs)")
    with pytest.raises(PullError, match="not enough disk space") as err:
        pull.pull(spec_for(server), progress=False)
    assert err.value.exit_code == ExitCode.IO
    assert server.requests == []


def test_disk_full_while_writing(server, small_disk, monkeypatch) -> None:
    """Size unknown in advance (no size pinned, no Content-Length): the write fails."""
    server.send_length = False
    if small_disk is None:  # simulate ENOSPC at the write layer instead
        real = pull._open_part

        class Full:
            def __init__(self, fh):
                self.fh, self.n = fh, 0

            def write(self, b):
                if self.n + len(b) > 1_000_000:
                    raise OSError(errno.ENOSPC, "No space left on device")
                self.n += len(b)
                return self.fh.write(b)

            def __getattr__(self, name):
                return getattr(self.fh, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.fh.close()

        monkeypatch.setattr(pull, "_open_part", lambda p, m: Full(real(p, m)))
    monkeypatch.setattr(pull, "DISK_MARGIN", 0)
    spec = spec_for(server, size=None)
    with pytest.raises(PullError, match="disk full.*kept") as err:
        pull.pull(spec, progress=False)
    assert err.value.exit_code == ExitCode.IO
    assert part_of(spec).exists() and not spec.file.exists()


def test_ctrl_c_keeps_the_partial_file(server, tmp_path) -> None:
    """SIGINT to a real `shellguard model pull`: exit 130, the .part stays for a resume."""
    server.delay = 0.05
    cmd = [sys.executable, "-m", "shellguard", "model", "pull", "--url", server.url(),
           "--sha256", SHA, "--size", str(len(BODY))]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    part = catalog.models_dir() / "m.gguf.part"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not part.exists() or part.stat().st_size < 200_000):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.INTERRUPTED, err
    assert "interrupted" in err and "resume" in err
    assert len(err.strip().splitlines()) <= 2  # the "downloading" line and the error
    kept = part.stat().st_size
    assert 0 < kept < len(BODY)
    server.delay = 0.0
    pull.pull(catalog.from_url(server.url(), SHA, len(BODY)), progress=False)
    assert (catalog.models_dir() / "m.gguf").read_bytes() == BODY
    assert server.requests[-1][1] == f"bytes={kept}-"


def test_cli_pull_list_verify_rm(server, capsys) -> None:
    from shellguard.cli import main

    cfg = Path(os.environ["XDG_CONFIG_HOME"]) / "shellguard" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(f'[llm]\nmodel = "mine"\n\n[llm.models.mine]\nurl = "{server.url()}"\n'
                   f'sha256 = "{SHA}"\nsize = {len(BODY)}\n')
    assert main(["model", "pull"]) == 0
    path = catalog.models_dir() / "m.gguf"
    out, err = capsys.readouterr()
    assert out.strip() == str(path)
    # random bytes are no GGUF: the download stands, preparing it is a one-line warning
    assert "downloaded, but llama.cpp could not prepare it" in err
    assert main(["model", "list"]) == 0
    listing = capsys.readouterr().out
    assert "mine\tverified,configured\t" in listing
    assert "tinyllama-1.1b-chat\tabsent\t" in listing
    assert main(["model", "verify"]) == 0
    assert main(["model", "path"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(path)
    with open(path, "r+b") as fh:  # corrupt one byte
        fh.write(b"X")
    assert main(["model", "verify"]) == ExitCode.DATA
    assert "does not match" in capsys.readouterr().err
    assert main(["model", "rm"]) == 0
    assert not path.exists()
    assert main(["model", "pull", "--url", server.url()]) == ExitCode.USAGE
    assert main(["model", "pull", "--url", server.url(), "--sha256", "abc"]) == ExitCode.USAGE


def test_pull_prepares_the_prompt_for_the_daemon(server, tiny_chat, capsys) -> None:
    """After the download the few-shot prompt is evaluated and saved, so that the model
    daemon's first start reads it back (a 1.1B model needs tens of seconds for it)."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    from shellguard.cli import main
    from shellguard.llm.scoring import Scorer

    body = tiny_chat.read_bytes()
    server.files["/tiny.gguf"] = body
    sha = hashlib.sha256(body).hexdigest()
    states = Path(os.environ["XDG_CACHE_HOME"]) / "shellguard" / "llm"
    assert main(["model", "pull", "--url", server.url("/tiny.gguf"), "--sha256", sha,
                 "--no-prepare"]) == 0
    assert not list(states.glob("prefix-*.state"))
    assert main(["model", "pull", "--url", server.url("/tiny.gguf"), "--sha256", sha]) == 0
    out, err = capsys.readouterr()
    assert "ready (prepared in" in err
    assert len(list(states.glob("prefix-*.state"))) == 1
    scorer = Scorer(out.strip().splitlines()[-1])  # what the daemon does at its start
    try:
        assert scorer.prefix_from_cache
    finally:
        scorer.close()


def test_config_shows_every_llm_setting(capsys) -> None:
    from shellguard.cli import main

    cfg = Path(os.environ["XDG_CONFIG_HOME"]) / "shellguard" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('[llm]\nthreads = 2\nconfidence = 7\n')
    assert main(["config"]) == ExitCode.DATA  # confidence = 7 is a problem
    out = capsys.readouterr().out
    for key in ("enabled", "model", "inference_timeout_ms", "threads", "confidence",
                "read_confidence", "allow_read", "idle_unload_s", "calibrate"):
        assert f"\n{key} = " in out
    assert f"threads = 2    # {cfg}" in out
    assert "'llm.confidence' must be a number from 0 to 1" in out
