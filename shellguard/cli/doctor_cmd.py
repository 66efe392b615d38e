"""``shellguard doctor``: check the whole setup and say how to fix what is wrong."""

from __future__ import annotations

import argparse

from shellguard.errors import ExitCode

_MARK = {"ok": "ok  ", "info": "--  ", "warn": "WARN", "fail": "FAIL"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor",
        help="check the setup: shells, co-process, config, agent hooks, model, audit log",
        description="Check, in plain words and with the fix for each problem: the config and "
                    "rule files parse; which shells load the hook; the agent shell guard; the "
                    "co-process starts and answers (and how fast); the agent hooks are "
                    "installed; the model is present and verified and llama.cpp works; the "
                    "audit log is writable and private. Exits 69 when something is broken.",
    )
    p.add_argument("--quick", action="store_true",
                   help="skip the llama.cpp build check (it evaluates a tiny model; a few seconds)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from shellguard.doctor import run_checks

    failed = warned = 0
    for check in run_checks(build=not args.quick):
        print(f"{_MARK.get(check.status, check.status)}  {check.area:<12} {check.message}",
              flush=True)
        if check.fix and check.status != "ok":
            print(f"{'':6}{'':<12} fix: {check.fix}")
        failed += check.status == "fail"
        warned += check.status == "warn"
    if failed:
        print(f"\nshellguard: {failed} problem(s) to fix" + (f", {warned} warning(s)" if warned
                                                           else ""))
        return ExitCode.UNAVAILABLE
    print("\nshellguard: everything needed works" + (f" ({warned} warning(s))" if warned else ""))
    return 0
