"""Secrets in notes: what looks like a password, key or token, found before it is shared.

Notes travel to every clone of the team's repository, and technicians paste things. kb
scans the lines a commit adds (and, before a push, the lines every outgoing commit adds,
see :mod:`kb.git.secret_scan`) and refuses to share what looks like a credential unless the
user says it is fine. A finding names the file, the line and the kind of secret, never any
part of the secret.

The rules favour ordinary support prose: "Reset the password: Settings > Accounts" is
advice, not a password; ``password: Winter2026!`` is a password, and ``<password>``,
``$PASSWORD`` or ``{{password}}`` are placeholders. A team adds its own patterns in
``kb.toml`` (``[secrets] patterns``) and silences false alarms with ``allow``; an allow rule
that would accept plain secrets is not followed (:func:`too_broad`).
"""

from __future__ import annotations

import bisect
import codecs
import functools
import itertools
import re
from collections.abc import Container, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.notes.user_patterns import UserPattern


@dataclass(frozen=True)
class Finding:
    """A line that looks like it holds a secret: where it is and what kind, never its text."""

    path: str
    line: int
    kind: str
    #: More about where it is ("only in commit 1a2b3c4d, no longer in the note").
    where: str = ""

    def __str__(self) -> str:
        more = f" ({self.where})" if self.where else ""
        return f"{printable(self.path)}:{self.line}: looks like {self.kind}{more}"


def printable(text: str) -> str:
    """``text`` with control characters shown as escapes (a file name is not trusted)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


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
    ("an npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("a PyPI token", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
    ("a JSON web token", r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    ("a storage account key", r"(?i)\bAccountKey=[A-Za-z0-9+/]{40,}={0,2}"),
    ("a shared access key", r"(?i)\bSharedAccessKey\s*=\s*[A-Za-z0-9+/]{20,}={0,2}"),
    ("a shared access signature", r"(?i)[?&]sig=[A-Za-z0-9%+/]{30,}"),
    ("a bearer token", r"(?i)\bAuthorization:\s*(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{16,}"),
    ("a BitLocker recovery key", r"\b\d{6}(?:-\d{6}){7}\b"),
    (
        "a device password",
        r"(?im)^\s*(?:enable\s+secret|username\s+\S+\s+(?:privilege\s+\d+\s+)?"
        r"(?:secret|password))\s+\d\s+\S{4,}",
    ),
    ("a PIN", r"(?i)\bpin\s*(?:code)?\s*[:=]\s*\d{4,8}\b"),
)

_COMMAND = "a password on a command line"
_SETTING = "a password in a settings file"
_NETRC = "a password in a .netrc file"
# Shapes whose ``value`` group is a password by its place, unless it is a placeholder
# ("opaque"), or only when it looks like one ("looks": mixed kinds of characters; "strong":
# a digit and two other kinds, for shapes that ordinary sentences also take).
_VALUES: tuple[tuple[str, str, str], ...] = (
    (_COMMAND, r"(?i)\b(?:mysql|mysqldump|mariadb)\b[^\n]*?\s-p(?P<value>(?!\s)\S{3,})", "opaque"),
    (_COMMAND, r"(?i)\bsshpass\s+-p\s*(?P<value>\S{3,})", "opaque"),
    (_COMMAND, r"(?i)\bnet\s+user\s+\S+\s+(?P<value>(?![/*])\S{4,})\s+/add\b", "opaque"),
    (
        "a password in a script",
        r"(?i)ConvertTo-SecureString\s+(?:-String\s+)?['\"](?P<value>[^'\"]{4,})['\"]"
        r"\s+-AsPlainText",
        "opaque",
    ),
    (
        _COMMAND,
        r"(?i)\bcurl\b[^\n]*?\s(?:-u|--user)(?:\s+|=)?['\"]?[^\s:'\"]+:(?P<value>[^\s'\"]+)",
        "opaque",
    ),
    (
        _COMMAND,
        r"(?i)\bdocker\s+login\b[^\n]*?\s(?:-p|--password)(?:\s+|=)(?P<value>\S+)",
        "opaque",
    ),
    (_COMMAND, r"(?i)\baz\s+login\b[^\n]*?\s(?:-p|--password)(?:\s+|=)(?P<value>\S+)", "opaque"),
    (_COMMAND, r"(?i)\bInvoke-Sqlcmd\b[^\n]*?\s-Password(?:\s+|:)(?P<value>\S+)", "opaque"),
    (
        _COMMAND,
        r"(?<!-)\b(?i:sqlcmd|osql|bcp)\b[^\n]*?\s-P(?!assword\b)\s*(?P<value>\S+)",
        "opaque",
    ),
    (
        _COMMAND,
        r"\bldap(?:search|modify|add|delete|passwd|whoami|compare|modrdn|exop)\b"
        r"[^\n]*?\s-w\s*(?P<value>\S+)",
        "opaque",
    ),
    (
        _SETTING,
        r"(?i)<add\s+key\s*=\s*[\"'][^\"']*(?:pass(?:word|wd|phrase)|pwd|secret|api_?key|token)"
        r"[^\"']*[\"']\s+value\s*=\s*[\"'](?P<value>[^\"'\s]+)[\"']",
        "looks",
    ),
    (
        _SETTING,
        r"(?i)[\"'][\w.-]*(?:pass(?:word|wd|phrase)|pwd|secret|api_?key|access_?key|token)"
        r"[\"']\s*:\s*[\"'](?P<value>[^\"'\s]+)[\"']",
        "looks",
    ),
    (_NETRC, r"(?i)^\s*(?:machine\s+\S+|default)\s.*?\bpassword\s+(?P<value>\S+)", "looks"),
    (_NETRC, r"(?i)\blogin\s+\S+\s+password\s+(?P<value>\S+)", "looks"),
    (_NETRC, r"(?i)^\s*password\s+(?P<value>\S+)\s*$", "strong"),
)

# A URL with a password in it: scheme://user:password@host.
_URL_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.-]*://([^\s:/@]+):([^\s@/]+)@[\w.-]+", re.I)
# ADO/ODBC connection strings: ...;Password=xyz;...
_CONNECTION_PASSWORD = re.compile(
    r"(?i)(?:^|[;\s\"'])(?:password|pwd)\s*=\s*(?P<value>[^;\s\"']{3,})\s*(?:;|$|[\"'])"
)
# key: value / key = value where the key names a credential.
_ASSIGNMENT = re.compile(
    r"(?i)(?<![A-Za-z$%])(?P<key>pass(?:word|wd|phrase)|pwd|passcode|secret|client[_ -]?secret|"
    r"api[_ -]?key|access[_ -]?key|secret[_ -]?(?:access[_ -]?)?key|auth[_ -]?token|"
    r"access[_ -]?token|token|(?:wi-?fi|wlan|wpa2?|network)[_ -]?key)"
    r"(?![A-Za-z])[\w ]{0,12}?\s*(?P<sep>:|=|\bis\b|\bto\b)\s*(?P<value>\S+)(?P<rest>.*)$"
)
# "Login: jsmith / Password1!": a user name, a slash, a password.
_USER_SLASH_PASSWORD = re.compile(
    r"(?i)(?<![\w/.-])(?:login|user(?:name)?|account)\b\s*[:=]?\s*[\w.\\@-]+\s+/\s+"
    r"(?P<value>\S{6,})\s*$"
)
# What documentation writes where a password goes: <password>, {{password}}, *password*,
# $PASSWORD, %PASSWORD%, your_password_here, ****.
_PLACEHOLDER = re.compile(
    r"(?ix)^(?:[*•xX#.?_-]+|…+|<.*>|\[.*\]|\{.*\}|\(.*\)|\*.*\*|_.+_|\$.*|%\w+%|@\w+@|"
    r"(?:(?:your|my|the|a|an|new|old|current|temp|temporary|users?'?s?|same|some|example|"
    r"sample|dummy|fake|test|admin|db|service|root|strong|secure|app)[_-]?)?"
    r"(?:password|passwd|passphrase|pass|pwd|pw|secret|token|key|api[_-]?key|value)"
    r"(?:[_-]?(?:here|goes[_-]?here|value|hash|file|string))*|"
    r"redacted|hidden|none|null|nil|empty|n/?a|changeme|change[_-]?me|example|sample|"
    r"placeholder|removed|omitted|masked|unknown|tbd|todo|xxx+)$"
)
# Words one of the built-in shapes needs (in lower case): a line without any is not read any
# further, which is most lines of a note and keeps a scan of thousands of files quick.
# Substring tests, because one regular expression of alternatives is ten times slower.
_TRIGGER_WORDS = (
    "pass", "pwd", "secret", "key", "token", "akia", "asia", "ghp_", "gho_", "ghu_", "ghs_",
    "ghr_", "github_pat_", "glpat-", "xox", "aiza", "_live_", "sk-", "xapp-", "npm_", "pypi-",
    "eyj", "sig=", "authorization", "mysql", "mariadb", "user", "securestring", "pin", "://",
    "login", "account", "curl", "docker", "sqlcmd", "osql", "bcp", "ldap", "machine", "default",
)  # fmt: skip
_RECOVERY_KEY_START = re.compile(r"\d{6}-\d{6}")


def _may_hold_secret(text: str) -> bool:
    low = text.lower()
    if any(word in low for word in _TRIGGER_WORDS):
        return True
    return "-" in text and _RECOVERY_KEY_START.search(text) is not None


def _triggered(lines: list[str]) -> set[int]:
    """Indexes of the lines :func:`_may_hold_secret` would pass, found for a whole file at once
    (a search per word through the file is much quicker than every word on every line)."""
    text = "\n".join(lines)
    low = text.lower()
    if len(low) != len(text):
        # Lower-casing changed lengths (rare letters): offsets would not match, go line by line.
        return {index for index, line in enumerate(lines) if _may_hold_secret(line)}
    starts = list(itertools.accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
    found: set[int] = set()
    for word in _TRIGGER_WORDS:
        at = low.find(word)
        while at != -1:
            index = bisect.bisect_right(starts, at) - 1
            found.add(index)
            # Go on from the next line: one hit per line is enough.
            at = low.find(word, starts[index + 1]) if index + 1 < len(starts) else -1
    for match in _RECOVERY_KEY_START.finditer(text):
        found.add(bisect.bisect_right(starts, match.start()) - 1)
    return found


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
        from kb.notes.user_patterns import UserPattern

        return cls(
            tuple(UserPattern(p, "[secrets] patterns") for p in patterns),
            tuple(UserPattern(p, "[secrets] allow") for p in allow),
        )


@functools.cache
def _token_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    # Compiled at the first scan, not at import: most commands never scan (15 ms saved).
    return tuple((kind, re.compile(pattern)) for kind, pattern in _TOKENS)


@functools.cache
def _value_patterns() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    return tuple((kind, re.compile(pattern), check) for kind, pattern, check in _VALUES)


#: Written at the end of a line (in a comment, say) that looks like a secret and is not one.
ALLOW_MARK = "kb:allow-secret"


def scan_line(text: str, rules: SecretRules | None = None) -> tuple[str, str] | None:
    """``(kind, line with the secret masked)`` when ``text`` looks like it holds a secret."""
    return _scan_line(text, rules or SecretRules(), _may_hold_secret(text))


def _scan_line(text: str, rules: SecretRules, triggered: bool) -> tuple[str, str] | None:
    hit = _built_in(text) if triggered else None
    if hit is None:
        for pattern in rules.extra:
            match = pattern.search(text)
            if match:
                hit = "a secret (kb.toml pattern)", match.start(), match.end()
                break
    if hit is None or any(allowed.search(text) for allowed in rules.allow):
        return None
    if ALLOW_MARK in text:
        return None  # the writer marked the line as fine (a documentation example)
    kind, start, end = hit
    return kind, _mask(text, start, end)


def _built_in(text: str) -> tuple[str, int, int] | None:
    for kind, pattern in _token_patterns():
        match = pattern.search(text)
        if match:
            return kind, match.start(), match.end()
    for kind, pattern, check in _value_patterns():
        match = pattern.search(text)
        if match and _CHECKS[check](match.group("value")):
            return kind, match.start("value"), match.end("value")
    match = _URL_CREDENTIALS.search(text)
    if match and not _PLACEHOLDER.match(match.group(2)):
        return "a password in a URL", match.start(2), match.end(2)
    match = _CONNECTION_PASSWORD.search(text)
    if match and not _PLACEHOLDER.match(match.group("value")):
        return "a password in a connection string", match.start("value"), match.end("value")
    match = _USER_SLASH_PASSWORD.search(text)
    if match and _looks_secret(match.group("value"), "", strong=True):
        return "a user name and password", match.start("value"), match.end("value")
    match = _ASSIGNMENT.search(text)
    wordy = match is not None and match.group("sep") in ("is", "to")
    if match and _looks_secret(match.group("value"), match.group("rest"), strong=wordy):
        kind = f"a credential ({match.group('key').lower()})"
        return kind, match.start("value"), match.end("value")
    return None


def scan_bytes(
    path: str, data: bytes, rules: SecretRules | None = None, known: Container[str] = ()
) -> list[tuple[Finding, str]]:
    """Findings in a file's bytes, each with the line it is on (to compare, never to show).

    The file is read every way it may be text (:func:`readings`). Lines in ``known``
    (the file's earlier versions, already shared) are not findings again.
    """
    rules = rules or SecretRules()
    found: list[tuple[Finding, str]] = []
    where: set[int] = set()  # line numbers: each reading has the same lines
    for lines in readings(data):
        triggered = _triggered(lines)
        every_line = bool(rules.extra)
        for number, text in enumerate(lines, start=1):
            if not (every_line or number - 1 in triggered):
                continue
            if number in where or text in known:
                continue
            hit = _scan_line(text, rules, number - 1 in triggered)
            if hit:
                where.add(number)
                found.append((Finding(path, number, hit[0]), text))
    return found


def readings(data: bytes) -> list[list[str]]:
    """The lines of a file's bytes in each way it may be text: usually one reading.

    More careful than reading a note for the index: a byte order mark says UTF-16 or
    UTF-32 (Notepad), NUL bytes in every other place mean UTF-16 without one, other NUL
    bytes are dropped rather than making the file "binary", text that is not UTF-8 is read
    as Windows-1252, and invisible characters that could split a word are removed. A file
    that is mostly control bytes (an image, an archive) has no reading.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return [_lines(data[len(bom) :].decode(codec, "replace"))]
    found = []
    if b"\x00" in data:
        sample = data[:_SAMPLE]
        pairs = len(sample) // 2
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        # Zeros on one side only: UTF-16, even when most characters are not ASCII.
        enough = max(8, pairs // 50)
        if odd >= enough and odd > 4 * even:
            found.append(_lines(data.decode("utf-16-le", "replace")))
        elif even >= enough and even > 4 * odd:
            found.append(_lines(data.decode("utf-16-be", "replace")))
        # Also read with the NUL bytes dropped (UTF-16 text that is mostly ASCII reads the
        # same, and a text file with a stray NUL is still text), and as spaces (a NUL that
        # was all that parted two words).
        variants = [data.replace(b"\x00", b""), data.replace(b"\x00", b" ")]
    else:
        variants = [data]
    sample = variants[0][:_SAMPLE]
    # Compressed data (images, archives, PDF streams) has about one control byte in ten;
    # text, even with a stray one, almost none.
    if len(sample) - len(sample.translate(None, _CONTROL_BYTES)) > len(sample) // 20:
        return found
    for variant in variants:
        try:
            text = variant.decode("utf-8")
        except UnicodeDecodeError:
            text = variant.decode("cp1252", "replace")
        found.append(_lines(text))
    return found


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SAMPLE = 65_536
# Bytes that do not occur in text (tab, line ends, form feed and escape do).
_CONTROL_BYTES = bytes(b for b in [*range(0x20), 0x7F] if b not in b"\t\n\r\x0c\x1b")
# Characters nobody sees, which would split "password" or a token in two for a pattern.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b-\u200f\u202a-\u202e\u2060\ufeff]"
)


def _lines(text: str) -> list[str]:
    return _INVISIBLE.sub("", text).splitlines()


#: Lines that an allow rule must never accept: each is plainly a real secret.
_CANARIES = (
    "password: Winter2026!",
    "Server=sql01;Database=hr;User Id=sa;Password=Sup3rS3cret;",
    "-----BEGIN RSA PRIVATE KEY-----",
    "aws_access_key_id = AKIA2E0A8F3B244C9986",
    "export GITHUB_TOKEN=ghp_Zq3mX8vR2tLk9WcN4yHb7PdS1fGj6aEu0oIi",
    "git clone https://deploy:9sK2mQ7vXz@git.corp.lan/it/scripts.git",
)


def too_broad(pattern: str) -> bool:
    """True when an allow rule would accept plain secrets too (``.*``, ``password``, ...)."""
    try:
        compiled = re.compile(pattern)
    except (re.error, TypeError):
        return False
    return any(compiled.search(line) for line in _CANARIES)


def _opaque(value: str) -> bool:
    # A value in a password's place: anything but a placeholder.
    value = value.strip("`'\",;)")
    return len(value) >= 4 and not _PLACEHOLDER.match(value)


def _looks_secret(value: str, rest: str, strong: bool = False) -> bool:
    # A credential is one opaque word: mixed kinds of characters, not a word of prose.
    if value.startswith((":", "=", "//")):
        return False  # "password = = x", or the rest of a URL ("$PASSWORD https://host")
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


_CHECKS = {
    "opaque": _opaque,
    "looks": lambda value: _looks_secret(value, ""),
    "strong": lambda value: _looks_secret(value, "", strong=True),
}


def _mask(text: str, start: int, end: int) -> str:
    # Not one character of the secret is kept, wherever it appears on the line.
    secret = text[start:end]
    line = text.replace(secret, "…").strip() if secret else text.strip()
    return line if len(line) <= 100 else line[:99] + "…"
