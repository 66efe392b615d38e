"""Secrets out of command lines before they are written down (the audit log).

:func:`redact` replaces what looks like a credential with ``***`` and keeps the
rest of the line readable: passwords in URLs, password and token options
(``--password=x``, ``-pSecret`` for mysql, ``sshpass -p x``, ``curl -u user:pw``),
``Authorization``/API-key headers and bearer tokens, ``*_TOKEN=``/``*_SECRET=``/
``*_KEY=``/``PASSWORD=`` assignments and query parameters, and well-known token
shapes (AWS access keys, GitHub, Slack, OpenAI/Anthropic, Google, Stripe, JWTs,
private key blocks). It errs towards hiding too much: a log line that lost a
harmless value is better than one that kept a key.
"""

from __future__ import annotations

import re

__all__ = ["redact", "MASK"]

MASK = "***"

# A value: a quoted string or a run of non-blank characters.
_VALUE = r"""(?:"[^"]*"|'[^']*'|[^\s"';&|]+)"""

_SECRET_WORD = (r"(?:PASSWORD|PASSWD|PASSPHRASE|PASS|PWD|SECRET|TOKEN|APIKEY|API_KEY|KEY|"
                r"CREDENTIALS?|AUTH|SIG|SIGNATURE|COOKIE|SESSION)")

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # PEM private keys, whole block.
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
                re.S), "-----BEGIN PRIVATE KEY-----" + MASK),
    # scheme://user:password@host  (keep the user, hide the password)
    (re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@'\"]+:)[^@\s'\"/]+(@)"), r"\1" + MASK + r"\2"),
    # scheme://token@host where the user part is clearly a token
    (re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?:gh[pousr]_|github_pat_|glpat-|x-access-token)"
                r"[^@\s'\"/]*(@)"), r"\1" + MASK + r"\2"),
    # Headers: Authorization / Proxy-Authorization (scheme kept), API-key-like headers.
    (re.compile(r"(?i)\b((?:proxy-)?authorization\s*:\s*(?:bearer|basic|token|digest|bot)?\s*)"
                r"[^\s\"']+"), r"\1" + MASK),
    (re.compile(r"(?i)\b((?:x-)?(?:api-?key|auth-token|access-token|private-token|session-token|"
                r"amz-security-token|goog-api-key)\s*:\s*)[^\s\"']+"), r"\1" + MASK),
    (re.compile(r"(?i)\b(cookie\s*:\s*)[^\"']+"), r"\1" + MASK),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1" + MASK),
    # Well-known token shapes.
    (re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b"), MASK),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}\b"), MASK),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}\b"), MASK),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{16,}\b"), MASK),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"), MASK),
    (re.compile(r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}\b"), MASK),
    (re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b"), MASK),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), MASK),
    (re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), MASK),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"), MASK),
    # Options that carry a secret: --password=x, --password x, --api-key x, --token=x ...
    (re.compile(r"(?i)(\s--?[a-z0-9-]*(?:password|passwd|passphrase|secret|token|api-?key|"
                r"access-key|auth)(?:=|\s+))" + _VALUE), r"\1" + MASK),
    # mysql-style -pSECRET (attached), and -p SECRET for the tools that take it that way.
    (re.compile(r"(\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlshow|mariadb|mariadb-dump)\b"
                r"[^;&|\n]*?\s-p)(?!\s)" + _VALUE), r"\1" + MASK),
    (re.compile(r"(\bsshpass\b[^;&|\n]*?\s-p\s*)" + _VALUE), r"\1" + MASK),
    (re.compile(r"(\b(?:docker|podman|helm|buildah|skopeo|oras|nerdctl)\b[^;&|\n]*?\slogin\b"
                r"[^;&|\n]*?\s-p\s*)" + _VALUE), r"\1" + MASK),
    (re.compile(r"(?i)(\baws_(?:secret_access_key|session_token|access_key_id)\s+)" + _VALUE),
     r"\1" + MASK),
    (re.compile(r"(\bredis-cli\b[^;&|\n]*?\s-a\s+)" + _VALUE), r"\1" + MASK),
    # curl/wget-style user:password
    (re.compile(r"(\b(?:curl|wget|http|https|xh|aria2c)\b[^;&|\n]*?\s(?:-u|--user|--proxy-user|"
                r"--http-user)[\s=]*['\"]?[^\s:'\"]+:)[^\s'\"]+"), r"\1" + MASK),
    # NAME=value assignments and query parameters whose name says secret.
    (re.compile(r"(?i)(?<![A-Za-z0-9_])((?!(?:OLD)?PWD=)[A-Za-z0-9_.-]*?" + _SECRET_WORD
                + r"(?:[_.-][A-Za-z0-9_.-]*)?=)" + _VALUE), r"\1" + MASK),
]


def redact(text: str) -> str:
    """``text`` with anything that looks like a secret replaced by ``***``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
