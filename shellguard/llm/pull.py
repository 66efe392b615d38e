"""Download a model: streamed, resumable, checked, and moved into place atomically.

``pull(spec)`` writes ``<models>/<file>.part``, resuming it with an HTTP Range request
when it is already there (a server that ignores Range sends the whole file and the
part starts over), checks the size and SHA-256, then makes it ``0600`` and renames it
over the final name, so a model file is either complete and verified or absent.
Every failure is one :class:`PullError` line that says what to do: no network, an
HTTP error, a wrong size, a wrong hash (the bad file is removed), a full disk, or
Ctrl-C (the partial file is kept so the same command resumes).

Imports requests and tqdm: only ``shellguard model pull`` loads this module.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import re
import shutil
import sys
from pathlib import Path
from typing import IO
from urllib.parse import urlparse

import requests

from shellguard.errors import ExitCode, ShellguardError
from shellguard.llm import catalog
from shellguard.llm.catalog import ModelSpec

__all__ = ["pull", "PullError", "human"]

#: Room left free on the disk beyond the model itself.
DISK_MARGIN = 16 << 20
CHUNK = 1 << 20
#: Read size from the network: a dropped connection loses at most this much.
NET_CHUNK = 64 << 10
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


class PullError(ShellguardError):
    """A download failed; the message says what happened and what to do."""

    exit_code = ExitCode.UNAVAILABLE


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def _open_part(path: Path, mode: str) -> IO[bytes]:
    """Open the partial file (a seam for tests that simulate a full disk)."""
    return open(path, mode)  # noqa: SIM115 - closed by the caller


def _hash_file(path: Path, digest: hashlib._Hash) -> int:
    size = 0
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
            size += len(block)
    return size


def _progress(total: int | None, initial: int, desc: str, enabled: bool, out: IO[str]):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="B", unit_scale=True, unit_divisor=1024,
                desc=desc, disable=not enabled, file=out, dynamic_ncols=True, leave=True)


def pull(spec: ModelSpec, *, progress: bool | None = None, out: IO[str] | None = None,
         session: requests.Session | None = None, timeout: float = 30.0) -> Path:
    """Download ``spec`` into the models directory (or find it there); return its path."""
    out = out or sys.stderr
    if progress is None:
        progress = out.isatty()
    if not spec.downloadable:
        raise PullError(f"model '{spec.name}' has no URL and SHA-256 to download from; give "
                        "--url and --sha256, or set them under [llm.models.NAME]",
                        ExitCode.USAGE)
    dest = spec.file
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if dest.exists():
        if catalog.is_verified(spec) or catalog.verify(spec)[0]:
            return dest
        dest.unlink()  # a file that does not match: fetch it again
    lock_path = dest.with_name(dest.name + ".lock")
    with open(lock_path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise PullError(f"another 'shellguard model pull' is downloading {dest.name}; "
                            "wait for it to finish") from None
        try:
            return _download(spec, dest, progress, out, session or requests.Session(), timeout)
        finally:
            try:
                lock_path.unlink()
            except OSError:
                pass


def _download(spec: ModelSpec, dest: Path, progress: bool, out: IO[str],
              session: requests.Session, timeout: float, restarted: bool = False) -> Path:
    part = dest.with_name(dest.name + ".part")
    host = urlparse(spec.url or "").netloc or spec.url
    digest = hashlib.sha256()
    have = _hash_file(part, digest) if part.exists() else 0
    if spec.size is not None and have > spec.size:
        part.unlink()
        digest, have = hashlib.sha256(), 0
    if spec.size is not None:
        _check_space(dest.parent, spec.size - have)
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        resp = session.get(spec.url, headers=headers, stream=True, timeout=timeout)
    except requests.exceptions.Timeout:
        raise PullError(f"no answer from {host} within {timeout:.0f} s; check the network "
                        "and run the same command again") from None
    except requests.exceptions.RequestException as exc:
        raise PullError(f"no network: cannot reach {host} ({_reason(exc)}); check the "
                        "connection and run the same command again") from None
    with resp:
        if resp.status_code == 416 and have:
            if spec.size is not None and have == spec.size:
                return _finish(spec, dest, part, digest)
            part.unlink()
            if restarted:
                raise PullError(f"{host} refuses the download range; try again later")
            return _download(spec, dest, progress, out, session, timeout, restarted=True)
        if resp.status_code >= 400:
            raise PullError(f"HTTP {resp.status_code} {resp.reason or ''} from {host} for "
                            f"{dest.name}".replace("  ", " ") + "; check the URL"
                            + (f" (the partial file is kept in {part})" if have else ""))
        total = _total(resp, have)
        if resp.status_code != 206 and have:
            out.write(f"{host} does not resume downloads; starting {dest.name} again\n")
            digest, have = hashlib.sha256(), 0
            mode = "wb"
        else:
            mode = "ab" if have else "wb"
        if spec.size is not None and total is not None and total != spec.size:
            raise PullError(f"wrong size: {host} offers {total} bytes for {dest.name}, but it "
                            f"must be {spec.size}; nothing was changed", ExitCode.DATA)
        expected = spec.size if spec.size is not None else total
        if expected is not None and spec.size is None:
            _check_space(dest.parent, expected - have)
        _stream(resp, part, mode, have, expected, digest, progress, out, spec, host)
    return _finish(spec, dest, part, digest)


def _stream(resp: requests.Response, part: Path, mode: str, have: int, expected: int | None,
            digest: hashlib._Hash, progress: bool, out: IO[str], spec: ModelSpec,
            host: str) -> None:
    got = have
    of = f" of {human(expected)}" if expected else ""
    bar = _progress(expected, have, spec.name, progress, out)
    try:
        with _open_part(part, mode) as fh:
            try:
                for block in resp.iter_content(NET_CHUNK):
                    if not block:
                        continue
                    if expected is not None and got + len(block) > expected:
                        fh.close()
                        part.unlink()
                        raise PullError(f"wrong size: {host} sent more than the {expected} "
                                        f"bytes {part.name.removesuffix('.part')} must have; "
                                        "the partial file was removed", ExitCode.DATA)
                    fh.write(block)
                    digest.update(block)
                    got += len(block)
                    bar.update(len(block))
                fh.flush()
                os.fsync(fh.fileno())
            except requests.exceptions.RequestException:
                raise  # an OSError subclass, but the network's fault, not the disk's
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise PullError(f"disk full while writing {part}: {human(got)}{of} kept; "
                                    "free some space and run the same command again to "
                                    "resume", ExitCode.IO) from None
                raise PullError(f"cannot write {part} ({exc.strerror}); {human(got)}{of} "
                                "kept", ExitCode.IO) from None
    except KeyboardInterrupt:
        raise PullError(f"interrupted: {human(got)}{of} kept in {part}; run the same command "
                        "again to resume", ExitCode.INTERRUPTED) from None
    except (requests.exceptions.RequestException, ConnectionError) as exc:
        raise PullError(f"the download from {host} stopped after {human(got)}{of} "
                        f"({_reason(exc)}); run the same command again to resume") from None
    finally:
        bar.close()
    if expected is not None and got < expected:
        raise PullError(f"the download from {host} ended early at {human(got)}{of}; run the "
                        "same command again to resume")


def _finish(spec: ModelSpec, dest: Path, part: Path, digest: hashlib._Hash) -> Path:
    size = part.stat().st_size
    if spec.size is not None and size != spec.size:
        part.unlink()
        raise PullError(f"wrong size: {dest.name} is {size} bytes, it must be {spec.size}; "
                        "the file was removed", ExitCode.DATA)
    actual = digest.hexdigest()
    if spec.sha256 is not None and actual != spec.sha256:
        part.unlink()
        raise PullError(f"wrong SHA-256 for {dest.name}: got {actual[:16]}..., expected "
                        f"{spec.sha256[:16]}...; the file was removed (check the URL and "
                        "the hash)", ExitCode.DATA)
    os.chmod(part, 0o600)
    os.replace(part, dest)
    try:
        dir_fd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
    catalog.mark_verified(dest, actual)
    return dest


def _total(resp: requests.Response, have: int) -> int | None:
    """The size of the whole file, from Content-Range (206) or Content-Length (200)."""
    if resp.status_code == 206:
        m = _CONTENT_RANGE.match(resp.headers.get("Content-Range", ""))
        if m is None or int(m.group(1)) != have:
            raise PullError("the server answered the resume request with the wrong range; "
                            "delete the .part file and run the same command again")
        return int(m.group(3)) if m.group(3) != "*" else None
    length = resp.headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def _check_space(directory: Path, need: int) -> None:
    free = shutil.disk_usage(directory).free
    if need + DISK_MARGIN > free:
        raise PullError(f"not enough disk space in {directory}: the model needs "
                        f"{human(need)} more, {human(free)} is free; free some space or set "
                        "XDG_DATA_HOME to another disk", ExitCode.IO)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    for pattern, short in (("Name or service not known", "name not found"),
                           ("Temporary failure in name resolution", "name not found"),
                           ("Connection refused", "connection refused"),
                           ("Network is unreachable", "network unreachable"),
                           ("IncompleteRead", "connection closed early"),
                           ("Connection broken", "connection broken"),
                           ("timed out", "timed out")):
        if pattern in text:
            return short
    return text.splitlines()[0][:80]
