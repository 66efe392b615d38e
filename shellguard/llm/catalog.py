"""Which model files shellguard knows, where they live, and how to check one.

A model is named in the config (``[llm] model = "NAME"``): a built-in name, a name
under ``[llm.models.NAME]`` (``url`` + ``sha256`` [+ ``size``], or ``path``), or given
directly by ``[llm] path = "/some/model.gguf"`` or ``[llm] url`` + ``sha256``.
Downloaded files live in ``$XDG_DATA_HOME/shellguard/models/``. Light imports only:
the co-process uses this to find the model file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from shellguard import paths
from shellguard.errors import ExitCode, ShellguardError

__all__ = ["ModelSpec", "BUILTIN", "DEFAULT_MODEL", "models_dir", "resolve", "configured",
           "sha256_file", "verify", "is_verified", "mark_verified", "forget_verified",
           "CatalogError"]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class CatalogError(ShellguardError):
    """A model name, URL or checksum in the config or on the command line is not usable."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class ModelSpec:
    """One model: where to get it, what it must hash to, and where it is kept."""

    name: str
    url: str | None = None
    sha256: str | None = None
    size: int | None = None
    filename: str | None = None
    path: Path | None = None  # a local file used in place (nothing to download)
    description: str = ""
    license: str = ""

    @property
    def file(self) -> Path:
        """Where the model file is (a local path, or the models directory)."""
        if self.path is not None:
            return self.path
        return models_dir() / (self.filename or f"{self.name}.gguf")

    @property
    def downloadable(self) -> bool:
        return self.url is not None and self.sha256 is not None


BUILTIN: dict[str, ModelSpec] = {
    "tinyllama-1.1b-chat": ModelSpec(
        name="tinyllama-1.1b-chat",
        url="https://huggingface.co/TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF/resolve/"
            "52e7645ba7c309695bec7ac98f4f005b139cf465/tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf",
        sha256="9fecc3b3cd76bba89d504f29b616eedf7da85b96540e490ca5824d3f7d2776a0",
        size=668_788_096,
        filename="tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf",
        description="TinyLlama-1.1B-Chat v1.0, Q4_K_M",
        license="apache-2.0",
    ),
}
DEFAULT_MODEL = "tinyllama-1.1b-chat"


def models_dir() -> Path:
    return paths.data_dir() / "models"


def _check_sha(value: object, where: str) -> str:
    if not isinstance(value, str) or not _HEX64.match(value.strip().lower()):
        raise CatalogError(f"{where}: sha256 must be 64 hexadecimal digits")
    return value.strip().lower()


def _filename_from_url(url: str) -> str:
    name = Path(unquote(urlparse(url).path)).name
    if not name or not re.match(r"^[\w.+-]+$", name):
        raise CatalogError(f"cannot tell a file name from the URL {url}")
    return name if name.endswith(".gguf") else name + ".gguf"


def from_url(url: str, sha256: str, size: int | None = None, name: str | None = None) -> ModelSpec:
    """A model given on the command line or in ``[llm] url``/``sha256``."""
    if not re.match(r"^https?://", url):
        raise CatalogError(f"the model URL must start with http:// or https:// (got {url!r})")
    filename = _filename_from_url(url)
    return ModelSpec(name=name or filename.removesuffix(".gguf"), url=url,
                     sha256=_check_sha(sha256, "--sha256"), size=size, filename=filename)


def _from_table(name: str, table: object) -> ModelSpec:
    where = f"llm.models.{name}"
    if not isinstance(table, dict):
        raise CatalogError(f"'{where}' must be a table with url and sha256, or path")
    size = table.get("size")
    if size is not None and (not isinstance(size, int) or size <= 0):
        raise CatalogError(f"'{where}.size' must be a positive number of bytes")
    sha = _check_sha(table["sha256"], where) if "sha256" in table else None
    if "path" in table:
        return ModelSpec(name=name, path=Path(str(table["path"])).expanduser(), sha256=sha,
                         size=size)
    if "url" not in table or sha is None:
        raise CatalogError(f"'{where}' needs url and sha256 (or path)")
    spec = from_url(str(table["url"]), sha, size, name)
    filename = table.get("file")
    if isinstance(filename, str) and re.match(r"^[\w.+-]+$", filename):
        spec = ModelSpec(name, spec.url, spec.sha256, size, filename)
    return spec


def named(llm: dict) -> dict[str, ModelSpec]:
    """Built-in models plus those under ``[llm.models]`` (config entries win)."""
    out = dict(BUILTIN)
    table = llm.get("models") or {}
    if isinstance(table, dict):
        for name, entry in table.items():
            out[name] = _from_table(name, entry)
    return out


def resolve(llm: dict, name: str | None = None) -> ModelSpec:
    """The model a name refers to, or the configured one when ``name`` is None."""
    if name is None:
        if llm.get("path"):
            sha = _check_sha(llm["sha256"], "llm") if llm.get("sha256") else None
            return ModelSpec(name="local", path=Path(str(llm["path"])).expanduser(), sha256=sha)
        if llm.get("url"):
            return from_url(str(llm["url"]), str(llm.get("sha256", "")), None)
        name = str(llm.get("model") or DEFAULT_MODEL)
    models = named(llm)
    if name in models:
        return models[name]
    if llm.get("path") or llm.get("url"):  # the name 'model list' shows for [llm] path/url
        current = resolve(llm, None)
        if current.name == name:
            return current
    if name.endswith(".gguf") and os.path.sep in name:
        return ModelSpec(name=Path(name).name, path=Path(name).expanduser())
    known = ", ".join(sorted(models))
    raise CatalogError(f"no model named '{name}' (known: {known}); add it under "
                       "[llm.models.NAME] with url and sha256, or use --url and --sha256")


def configured(llm: dict) -> ModelSpec:
    """The model the config selects (the default model when the config says nothing)."""
    return resolve(llm, None)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _stamp(path: Path) -> Path:
    """Where the "this file hashed to X" note for ``path`` is kept (a cache: losing it only
    means hashing again)."""
    key = hashlib.sha256(str(path.absolute()).encode()).hexdigest()[:24]
    return paths.cache_dir() / "verified" / f"{key}.json"


def forget_verified(path: Path) -> None:
    try:
        _stamp(path).unlink()
    except OSError:
        pass


def mark_verified(path: Path, sha256: str) -> None:
    """Remember that ``path`` (at this size and mtime) hashed to ``sha256``."""
    st = path.stat()
    data = {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    try:
        stamp = _stamp(path)
        stamp.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp.write_text(json.dumps(data) + "\n", encoding="utf-8")
        os.chmod(stamp, 0o600)
    except OSError:
        pass  # no cache directory: the file is simply hashed again


def is_verified(spec: ModelSpec) -> bool:
    """True when the file was hashed to the expected value and has not changed since."""
    path = spec.file
    try:
        st = path.stat()
        data = json.loads(_stamp(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    expected = spec.sha256 or data.get("sha256")
    return (data.get("sha256") == expected and data.get("size") == st.st_size
            and data.get("mtime_ns") == st.st_mtime_ns)


def verify(spec: ModelSpec) -> tuple[bool, str]:
    """Hash the file again: (matches, actual sha256). Without a pinned hash it always matches."""
    actual = sha256_file(spec.file)
    ok = spec.sha256 is None or actual == spec.sha256
    if spec.size is not None and spec.file.stat().st_size != spec.size:
        ok = False
    if ok:
        mark_verified(spec.file, actual)
    return ok, actual
