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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.user_patterns import UserPattern


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
    ("a BitLocker recovery key", r"\b\d{6}(?:-\d{6}){7}\b"),
    ("a password on a command line", r"(?i)\b(?:mysql|mysqldump|mariadb)\b[^\n]*?\s-p(?!\s)\S{3,}"),
    ("a password on a command line", r"(?i)\bsshpass\s+-p\s*\S{3,}"),
    ("a password on a command line", r"(?i)\bnet\s+user\s+\S+\s+(?![/*])\S{4,}\s+/add\b"),
    ("a password in a script", r"(?i)ConvertTo-SecureString\s+['\"][^'\"]{4,}['\"]\s+-AsPlainText"),
    (
        "a device password",
        r"(?im)^\s*(?:enable\s+secret|username\s+\S+\s+(?:privilege\s+\d+\s+)?"
        r"(?:secret|password))\s+\d\s+\S{4,}",
    ),
    ("a PIN", r"(?i)\bpin\s*(?:code)?\s*[:=]\s*\d{4,8}\b"),
)

# A URL with a password in it: scheme://user:password@host.
_URL_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.-]*://([^\s:/@]+):([^\s@/]+)@[\w.-]+", re.I)
# ADO/ODBC connection strings: ...;Password=xyz;...
_CONNECTION_PASSWORD = re.compile(
    r"(?i)(?:^|[;\s\"'])(?:password|pwd)\s*=\s*(?P<value>[^;\s\"']{3,})\s*(?:;|$|[\"'])"
)
# key: value / key = value where the key names a credential.
_ASSIGNMENT = re.compile(
    r"(?i)(?<![A-Za-z])(?P<key>pass(?:word|wd|phrase)|pwd|passcode|secret|client[_ -]?secret|"
    r"api[_ -]?key|access[_ -]?key|secret[_ -]?(?:access[_ -]?)?key|auth[_ -]?token|"
    r"access[_ -]?token|token|(?:wi-?fi|wlan|wpa2?|network)[_ -]?key)"
    r"(?![A-Za-z])[\w ]{0,12}?\s*(?P<sep>:|=|\bis\b|\bto\b)\s*(?P<value>\S+)(?P<rest>.*)$"
)
# "Login: jsmith / Password1!": a user name, a slash, a password.
_USER_SLASH_PASSWORD = re.compile(
    r"(?i)(?<![\w/.-])(?:login|user(?:name)?|account)\b\s*[:=]?\s*[\w.\\@-]+\s+/\s+"
    r"(?P<value>\S{6,})\s*$"
)
_PLACEHOLDER = re.compile(
    r"(?ix)^(?:[*•xX#.?_-]+|<[^>]*>|\[[^\]]*\]|\{[^}]*\}|\$\{?\w+\}?|%\w+%|\(.*\)|"
    r"(?:your|my|the|a|an|new|old|temp|temporary|user'?s?|same|redacted|hidden|none|null|"
    r"empty|n/?a|changeme|example|sample|placeholder|password|pass|pwd|pw|secret|token|\*+)[\w-]*)$"
)


@dataclass(frozen=True)
class SecretRules:
    """Compiled rules: built-in ones plus a team's extra patterns and allow-list."""

    extra: tuple[re.Pattern[str] | UserPattern, ...] = ()
    allow: tuple[re.Pattern[str] | UserPattern, ...] = ()

    @classmethod
    def from_settings(cls, patterns: Iterable[str], allow: Iterable[str]) -> SecretRules:
        """Rules from ``kb.toml`` regular expressions (config refuses invalid and dangerous
        ones; each kept one runs with a time limit)."""
        patterns, allow = tuple(patterns), tuple(allow)
        if not patterns and not allow:
            return cls()
        from kb.user_patterns import UserPattern

        return cls(
            tuple(UserPattern(p, "[secrets] patterns") for p in patterns),
            tuple(UserPattern(p, "[secrets] allow") for p in allow),
        )


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
    match = _USER_SLASH_PASSWORD.search(text)
    if match and _looks_secret(match.group("value"), "", strong=True):
        return "a user name and password", _mask(text, match.start("value"), match.end("value"))
    match = _ASSIGNMENT.search(text)
    wordy = match is not None and match.group("sep") in ("is", "to")
    if match and _looks_secret(match.group("value"), match.group("rest"), strong=wordy):
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


def _looks_secret(value: str, rest: str, strong: bool = False) -> bool:
    # A credential is one opaque word: mixed kinds of characters, not a word of prose.
    if value.startswith((":", "=")):
        return False
    value = value.strip("`'\",;")
    if len(value) < 6 or _PLACEHOLDER.match(value):
        return False
    if value.rstrip(".:!?").isalpha():
        return False  # "password: expired", "secret: SharePoint"
    if re.fullmatch(r"[A-Z][a-z]+(?:-[A-Z][A-Za-z]+)+", value):
        return False  # a PowerShell command such as Reset-ADAccountPassword
    kinds = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )
    if strong or (rest.strip() and not rest.strip().startswith(("#", "//", "("))):
        # Words after it: only a value that is clearly a password (a digit and a capital
        # or a symbol) counts, as in "the password is Adm1n!2024 for the kiosk".
        return any(c.isdigit() for c in value) and kinds >= 3
    return kinds >= 2


def _mask(text: str, start: int, end: int) -> str:
    secret = text[start:end]
    shown = secret[:2] + "…" if len(secret) > 6 else "…"
    line = (text[:start] + shown + text[end:]).strip()
    return line if len(line) <= 100 else line[:99] + "…"
