"""Search synonyms: groups of words that mean the same thing to a caller and to a technician.

kb ships a default list for IT support; a team extends it with ``synonyms.txt`` at the KB
root: one group per line, comma-separated, ``#`` starts a comment. A member may be several
words ("blue screen").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kb.analysis import terms

#: The KB's own synonym groups, one group per line.
SYNONYMS_FILE = "synonyms.txt"

DEFAULT_GROUPS = """
password, passwd, pw, passcode
wifi, wi-fi, wireless, wlan
mfa, 2fa, two-factor, multi-factor, authenticator
bsod, blue screen, stop error
vpn, remote access, globalprotect, anyconnect
printer, printing, print queue
monitor, display, external screen
laptop, notebook
email, e-mail, mail
outlook, mail client
login, log in, logon, log on, sign in, signin
logout, log out, logoff, log off, sign out
locked out, lockout, account locked
slow, sluggish, laggy
crash, crashes, freezes, hangs, not responding
onedrive, one drive
sharepoint, share point
teams, msteams, microsoft teams
mapped drive, network drive, shared drive, share
dock, docking station, port replicator
headset, headphones
microphone, mic
update, patch
certificate, cert
reboot, restart
error, fault
bitlocker, recovery key
""".strip()


@dataclass
class Synonyms:
    """Synonym groups as analysed term sequences, looked up by a word or words of a query."""

    #: member (a tuple of terms) -> the other members of its groups
    by_member: dict[tuple[str, ...], list[tuple[str, ...]]] = field(default_factory=dict)
    #: the most words any member has, so lookups know how far to look ahead
    longest: int = 1

    def add_group(self, members: list[str]) -> None:
        """Add one group of equivalent words or phrases."""
        analysed = [tuple(terms(member)) for member in members]
        analysed = [member for member in analysed if member]
        unique = list(dict.fromkeys(analysed))
        if len(unique) < 2:
            return
        for member in unique:
            self.longest = max(self.longest, len(member))
            others = self.by_member.setdefault(member, [])
            for other in unique:
                if other != member and other not in others:
                    others.append(other)

    def alternatives(self, member: tuple[str, ...]) -> list[tuple[str, ...]]:
        """What else matches these terms: single terms and phrases."""
        return self.by_member.get(member, [])


def parse_groups(text: str) -> list[list[str]]:
    """Groups from the text of a synonyms file."""
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        members = [member.strip() for member in line.split(",") if member.strip()]
        if len(members) > 1:
            groups.append(members)
    return groups


def load(root: Path | None) -> Synonyms:
    """The default groups plus the KB's ``synonyms.txt`` (unreadable files are ignored)."""
    synonyms = Synonyms()
    for group in parse_groups(DEFAULT_GROUPS):
        synonyms.add_group(group)
    if root is not None:
        from kb import paths

        # Never through a symlink leading outside the KB (kb check reports it).
        path = paths.readable(root, SYNONYMS_FILE)
        try:
            text = path.read_text(encoding="utf-8", errors="replace") if path else ""
        except OSError:
            text = ""
        for group in parse_groups(text):
            synonyms.add_group(group)
    return synonyms
