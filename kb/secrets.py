"""Secrets in notes: what looks like a password, key or token, found before it is shared.

Notes travel to every clone of the team's repository, and technicians paste things. kb
scans the lines a commit adds (and, before a push, the lines the outgoing commits add) and
refuses to share what looks like a credential unless the user says it is fine.

The rules favour ordinary support prose: "Reset the password: Settings > Accounts" is
advice, not a password; ``password: Winter2026!`` is a password. A team adds its own
patterns in ``kb.toml`` (``[secrets] patterns``) and silences false alarms with ``allow``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """A line that looks like it holds a secret."""

    path: str
    line: int
    kind: str
    excerpt: str  # the line with the secret part masked

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: looks like {self.kind}: {self.excerpt}"


# Token formats with a fixed shape: matching one is never a coincidence.
_TOKENS: tuple[tuple[str, str], ...] = (
    ("a private key", r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ("an AWS access key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("a GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b"),
    ("a GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}\b"),
    ("a Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
    ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    ("a Stripe key", r"\b[sr]k_live_[0-9A-Za-z]{20,}\b"),
    ("an API token", r"\b(?:sk-[A-Za-z0-9_-]{32,}|xapp-[A-Za-z0-9-]{20,})\b"),
    ("a JSON web token", r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    ("a storage account key", r"(?i)\bAccountKey=[A-Za-z0-9+/]{40,}={0,2}"),
    ("a shared access signature", r"(?i)[?&]sig=[A-Za-z0-9%+/]{30,}"),
    ("a bearer token", r"(?i)\bAuthorization:\s*(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{16,}"),
)

# A URL with a password in it: scheme://user:password@host.
_URL_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.-]*://([^\s:/@]+):([^\s@/]+)@[\w.-]+", re.I)
# ADO/ODBC connection strings: ...;Password=xyz;...
_CONNECTION_PASSWORD = re.compile(
    r"(?i)(?:^|[;\s\"'])(?:password|pwd)\s*=\s*(?P<value>[^;\s\"']{3,})\s*(?:;|$|[\"'])"
)
# key: value / key = value where the key names a credential.
_ASSIGNMENT = re.compile(
    r"(?i)\b(?P<key>pass(?:word|wd|phrase)?|pwd|passcode|pin|secret|client[_ -]?secret|"
    r"api[_ -]?key|access[_ -]?key|secret[_ -]?key|auth[_ -]?token|access[_ -]?token|token)"
    r"\b[\w ]{0,12}?\s*(?::|=|\bis\b)\s*(?P<value>\S+)(?P<rest>.*)$"
)
_PLACEHOLDER = re.compile(
    r"(?ix)^(?:[*•xX#.?_-]+|<[^>]*>|\[[^\]]*\]|\{[^}]*\}|\$\{?\w+\}?|%\w+%|\(.*\)|"
    r"(?:your|my|the|a|an|new|old|temp|temporary|user'?s?|same|redacted|hidden|none|null|"
    r"empty|n/?a|changeme|example|sample|placeholder|password|pass|pwd|pw|secret|token|\*+)[\w-]*)$"
)


@dataclass(frozen=True)
class SecretRules:
    """Compiled rules: built-in ones plus a team's extra patterns and allow-list."""

    extra: tuple[re.Pattern[str], ...] = ()
    allow: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def from_settings(cls, patterns: Iterable[str], allow: Iterable[str]) -> SecretRules:
        """Rules from ``kb.toml`` regular expressions (invalid ones are ignored by config)."""
        return cls(tuple(re.compile(p) for p in patterns), tuple(re.compile(p) for p in allow))


_BUILT_IN = tuple((kind, re.compile(pattern)) for kind, pattern in _TOKENS)


def scan_line(text: str, rules: SecretRules | None = None) -> tuple[str, str] | None:
    """``(kind, masked line)`` when ``text`` looks like it holds a secret, else None."""
    rules = rules or SecretRules()
    if any(allowed.search(text) for allowed in rules.allow):
        return None
    for kind, pattern in _BUILT_IN:
        match = pattern.search(text)
        if match:
            return kind, _mask(text, match.start(), match.end())
    match = _URL_CREDENTIALS.search(text)
    if match and not _PLACEHOLDER.match(match.group(2)):
        return "a password in a URL", _mask(text, match.start(2), match.end(2))
    match = _CONNECTION_PASSWORD.search(text)
    if match and not _PLACEHOLDER.match(match.group("value")):
        return "a password in a connection string", _mask(
            text, match.start("value"), match.end("value")
        )
    match = _ASSIGNMENT.search(text)
    if match and _looks_secret(match.group("value"), match.group("rest")):
        return f"a credential ({match.group('key').lower()})", _mask(
            text, match.start("value"), match.end("value")
        )
    for pattern in rules.extra:
        match = pattern.search(text)
        if match:
            return "a secret (kb.toml pattern)", _mask(text, match.start(), match.end())
    return None


def scan(
    path: str, lines: Iterable[tuple[int, str]], rules: SecretRules | None = None
) -> list[Finding]:
    """Findings in ``(line number, text)`` pairs of one file."""
    found = []
    for number, text in lines:
        hit = scan_line(text, rules)
        if hit:
            found.append(Finding(path, number, hit[0], hit[1]))
    return found


def _looks_secret(value: str, rest: str) -> bool:
    # A credential is one opaque word at the end of the line, not the start of a sentence.
    if value.startswith((":", "=")):
        return False
    value = value.strip("`'\",;")
    if rest.strip() and not rest.strip().startswith(("#", "//", "(")):
        return False
    if len(value) < 6 or _PLACEHOLDER.match(value):
        return False
    if value.endswith((".", ":", "!")) and value[:-1].isalpha():
        return False
    if value.isalpha() and value.islower():
        return False  # "password: expired" is a state, not a password
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )
    return classes >= 2


def _mask(text: str, start: int, end: int) -> str:
    secret = text[start:end]
    shown = secret[:2] + "…" if len(secret) > 6 else "…"
    line = (text[:start] + shown + text[end:]).strip()
    return line if len(line) <= 100 else line[:99] + "…"
