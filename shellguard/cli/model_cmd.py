"""``shellguard model``: download, list, verify, remove and unload the local model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shellguard.config import load_config
from shellguard.errors import ExitCode, ShellguardError, signal_name


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "model",
        help="manage the local model for commands the rules do not know",
        description="Manage the local GGUF model that weighs in on commands no rule knows. "
                    "Models live in $XDG_DATA_HOME/shellguard/models; the one in use is "
                    "[llm] model (or path, or url + sha256) in the config. Nothing is sent "
                    "off the machine.",
    )
    msub = p.add_subparsers(dest="model_command", metavar="ACTION")
    pull = msub.add_parser("pull", help="download a model (resumes; checks size and SHA-256)",
                           description="Download the configured model, a model by NAME, or "
                                       "any GGUF by --url and --sha256. An interrupted "
                                       "download resumes when run again.")
    pull.add_argument("name", nargs="?", metavar="NAME")
    pull.add_argument("--url", help="URL of a GGUF file")
    pull.add_argument("--sha256", metavar="HEX", help="its SHA-256 (required with --url)")
    pull.add_argument("--size", type=int, metavar="BYTES", help="its size, if known")
    pull.add_argument("--no-prepare", action="store_true",
                      help="do not evaluate the model's few-shot prompt now (the model daemon "
                           "then does it on first use)")
    pull.set_defaults(handler=run_pull)
    for name, helptext, handler in (
            ("list", "list the models: present, verified, configured, in use", run_list),
            ("verify", "hash a model file again and compare with its pinned SHA-256",
             run_verify),
            ("rm", "delete a downloaded model file (and its partial download)", run_rm),
            ("path", "print the path of a model file (--dir: the models directory)",
             run_path)):
        q = msub.add_parser(name, help=helptext, description=helptext[0].upper() + helptext[1:]
                            + ".")
        q.add_argument("name", nargs="?", metavar="NAME", help="default: the configured model")
        if name == "path":
            q.add_argument("--dir", action="store_true", help="print the models directory")
        q.set_defaults(handler=handler)
    u = msub.add_parser("unload", help="stop the model daemon now (it also stops when idle)",
                        description="Stop the model daemon, returning its memory. The next "
                                    "unknown command starts it again.")
    u.set_defaults(handler=run_unload)
    p.set_defaults(handler=lambda args: (p.print_help(), ExitCode.USAGE)[1])


def _spec(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from shellguard.llm import catalog

    llm = load_config().llm
    return catalog.resolve(llm, getattr(args, "name", None)), llm


def run_pull(args: argparse.Namespace) -> int:
    from shellguard.llm import catalog
    from shellguard.llm.pull import human, pull

    if args.url or args.sha256:
        if not (args.url and args.sha256):
            raise ShellguardError("--url and --sha256 go together", ExitCode.USAGE)
        spec = catalog.from_url(args.url, args.sha256, args.size, args.name)
    else:
        spec, _ = _spec(args)
    if spec.path is not None:
        if not spec.path.is_file():
            raise ShellguardError(f"{spec.path} does not exist; a local model is used in "
                                  "place, there is nothing to download", ExitCode.UNAVAILABLE)
        print(spec.path)
        return 0
    size = f" ({human(spec.size)})" if spec.size else ""
    if not spec.file.exists():
        sys.stderr.write(f"downloading {spec.name}{size} to {spec.file}\n")
    path = pull(spec)
    print(path)
    if not args.no_prepare:
        _prepare(path)
    if args.url:
        sys.stderr.write(f"to use it, set in the config: [llm] path = \"{path}\"\n")
    return 0


def _prepare(path: Path) -> None:
    """Evaluate the few-shot prompt now, while the user expects to wait, not at the first
    unknown command. A child process, as in the daemon: a native crash (a bad llama.cpp
    build) must not look like a failed download. Problems are a warning: the file is good."""
    import importlib.util
    import subprocess
    import time

    if importlib.util.find_spec("llama_cpp") is None:
        sys.stderr.write("shellguard: llama-cpp-python is not installed (pip install "
                         "'shellguard[llm]'); the model is not used until it is\n")
        return
    sys.stderr.write("preparing it: the few-shot prompt is evaluated once and saved (a 1.1B "
                     "model takes about 20 s on two cores)\n")
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "shellguard.llm.daemon", "--model", str(path),
                           "--prepare"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    if done.returncode == 0:
        sys.stderr.write(f"ready (prepared in {time.monotonic() - start:.1f} s)\n")
        return
    lines = done.stderr.strip().splitlines()
    why = lines[-1] if lines else f"exit status {done.returncode}"
    if done.returncode < 0:
        why = f"it crashed with {signal_name(done.returncode)}"
    sys.stderr.write(f"shellguard: the model is downloaded, but llama.cpp could not prepare it "
                     f"({why}); run 'shellguard doctor'\n")


def run_list(args: argparse.Namespace) -> int:
    from shellguard.llm import catalog
    from shellguard.llm.client import ping

    llm = load_config().llm
    models = catalog.named(llm)
    try:
        current = catalog.configured(llm)
    except catalog.CatalogError as exc:
        sys.stderr.write(f"shellguard: {exc}\n")
        current = None
    if current is not None and current.name not in models:
        models[current.name] = current
    status = ping(0.5)
    loaded = status.get("model") if status else None
    known_files = {m.file for m in models.values()}
    d = catalog.models_dir()
    extra = sorted(p for p in d.glob("*.gguf") if p not in known_files) if d.is_dir() else []
    print("NAME\tSTATE\tFILE")
    for name, spec in sorted(models.items()):
        flags = []
        if spec.file.is_file():
            flags.append("verified" if catalog.is_verified(spec) else "present")
        elif spec.file.with_name(spec.file.name + ".part").exists():
            flags.append("partial")
        else:
            flags.append("absent")
        if current is not None and spec.file == current.file:
            flags.append("configured")
        if loaded and str(spec.file) == loaded:
            flags.append(f"in use ({status.get('status')})")
        print(f"{name}\t{','.join(flags)}\t{spec.file}")
    for path in extra:
        flag = "present,in use" if loaded == str(path) else "present"
        print(f"{path.name}\t{flag}\t{path}")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from shellguard.llm import catalog

    spec, _ = _spec(args)
    if not spec.file.is_file():
        raise ShellguardError(f"{spec.file} is not there; run 'shellguard model pull'",
                              ExitCode.UNAVAILABLE)
    ok, actual = catalog.verify(spec)
    if spec.sha256 is None:
        print(f"{spec.file}: sha256 {actual} (no pinned hash to compare with)")
        return 0
    if not ok:
        raise ShellguardError(f"{spec.file} does not match: sha256 {actual}, expected "
                              f"{spec.sha256}; run 'shellguard model rm' and pull it again",
                              ExitCode.DATA)
    print(f"{spec.file}: ok")
    return 0


def run_rm(args: argparse.Namespace) -> int:
    from shellguard.llm import catalog
    from shellguard.llm.client import ping, unload

    spec, _ = _spec(args)
    if spec.path is not None:
        raise ShellguardError(f"{spec.file} is a local model shellguard did not download; "
                              "remove it yourself if you mean to", ExitCode.USAGE)
    status = ping(0.5)
    if status and status.get("model") == str(spec.file):
        unload()
    removed = []
    catalog.forget_verified(spec.file)
    for path in (spec.file, spec.file.with_name(spec.file.name + ".part")):
        try:
            path.unlink()
            removed.append(path)
        except FileNotFoundError:
            pass
    if not removed:
        sys.stderr.write(f"nothing to remove: {spec.file} is not there\n")
    for path in removed:
        print(f"removed {path}")
    return 0


def run_path(args: argparse.Namespace) -> int:
    from shellguard.llm import catalog

    if args.dir:
        print(catalog.models_dir())
        return 0
    spec, _ = _spec(args)
    print(spec.file)
    return 0


def run_unload(args: argparse.Namespace) -> int:
    from shellguard.llm.client import unload

    pid = unload()
    print(f"the model daemon (pid {pid}) stopped" if pid else "no model daemon was running")
    return 0
