"""``shellguard init``: print the script that guards a shell, for one line in its rc file."""

from __future__ import annotations

import argparse
import sys

from shellguard.shells import SHELLS, render

HELP = """\
Add one line to the shell's start-up file:

  zsh    ~/.zshrc     eval "$(shellguard init zsh)"
  bash   ~/.bashrc    eval "$(shellguard init bash)"
  xonsh  ~/.xonshrc   xontrib load shellguard

For xonsh, `shellguard init xonsh >> ~/.xonshrc` adds the line that calls the
xontrib directly instead, which spares xonsh's start-up about 30 ms.

With a zsh plugin manager (oh-my-zsh, zinit, antidote) load shell/zsh/ from the
shellguard checkout instead; shell/bash/shellguard.bash can also be sourced directly.

From then on every command line is classified before it runs. READ runs at once;
CREATE, UPDATE and DELETE show the class and the reason and ask:

  shellguard: DELETE  rm: removes files or directories
  Proceed? [y/N/a]

y runs it once, a always allows this exact line in this directory (written to the
config file), anything else (Enter, n, Ctrl-C) does not run it; Up recalls the line.
In the shell: 'shellguard off' / 'shellguard on' / 'shellguard status';
SHELLGUARD_DISABLE=1 turns the guard off for a whole session, SHELLGUARD_TIMEOUT
(seconds, default 3) bounds the wait for the classifier.

--agent prints the guard for non-interactive shells run by AI agents instead (for
BASH_ENV or zsh's .zshenv)."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init",
        help="print the script that guards zsh, bash or xonsh (eval it in the rc file)",
        description="Print the shell code that guards an interactive shell, with the path "
                    "of this shellguard baked in.",
        epilog=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("shell", choices=SHELLS, help="the shell to guard")
    p.add_argument("--agent", action="store_true",
                   help="the guard for agents' non-interactive shells (bash, zsh)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(render(args.shell, agent=args.agent, compiled=True))
    return 0
