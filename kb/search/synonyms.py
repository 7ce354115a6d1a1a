"""Search synonyms: groups of words that mean the same thing to a caller and to a technician.

kb ships a default list for IT support; a team extends it with ``synonyms.txt`` at the KB
root: one group per line, comma-separated, ``#`` starts a comment. A member may be several
words ("blue screen").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kb.search.analysis import terms

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


#: A query word expands to at most this many synonyms: a team file with one group of
#: thousands of words must not turn each search into thousands of lookups.
MAX_ALTERNATIVES = 24
#: Members longer than this many words are ignored (no query holds such a phrase).
MAX_MEMBER_WORDS = 8


@dataclass
class Synonyms:
    """Synonym groups as analysed term sequences, looked up by a word or words of a query.

    Building is linear in the size of the groups: each member points at the groups it is in,
    and the other members are gathered (up to :data:`MAX_ALTERNATIVES`) when a query asks.
    """

    #: every group, as the analysed members in the order written
    groups: list[tuple[tuple[str, ...], ...]] = field(default_factory=list)
    #: member (a tuple of terms) -> the numbers of the groups it belongs to
    member_groups: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    #: the most words any member has, so lookups know how far to look ahead
    longest: int = 1
    _cache: dict[tuple[str, ...], list[tuple[str, ...]]] = field(default_factory=dict, repr=False)

    def add_group(self, members: list[str]) -> None:
        """Add one group of equivalent words or phrases."""
        analysed = (tuple(terms(member)) for member in members)
        unique = list(dict.fromkeys(m for m in analysed if m and len(m) <= MAX_MEMBER_WORDS))
        if len(unique) < 2:
            return
        number = len(self.groups)
        self.groups.append(tuple(unique))
        for member in unique:
            self.longest = max(self.longest, len(member))
            self.member_groups.setdefault(member, []).append(number)
        self._cache.clear()

    def alternatives(self, member: tuple[str, ...]) -> list[tuple[str, ...]]:
        """What else matches these terms: single terms and phrases (at most
        :data:`MAX_ALTERNATIVES`, the first written first)."""
        cached = self._cache.get(member)
        if cached is not None:
            return cached
        found: dict[tuple[str, ...], None] = {}
        for number in self.member_groups.get(member, ()):
            for other in self.groups[number]:
                if other != member:
                    found.setdefault(other, None)
                    if len(found) >= MAX_ALTERNATIVES:
                        break
            if len(found) >= MAX_ALTERNATIVES:
                break
        result = list(found)
        self._cache[member] = result
        return result


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
        from kb.notes import paths

        # Never through a symlink leading outside the KB (kb check reports it).
        path = paths.readable(root, SYNONYMS_FILE)
        try:
            text = path.read_text(encoding="utf-8", errors="replace") if path else ""
        except OSError:
            text = ""
        for group in parse_groups(text):
            synonyms.add_group(group)
    return synonyms
