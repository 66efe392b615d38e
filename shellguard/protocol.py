"""The co-process protocol: one JSON object per line each way.

Request:  ``{"id": 1, "command": "rm -rf build", "cwd": "/home/me/app", "shell": "zsh"}``
(optional: ``"answer"``, to record what a person answered; ``"prefetch": true``, for a
line still being typed; ``"aliases": {"dc": "docker compose"}``, the shell's aliases
that the line's words name: see :class:`Request`)
Response: ``{"id": 1, "action": "confirm", "classification": "DELETE", "confidence": 0.95,
"reasoning": "...", "source": "rules"}``, with ``"read_prefixes"`` after the
classification when a plain line's commands start with read-only prefixes
(``"ls,git status -c --exec"``: after those words, any words but the options listed
only read; shells may keep them and let later plain lines made of them through
unasked) and ``"error"`` at the end when the request was bad.

Shells take the answer apart by position, so responses are always compact, on one
line, with the keys in this order. ``shellguard serve --pad N`` pads each response
line with spaces (still one JSON line) to a multiple of N bytes: bash reads a line
from a pipe one byte per system call, but a known number of bytes in one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii as _json_string

__all__ = ["Request", "Response", "ProtocolError", "decode_request", "encode_response",
           "MAX_LINE_BYTES", "MAX_NESTING", "MAX_ALIASES", "ANSWERS"]

#: What a person (or the agent guard) answered, for the audit log.
ANSWERS = ("yes", "no", "always", "timeout", "blocked")
#: Requests longer than this are answered with an error (and the safe answer).
MAX_LINE_BYTES = 1 << 20
#: JSON nesting deeper than this is refused before it can exhaust the decoder's stack.
MAX_NESTING = 64
#: Longer reasons are cut: a reply is one line on a terminal.
MAX_REASON_CHARS = 400
#: Read-only prefixes beyond this many characters are left out of a reply (a new
#: shell's first reply carries those kept from earlier sessions, and everyday ones).
MAX_PREFIXES_CHARS = 8000
#: A shell with more aliases than this is not believed.
MAX_ALIASES = 5000


class ProtocolError(ValueError):
    """A request that cannot be served; the message goes into the response's ``error`` field."""

    def __init__(self, message: str, request_id: int | str | None = None) -> None:
        super().__init__(message)
        self.request_id = request_id


@dataclass(frozen=True)
class Request:
    id: int | str | None
    command: str
    cwd: str | None = None
    shell: str | None = None
    #: Optional, sent by shells after a question to record what the person answered
    #: (yes | no | always | timeout | blocked) in the audit log. The response is the
    #: same classification answer as for any request.
    answer: str | None = None
    #: Optional, sent by a shell while the line is still being typed, so that Enter can
    #: find the answer ready. Such a request never waits for the LLM and is never
    #: logged; its action is "allow" only when the rules alone allow the line.
    prefetch: bool = False
    #: Optional: the shell's aliases (name -> text) that words of the line name (and
    #: those their texts start with). The line is classified with them expanded, as
    #: it will run (:mod:`shellguard.parse.aliases`), and a read-only prefix names the
    #: program an alias runs (``ls`` for ``ll``) when the shells can expand its text.
    aliases: dict[str, str] | None = None
    #: Optional (zsh): the global aliases (``alias -g``) that words of the line name;
    #: expanded wherever a whole word names one.
    global_aliases: dict[str, str] | None = None


@dataclass(frozen=True)
class Response:
    id: int | str | None
    classification: str
    confidence: float
    reasoning: str
    source: str
    action: str
    error: str | None = None
    #: Read-only prefixes of the line's commands, for the shells to keep (see
    #: ``Guard.read_prefixes``); sent only when there are any.
    read_prefixes: tuple[str, ...] = ()
    #: The name of the read table for the requesting shell (shellguard/read_table.py),
    #: when one is built; last in the reply, and left out when it would make a padded
    #: reply a block longer (the shell takes it from a later one).
    read_table: str = ""


def _nesting_depth(text: str) -> int:
    """Maximum bracket depth outside strings; cheap guard before json.loads."""
    depth = best = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > best:
                best = depth
                if best > MAX_NESTING:
                    return best
        elif ch in "]}":
            depth -= 1
    return best


def decode_request(line: bytes) -> Request:
    """Decode one request line; raises :class:`ProtocolError` with a one-line reason."""
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(f"request longer than {MAX_LINE_BYTES} bytes")
    if b"\x00" in line:
        raise ProtocolError("request contains a NUL byte")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("request is not valid UTF-8") from None
    # Counting brackets is C-speed; walking the text (strings aside) only when needed.
    if text.count("[") + text.count("{") > MAX_NESTING and _nesting_depth(text) > MAX_NESTING:
        raise ProtocolError("request JSON is nested too deeply")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ProtocolError(f"request is not valid JSON ({exc.msg if hasattr(exc, 'msg') else exc})"
                            ) from None
    if not isinstance(data, dict):
        raise ProtocolError("request must be a JSON object")
    request_id = data.get("id")
    if request_id is not None and (isinstance(request_id, bool)
                                   or not isinstance(request_id, int | str)):
        raise ProtocolError("'id' must be an integer or a string")
    command = data.get("command")
    if not isinstance(command, str):
        raise ProtocolError("'command' is missing or not a string", request_id)
    if "\x00" in command:
        raise ProtocolError("'command' contains a NUL character", request_id)
    cwd = data.get("cwd")
    shell = data.get("shell")
    if cwd is not None and (not isinstance(cwd, str) or "\x00" in cwd):
        raise ProtocolError("'cwd' must be a string", request_id)
    if shell is not None and not isinstance(shell, str):
        raise ProtocolError("'shell' must be a string", request_id)
    answer = data.get("answer")
    if answer is not None and answer not in ANSWERS:
        raise ProtocolError(f"'answer' must be one of {', '.join(ANSWERS)}", request_id)
    prefetch = data.get("prefetch", False)
    if not isinstance(prefetch, bool):
        raise ProtocolError("'prefetch' must be true or false", request_id)
    aliases, global_aliases = (_alias_map(data, key, request_id)
                               for key in ("aliases", "global_aliases"))
    return Request(request_id, command, cwd, shell, answer, prefetch, aliases, global_aliases)


def _alias_map(data: dict[str, object], key: str,
               request_id: int | str | None) -> dict[str, str] | None:
    value = data.get(key)
    if value is not None and not (
            isinstance(value, dict) and len(value) <= MAX_ALIASES
            and all(isinstance(v, str) and "\x00" not in k + v for k, v in value.items())):
        raise ProtocolError(f"'{key}' must be an object of at most {MAX_ALIASES} strings",
                            request_id)
    return value


def _json_number(value: object) -> str:
    """json.dumps of a number (or None), without its call: repr is what it writes for
    an int or a finite float."""
    if type(value) is int or (type(value) is float and value - value == 0):
        return repr(value)
    return json.dumps(value)


def encode_response(response: Response, pad: int = 0) -> bytes:
    """One line, newline included; with ``pad``, spaces make it a multiple of ``pad`` bytes."""
    reasoning = response.reasoning
    if len(reasoning) > MAX_REASON_CHARS:
        # One line on a terminal.
        reasoning = reasoning[:MAX_REASON_CHARS - 3] + "..."
    # The shells read the keys in this order: what lets a line run (id, action, class,
    # read-only prefixes) first, so that they need not take the rest apart to allow it.
    # Written out by hand, as json.dumps writes this dict (tests/test_server.py holds
    # it to that): a third of its time, on the path of every reply.
    rid, confidence = response.id, round(response.confidence, 3)
    head = (f'{{"id":{_json_string(rid) if isinstance(rid, str) else _json_number(rid)},'
            f'"action":{_json_string(response.action)},'
            f'"classification":{_json_string(response.classification)}')
    if response.read_prefixes:
        prefixes = ",".join(response.read_prefixes)
        if len(prefixes) > MAX_PREFIXES_CHARS:  # keep the reply small
            prefixes = prefixes[:MAX_PREFIXES_CHARS].rpartition(",")[0]
        if prefixes:
            head += f',"read_prefixes":{_json_string(prefixes)}'
    tail = "" if response.error is None else f',"error":{_json_string(response.error[:200])}'
    line = (f'{head},"confidence":{_json_number(confidence)},'
            f'"reasoning":{_json_string(reasoning)},"source":{_json_string(response.source)}'
            f'{tail}').encode("ascii")
    if response.read_table:
        table = f',"read_table":{_json_string(response.read_table)}'.encode("ascii")
        # (2: the closing brace and the newline; -(-n // pad): n / pad rounded up)
        if pad <= 1 or -(-(len(line) + len(table) + 2) // pad) == -(-(len(line) + 2) // pad):
            line += table
    line += b"}"
    if pad > 1:
        line += b" " * (-(len(line) + 1) % pad)
    return line + b"\n"
