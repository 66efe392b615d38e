"""``shellguard serve``: the co-process the shells start once and talk to over a pipe."""

from __future__ import annotations

import argparse

from shellguard.server import serve


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="run the classifier co-process (JSON lines on stdin/stdout)",
        description='Read one JSON request per line on stdin ({"id": 1, "command": "rm x", '
                    '"cwd": "/dir"}) and write one JSON response per line on stdout '
                    '({"id": 1, "classification": "DELETE", "confidence": 0.95, "reasoning": '
                    '"...", "source": "rules", "action": "confirm"}). Ignores SIGINT; ends at '
                    "EOF. Shells start it for you.",
    )
    p.add_argument("--pad", type=_block, default=0, metavar="BYTES",
                   help="pad each response line with spaces to a multiple of BYTES (bash "
                        "reads a known length from a pipe in one system call, a line one "
                        "byte at a time)")
    p.set_defaults(handler=lambda args: serve(pad=args.pad))


def _block(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65536:
        raise argparse.ArgumentTypeError(f"expected a number of bytes from 0 to 65536, not {text!r}")
    return int(text)
