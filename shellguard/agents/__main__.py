"""``python -m shellguard.agents AGENT``: the hook command written into agents' settings.

The same as ``shellguard hook AGENT``, without the CLI around it: the agent
starts this interpreter by its absolute path, and nothing else shellguard ships
(another command's module, the console script, PATH) has to work for the answer
to come out right. If even the hook's own imports fail, a hard-coded fail-safe
answer is printed: an agent would take a traceback and exit 1 as "go ahead".
"""

import sys

_FALLBACK = {
    "claude-code": '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":'
                   '"ask","permissionDecisionReason":"shellguard could not start (%s); approve '
                   'it only if you know what it does"}}\n',
    "codex": '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny",'
             '"permissionDecisionReason":"shellguard could not start (%s), so the command is '
             'blocked; ask the user to run it or to fix shellguard"}}\n',
    "gemini": '{"decision":"deny","reason":"shellguard could not start (%s), so the command is '
              'blocked; ask the user to run it or to fix shellguard"}\n',
}


def _main(argv: list[str]) -> int:
    name = argv[0] if argv else ""
    if name not in _FALLBACK:
        sys.stderr.write("shellguard: usage: python -m shellguard.agents "
                         "claude-code|codex|gemini < hook.json\n")
        return 64
    try:
        from shellguard.agents import get
        from shellguard.agents.common import main
    except BaseException as exc:  # noqa: BLE001 - the one place nothing may escape
        what = type(exc).__name__
        sys.stdout.write(_FALLBACK[name] % what)
        return 0
    return main(get(name))


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
