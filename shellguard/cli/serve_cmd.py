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
    p.set_defaults(handler=lambda args: serve())
