"""Benchmark kb's search index on a large synthetic KB of IT fix notes.

Run from the project root::

    python bench/bench_index.py [--notes N] [--queries Q] [--seed S] [--keep DIR]

The script writes N realistic (but made-up) fix notes into a temporary KB, then measures,
through kb's public API only (``kb.KnowledgeBase``): the first full index, a no-op reindex,
a reindex after editing some notes and touching others, a full rebuild, search latency
for several kinds of queries, and the size of the index on disk.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import json
import math
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from kb import KnowledgeBase

T = TypeVar("T")

# -- vocabulary -------------------------------------------------------------------------------

#: Subfolder -> (topic tags, products, symptoms, topic words used in queries).
TOPICS: dict[str, tuple[list[str], list[str], list[str], list[str]]] = {
    "printing": (
        ["printing", "spooler", "drivers", "network"],
        ["HP LaserJet M507", "Canon iR-ADV C5840", "Xerox VersaLink C405", "Universal Print"],
        ["shows Offline", "prints blank pages", "jobs stuck in the queue", "driver install fails"],
        ["printer", "spooler", "queue", "toner", "tray", "driver", "offline"],
    ),
    "network": (
        ["network", "dns", "dhcp", "firewall"],
        ["Cisco Meraki MX", "Windows DNS Server", "Infoblox", "Palo Alto PA-3220"],
        ["cannot resolve internal names", "gets an APIPA address", "drops the connection"],
        ["dns", "dhcp", "gateway", "subnet", "lease", "ping", "latency"],
    ),
    "vpn": (
        ["vpn", "dns", "certificates", "remote"],
        ["GlobalProtect", "Cisco AnyConnect", "FortiClient", "Always On VPN"],
        ["connects but internal sites fail", "fails with error 809", "disconnects every hour"],
        ["vpn", "tunnel", "gateway", "split", "certificate", "remote"],
    ),
    "wifi": (
        ["wifi", "network", "laptop", "drivers"],
        ["Intel Wi-Fi 6E AX211", "Aruba Instant On", "Cisco Catalyst 9120"],
        ["keeps dropping", "connected no internet", "cannot see the corporate SSID"],
        ["wifi", "wireless", "ssid", "adapter", "roaming", "signal"],
    ),
    "email": (
        ["outlook", "exchange", "email", "office"],
        ["Outlook", "Exchange Online", "New Outlook", "Outlook for Mac"],
        ["prompts for password in a loop", "stuck loading profile", "shared mailbox missing"],
        ["outlook", "mailbox", "profile", "ost", "calendar", "autodiscover"],
    ),
    "collaboration": (
        ["teams", "audio", "webcam", "office"],
        ["Microsoft Teams", "Zoom Workplace", "Webex", "Teams Rooms"],
        ["microphone not working", "sign-in error", "camera shows black screen"],
        ["teams", "meeting", "microphone", "camera", "headset", "cache"],
    ),
    "files": (
        ["onedrive", "sharepoint", "permissions", "backup"],
        ["OneDrive", "SharePoint Online", "DFS Namespace", "Azure Files"],
        ["not syncing", "file locked for editing", "mapped drive shows red X"],
        ["onedrive", "sync", "share", "folder", "permissions", "drive"],
    ),
    "identity": (
        ["password", "lockout", "active-directory", "sso"],
        ["Active Directory", "Entra ID", "Okta", "ADFS"],
        ["account keeps locking out", "password expired while remote", "trust relationship failed"],
        ["password", "account", "lockout", "domain", "credential", "kerberos"],
    ),
    "mfa": (
        ["mfa", "mobile", "sso", "azure-ad"],
        ["Microsoft Authenticator", "Duo Mobile", "Okta Verify", "YubiKey 5"],
        ["prompts not arriving", "new phone cannot approve", "number matching fails"],
        ["mfa", "authenticator", "phone", "approve", "token", "sign-in"],
    ),
    "updates": (
        ["windows-update", "wsus", "intune", "drivers"],
        ["Windows Update", "WSUS", "Intune Update Rings", "Configuration Manager"],
        ["fails with 0x800f0922", "stuck at 0 percent", "rolls back after reboot"],
        ["update", "patch", "cumulative", "rollback", "reboot", "servicing"],
    ),
    "hardware": (
        ["laptop", "dock", "monitor", "usb"],
        ["Dell WD19TBS", "Lenovo ThinkPad T14", "HP EliteBook 840", "Surface Laptop 5"],
        ["not charging on dock", "external monitors not detected", "USB devices disconnect"],
        ["dock", "monitor", "laptop", "charger", "firmware", "display"],
    ),
    "endpoint": (
        ["bitlocker", "defender", "antivirus", "intune"],
        ["BitLocker", "Defender for Endpoint", "CrowdStrike Falcon", "Intune Compliance"],
        ["asks for recovery key", "blocks a line-of-business app", "device marked noncompliant"],
        ["bitlocker", "recovery", "defender", "quarantine", "compliance", "tpm"],
    ),
    "performance": (
        ["performance", "disk", "profile", "logon"],
        ["Windows 11", "FSLogix", "User Profile Service", "Storage Sense"],
        ["slow logon", "C drive full", "high CPU after startup", "temporary profile loaded"],
        ["slow", "disk", "cpu", "memory", "profile", "logon"],
    ),
    "crash": (
        ["bsod", "drivers", "performance", "hardware"],
        ["Windows 11", "NVIDIA RTX A2000", "Intel Graphics", "Realtek Audio"],
        ["blue screen after driver update", "freezes on resume", "app crashes on launch"],
        ["crash", "bsod", "dump", "freeze", "driver", "stop"],
    ),
    "remote": (
        ["citrix", "rdp", "vdi", "remote"],
        ["Citrix Workspace", "Remote Desktop", "Azure Virtual Desktop", "VMware Horizon"],
        ["session disconnects", "black screen after login", "clipboard not working"],
        ["citrix", "session", "rdp", "desktop", "published", "receiver"],
    ),
    "browser": (
        ["browser", "edge", "chrome", "certificates"],
        ["Microsoft Edge", "Google Chrome", "Firefox ESR", "Internet Explorer mode"],
        ["certificate error on intranet", "site opens blank", "downloads blocked"],
        ["browser", "certificate", "proxy", "cookies", "intranet", "extension"],
    ),
    "mobile": (
        ["mobile", "ios", "android", "intune"],
        ["iPhone 15", "Samsung Galaxy S23", "Company Portal", "Intune MAM"],
        ["mail app not syncing", "cannot enroll device", "Wi-Fi profile missing"],
        ["phone", "enrollment", "portal", "profile", "app", "sync"],
    ),
    "apps": (
        ["sap", "java", "licensing", "office"],
        ["SAP GUI 8.0", "Adobe Acrobat", "Java 8 runtime", "Microsoft 365 Apps"],
        ["license not activated", "add-in disabled", "app will not start"],
        ["license", "activation", "addin", "install", "repair", "version"],
    ),
    "mac": (
        ["mac", "printing", "wifi", "sso"],
        ["macOS Sonoma", "Jamf Pro", "Self Service", "Platform SSO"],
        ["keychain keeps prompting", "cannot add printer", "FileVault key escrow failed"],
        ["mac", "keychain", "jamf", "filevault", "finder", "profile"],
    ),
    "deployment": (
        ["autopilot", "intune", "sccm", "powershell"],
        ["Windows Autopilot", "MDT", "Configuration Manager", "Intune Win32 apps"],
        ["stuck at account setup", "app install times out", "task sequence fails"],
        ["autopilot", "deployment", "esp", "image", "provisioning", "package"],
    ),
}
SUBFOLDERS = list(TOPICS)

#: ~60 tags: the topics' tags plus a few more.
TAGS = sorted(
    {tag for tags, *_ in TOPICS.values() for tag in tags}
    | {"gpo", "proxy", "kerberos", "shared-mailbox"}
)  # fmt: skip

SYSTEMS = [
    "Windows 11", "Windows 10", "Windows Server 2019", "Windows Server 2022", "macOS Sonoma",
    "macOS Ventura", "iOS 17", "Android 14", "Microsoft 365", "Exchange Online", "Citrix",
    "Intune", "Active Directory", "Entra ID", "SharePoint Online",
]  # fmt: skip

_NOUNS = """
access account activation adapter address admin agent alert alias antivirus app application
approval archive attachment audit authentication authenticator autodiscover backup bandwidth
banner battery bios boot browser buffer build cable cache calendar caller camera capacity
certificate chain change checklist cleanup client clipboard cloud cluster code colleague
command compliance computer condition config configuration conflict connection connector
console contact container contractor controller credential credentials cursor customer
dashboard data database date default delegate deployment desk desktop destination device
diagnostic dialog directory disk display dns dock document domain download driver drive
editor email encryption endpoint enrollment entry error event exception export extension
failure fallback feature file filter firewall firmware folder freeze gateway group guest
handler hardware headset health helpdesk host hotfix identity image inbox incident installer
interface internet intranet inventory issue job kerberos key keyboard laptop latency layout
lease license limit link locale location lock lockout log logon loop mailbox maintenance
manager mapping media meeting memory message migration mirror mode module monitor network
node notification outage override owner package pane parameter partition password patch
path peripheral permission phone pin policy pool port portal power printer priority
privilege process profile prompt protocol provider proxy queue quota reboot recovery
region registry release removal replica replication request resolution rights role
rollback router rule runtime scan schedule scope screen script search security sensor
server service session setting setup share shortcut signature site snapshot software
spooler ssid startup status storage subnet subscription support switch sync system tablet
task team template tenant terminal ticket timeout token toolbar trace traffic transfer
tray trust tunnel upgrade upload usb user username vendor version video volume vpn warning
webcam wifi window wizard workaround workstation zone bitlocker toner outlook teams
onedrive sharepoint citrix keychain headphones bluetooth dongle hotspot smartcard hostname
"""
_VERBS = """
allow approve block cancel check clear copy delete disable disconnect download enable
escalate export forward install lock map migrate mount open print reboot refresh reinstall
remove rename repair reset restart restore retry scan sync test troubleshoot uninstall
unlock update upgrade validate verify
"""
_ADVERBS = """
again already also briefly carefully correctly daily first immediately instead later
manually monthly normally now often once only overnight quickly randomly recently remotely
slowly sometimes suddenly temporarily weekly yesterday
"""
_PAST = """
affected applied blocked changed checked cleared configured copied corrupted created
damaged deleted deployed disabled downloaded enabled expired fixed forced granted ignored
installed locked logged mapped migrated moved noticed opened patched published rebuilt
received reconnected recreated redeployed removed renamed reported restarted restored
reverted scheduled signed started stopped synced tested unlocked updated upgraded verified
"""
NOUNS = _NOUNS.split()
VERBS = _VERBS.split()
PAST = _PAST.split()
#: ~400 general IT and helpdesk words (nouns, verbs, adverbs, past participles).
WORDS = sorted(set(NOUNS + VERBS + _ADVERBS.split() + PAST))

#: Multi-word phrases that occur in note text (used for phrase queries).
PHRASES = [
    "print spooler", "access denied", "trust relationship", "credential manager",
    "group policy", "certificate expired", "mapped drive", "blue screen", "safe mode",
    "event viewer", "device manager", "recovery key", "shared mailbox", "proxy settings",
    "clear the cache", "sign out", "local admin", "remote session", "firmware update",
    "network adapter", "user profile", "windows update", "domain controller", "driver rollback",
]  # fmt: skip

ERROR_CODES = [
    "0x80070005", "0x800f0922", "0x80070643", "0x8024402c", "0x80072efd", "0x800704cf",
    "0x80004005", "0xc000021a", "0x0000007e", "0x80190001", "0x80180014", "0x8007000d",
    "0xcaa70004", "0x80048823", "0x8004de40", "0x80090016", "0x800f081f", "0x80240017",
    "0x87d00324", "0x80070057", "0x0000009f", "0x00000133", "0x8018002b", "0xcaa20003",
]  # fmt: skip
KB_NUMBERS = [
    "KB5034441", "KB5034763", "KB5035845", "KB5036893", "KB5037771", "KB5039212",
    "KB5040442", "KB5041585", "KB5043076", "KB5044284", "KB5046617", "KB5048667",
]  # fmt: skip
HOST_ROLES = ["srv-print", "srv-fs", "srv-app", "dc", "exch", "wsus", "vpn-gw", "srv-sql",
              "srv-citrix", "srv-rds", "sccm", "srv-web"]  # fmt: skip
PATHS = [
    r"C:\Windows\System32\spool\PRINTERS", r"C:\Windows\SoftwareDistribution\Download",
    r"C:\Windows\System32\drivers\etc", r"C:\ProgramData\Microsoft\Windows\WER",
    r"C:\Windows\Temp", r"C:\Windows\Logs\CBS", r"C:\Windows\Minidump",
    r"C:\Program Files\Microsoft Office\root\Office16",
    r"C:\Windows\CCM\Logs", r"\\srv-fs01.corp.local\Shares\Finance",
    r"\\srv-fs02.corp.local\Profiles$", r"C:\Windows\System32\config",
]  # fmt: skip
SERVICES = ["Spooler", "wuauserv", "BITS", "CryptSvc", "Dnscache", "W32Time", "ProfSvc",
            "RasMan", "WlanSvc", "Netlogon", "gpsvc", "TermService"]  # fmt: skip
TOOLS = ["Event Viewer", "Device Manager", "Services", "Task Manager", "Credential Manager",
         "Group Policy Management", "Active Directory Users and Computers", "Intune admin center",
         "Exchange admin center", "Resource Monitor", "Disk Management", "Print Management",
         "Registry Editor", "Computer Management"]  # fmt: skip
EVENTS = ["the last Patch Tuesday", "a BIOS update", "a password change", "moving to a new desk",
          "the Windows 11 upgrade", "a power cut", "the Office update", "a new docking station",
          "the certificate renewal", "the weekend maintenance", "the firewall change",
          "returning from leave"]  # fmt: skip
QUOTES = [
    "It worked yesterday and now nothing happens.", "I have a meeting in five minutes.",
    "My colleague next to me has no problem at all.", "I already restarted twice.",
    "It says something about {code} and then closes.", "I didn't change anything.",
    "The screen just says {symptom}.", "It started right after {event}.",
    "Everyone on the second floor has the same thing.", "I can't work like this.",
]  # fmt: skip
STATUSES = ["validated", "not-validated", "wip", "archived"]
STATUS_WEIGHTS = [40, 30, 20, 10]

SENTENCE_TEMPLATES = [
    "The caller reports that {product} {symptom} since {event}.",
    "This affects {product} on {system} and at least {n} users in the same {w1}.",
    "Check the {w1} {w2} on {host} before you {verb} anything else.",
    "If the {w1} shows {code}, the {w2} {w3} is usually the cause.",
    "Look for {code} in {tool} under the {w1} log.",
    "The {phrase} setting on {host} was {past} by mistake.",
    "Users on {system} see the {w1} {w2} fail with {code}.",
    "A stale {w1} under {path} blocks the {w2}.",
    "After {event} the {phrase} no longer applies to this {w1}.",
    "Installing {kbnum} fixes the {w1} on most machines.",
    "{kbnum} was {past} on {host} and the {w1} {w2} came back.",
    "Confirm the {w1} can reach {host} on port {port}.",
    "Ask the caller to {verb} the {w1} and read the {w2} to you.",
    "The {phrase} was the only thing that changed on the {w1}.",
]  # fmt: skip
STEP_TEMPLATES = [
    "Open {tool} and check the {w1} {w2}.",
    "Ask the caller to sign out and sign in again, then test the {w1}.",
    "Restart the {service} service on {host}.",
    "Clear the cache under `{path}` and reboot.",
    "Run `gpupdate /force` and check the {phrase} again.",
    "Remove the {w1} {w2} and add it again from {host}.",
    "Install {kbnum} and restart when prompted.",
    "Check {tool} for {code} around the time of the {w1}.",
    "Roll back the {w1} driver in Device Manager if the {w2} started after {event}.",
    "Reset the {w1} in {product} and confirm the {w2} is {past}.",
    "Escalate to the {w1} team with the {w2} logs if {code} comes back.",
    "Confirm it worked: have the caller {verb} the {w1} while you stay on the line.",
]  # fmt: skip
POWERSHELL = [
    "Stop-Service -Name {service} -Force",
    "Start-Service -Name {service}",
    'Remove-Item -Path "{path}\\*" -Recurse -Force',
    "Test-NetConnection {host} -Port {port}",
    "Resolve-DnsName {host}",
    "Get-WinEvent -LogName System -MaxEvents 50 | Where-Object Id -eq {eventid}",
    "Reset-ComputerMachinePassword -Server {host} -Credential (Get-Credential)",
    "Get-Service -ComputerName {host} -Name {service}",
    "dism /online /cleanup-image /restorehealth",
    "sfc /scannow",
    "Restart-Computer -Force",
    "ipconfig /flushdns",
]  # fmt: skip
CAUSE_TEMPLATES = [
    "A {w1} {w2} left by {event} blocked the {w3}.",
    "The {phrase} on {host} had {past} and nobody noticed.",
    "{kbnum} changed how the {w1} handles the {w2}.",
    "The {w1} cache under `{path}` was corrupted.",
    "The {w1} {w2} expired, so the {w3} failed with {code}.",
]  # fmt: skip


# -- note generation --------------------------------------------------------------------------


@dataclass
class GeneratedNote:
    """One synthetic note: where it lives, its front matter and topic."""

    rel: str
    front_matter: str
    topic: str


class NoteGenerator:
    """Builds realistic fix notes from the vocabularies above with one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.hosts = [f"{role}{n:02d}.corp.local" for role in HOST_ROLES for n in range(1, 6)]

    # small pieces

    def host(self) -> str:
        """A host name such as ``srv-print01.corp.local``."""
        return self.rng.choice(self.hosts)

    def code(self) -> str:
        """An error code, or now and then a KB number."""
        return self.rng.choice(ERROR_CODES if self.rng.random() < 0.8 else KB_NUMBERS)

    def ticket(self) -> str:
        """A ticket id: ServiceNow ``INC0012345`` or Jira-style ``HELP-123``."""
        if self.rng.random() < 0.7:
            return f"INC{self.rng.randint(1_000, 9_999_999):07d}"
        return f"HELP-{self.rng.randint(1, 9_999)}"

    def _slots(self, topic: str) -> dict[str, object]:
        _tags, products, symptoms, topic_words = TOPICS[topic]
        rng = self.rng

        def word() -> str:
            # Words of the note's topic turn up more often than the general vocabulary.
            return rng.choice(topic_words) if rng.random() < 0.3 else rng.choice(NOUNS)

        return {
            "product": rng.choice(products),
            "symptom": rng.choice(symptoms),
            "event": rng.choice(EVENTS),
            "system": rng.choice(SYSTEMS),
            "host": self.host(),
            "code": self.code(),
            "kbnum": rng.choice(KB_NUMBERS),
            "path": rng.choice(PATHS),
            "tool": rng.choice(TOOLS),
            "service": rng.choice(SERVICES),
            "phrase": rng.choice(PHRASES),
            "past": rng.choice(PAST),
            "verb": rng.choice(VERBS),
            "port": rng.choice([53, 80, 88, 135, 389, 443, 445, 636, 3389, 8080]),
            "eventid": rng.choice([41, 1001, 1058, 4625, 4740, 5719, 6008, 7031, 20227]),
            "n": rng.randint(2, 40),
            "w1": word(),
            "w2": word(),
            "w3": word(),
        }

    def fill(self, template: str, topic: str) -> str:
        """A template with its slots filled."""
        text = template.format(**self._slots(topic))
        return text[0].upper() + text[1:]

    def filler(self, topic: str) -> str:
        """A loose sentence of helpdesk words, like a hurried technician writes."""
        topic_words = TOPICS[topic][3]
        count = self.rng.randint(6, 14)
        words = [
            self.rng.choice(topic_words) if self.rng.random() < 0.25 else self.rng.choice(WORDS)
            for _ in range(count)
        ]
        return " ".join(words).capitalize() + "."

    def sentence(self, topic: str) -> str:
        """A templated sentence most of the time, otherwise a filler sentence."""
        if self.rng.random() < 0.65:
            return self.fill(self.rng.choice(SENTENCE_TEMPLATES), topic)
        return self.filler(topic)

    def paragraph(self, topic: str, words: int) -> str:
        """Sentences until about ``words`` words are written."""
        sentences: list[str] = []
        count = 0
        while count < words:
            sentence = self.sentence(topic)
            sentences.append(sentence)
            count += len(sentence.split())
        return " ".join(sentences)

    # whole notes

    def title(self, topic: str) -> str:
        """A title such as "GlobalProtect fails with error 809 after a password change"."""
        _tags, products, symptoms, _words = TOPICS[topic]
        product, symptom = self.rng.choice(products), self.rng.choice(symptoms)
        shape = self.rng.random()
        if shape < 0.4:
            return f"{product} {symptom}"
        if shape < 0.7:
            return f"{product} {symptom} after {self.rng.choice(EVENTS)}"
        if shape < 0.85:
            return f"{product}: {symptom} ({self.code()})"
        return f"{symptom.capitalize()} on {self.rng.choice(SYSTEMS)} with {product}"

    def front_matter(self, topic: str, title: str) -> str:
        """YAML front matter for a fix note."""
        rng = self.rng
        topic_tags = TOPICS[topic][0]
        count = rng.randint(2, 4)
        tags = rng.sample(topic_tags, min(count, len(topic_tags)))
        while len(tags) < count or rng.random() < 0.2:
            extra = rng.choice(TAGS)
            if extra not in tags:
                tags.append(extra)
            if len(tags) >= 4:
                break
        systems = rng.sample(SYSTEMS, rng.randint(1, 3))
        tickets = [self.ticket() for _ in range(rng.randint(0, 3))]
        created = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randint(0, 6 * 365))
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        lines = [
            "---",
            f"title: {json.dumps(title)}",
            "type: fix",
            f"status: {status}",
            f"tags: [{', '.join(tags)}]",
            f"systems: [{', '.join(systems)}]",
            f"tickets: [{', '.join(tickets)}]",
            f"created: {created.isoformat()}",
            "---",
            "",
        ]
        return "\n".join(lines)

    def body(self, topic: str, links: Sequence[str] = ()) -> str:
        """The Markdown body: Issue, Environment, Resolution, Cause; 150-600 words."""
        rng = self.rng
        target = rng.randint(150, 600)
        total = 0

        def fits(text: str, goal: float) -> bool:
            return total + len(text.split()) <= goal

        quote = rng.choice(QUOTES).format(**self._slots(topic))
        env = [f"- {system}" for system in rng.sample(SYSTEMS, rng.randint(1, 3))]
        env.append(f"- {rng.choice(TOPICS[topic][1])} served from `{self.host()}`")
        issue = [f'"{quote}"', self.sentence(topic)]
        total = len(" ".join(issue + env).split()) + 8  # + the section headings
        while fits(sentence := self.sentence(topic), target * 0.25):
            issue.append(sentence)
            total += len(sentence.split())

        steps: list[str] = []
        code_at = rng.randrange(1, 4) if rng.random() < 0.45 else -1
        while len(steps) < 12:
            number = len(steps) + 1
            step = self.fill(rng.choice(STEP_TEMPLATES), topic)
            if rng.random() < 0.5:
                step += " " + self.sentence(topic)
            if number == code_at:
                commands = [
                    line.format(**self._slots(topic))
                    for line in rng.sample(POWERSHELL, rng.randint(1, 4))
                ]
                block = "\n".join(f"   {line}" for line in ["```powershell", *commands, "```"])
                step += " In an elevated PowerShell run:\n" + block
            step = f"{number}. {step}"
            if len(steps) >= 3 and not fits(step, target * 0.85):
                break
            steps.append(step)
            total += len(step.split())
        resolution = "\n".join(steps)
        if links and rng.random() < 0.15:
            resolution += f"\n\nIf this does not help, see [[{rng.choice(links)}]]."
            total += 6

        cause = [self.fill(rng.choice(CAUSE_TEMPLATES), topic)]
        total += len(cause[0].split())
        while True:
            sentence = (
                self.fill(rng.choice(CAUSE_TEMPLATES), topic)
                if rng.random() < 0.5
                else self.sentence(topic)
            )
            if total >= 150 and not fits(sentence, target):
                break
            cause.append(sentence)
            total += len(sentence.split())
        return (
            "## Issue\n" + " ".join(issue) + "\n\n"
            "## Environment\n" + "\n".join(env) + "\n\n"
            f"## Resolution\n{resolution}\n\n"
            "## Cause\n" + " ".join(cause) + "\n"
        )


def slugify(title: str) -> str:
    """A file name for a title ("VPN: no DNS!" -> "vpn-no-dns"), at most 60 characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:60].rstrip("-") or "note"


def generate_kb(root: Path, count: int, rng: random.Random) -> list[GeneratedNote]:
    """Write ``count`` notes under ``root/notes/<topic>/`` and return what was written."""
    generator = NoteGenerator(rng)
    notes: list[GeneratedNote] = []
    used: set[str] = set()
    for folder in SUBFOLDERS:
        (root / "notes" / folder).mkdir(parents=True, exist_ok=True)
    for _ in range(count):
        topic = rng.choice(SUBFOLDERS)
        title = generator.title(topic)
        slug = slugify(title)
        rel = f"notes/{topic}/{slug}.md"
        number = 2
        while rel in used:
            rel = f"notes/{topic}/{slug}-{number}.md"
            number += 1
        used.add(rel)
        front = generator.front_matter(topic, title)
        links = [Path(note.rel).stem for note in notes[-50:]]
        text = front + generator.body(topic, links)
        (root / rel).write_text(text, encoding="utf-8")
        notes.append(GeneratedNote(rel, front, topic))
    return notes


# -- queries ----------------------------------------------------------------------------------

QUERY_KINDS = ["one word", "two-three words", "error code", "as typed", "filter", "phrase"]

TYPED_PHRASES = [
    "printer offline", "outlook password prompt", "vpn connected no dns", "teams microphone",
    "onedrive not syncing", "account lockout", "bitlocker recovery key", "slow logon profile",
    "blue screen driver", "mapped drive red", "certificate error intranet", "wifi keeps dropping",
    "dock monitors not detected", "mfa prompts not arriving", "citrix session disconnects",
    "windows update fails", "trust relationship failed", "shared mailbox missing",
]  # fmt: skip
MULTI_WORDS = [
    "printer offline", "spooler queue stuck", "outlook password loop", "vpn dns",
    "teams camera black", "onedrive sync error", "account locked", "bitlocker recovery",
    "slow logon", "bsod driver", "mapped drive", "certificate intranet", "wifi dropping",
    "dock monitor", "mfa phone", "citrix session", "update rollback", "trust relationship",
    "mailbox calendar", "autopilot esp", "license activation", "keychain prompt",
]  # fmt: skip


def make_queries(rng: random.Random, total: int) -> list[tuple[str, str]]:
    """``total`` (kind, query) pairs, spread evenly over :data:`QUERY_KINDS`."""
    per_kind = {kind: total // len(QUERY_KINDS) for kind in QUERY_KINDS}
    for kind in QUERY_KINDS[: total % len(QUERY_KINDS)]:
        per_kind[kind] += 1
    topic_words = sorted({word for *_, words in TOPICS.values() for word in words})
    makers: dict[str, Callable[[], str]] = {
        "one word": lambda: rng.choice(topic_words if rng.random() < 0.6 else WORDS),
        "two-three words": lambda: (
            rng.choice(MULTI_WORDS)
            if rng.random() < 0.6
            else " ".join(rng.sample(topic_words, rng.randint(2, 3)))
        ),
        "error code": lambda: rng.choice(ERROR_CODES if rng.random() < 0.7 else KB_NUMBERS),
        "filter": lambda: _filter_query(rng),
        "phrase": lambda: f'"{rng.choice(PHRASES)}"',
    }
    queries: list[tuple[str, str]] = []
    for kind in QUERY_KINDS:
        if kind == "as typed":
            typed: list[str] = []
            while len(typed) < per_kind[kind]:
                phrase = rng.choice(TYPED_PHRASES)
                typed.extend(phrase[:end] for end in range(2, len(phrase) + 1))
            queries.extend((kind, text) for text in typed[: per_kind[kind]])
        else:
            queries.extend((kind, makers[kind]()) for _ in range(per_kind[kind]))
    return queries


def _filter_query(rng: random.Random) -> str:
    topic = rng.choice(SUBFOLDERS)
    tags, _products, _symptoms, words = TOPICS[topic]
    if rng.random() < 0.75:
        return f"tag:{rng.choice(tags)} {rng.choice(words)}"
    return f"status:{rng.choice(STATUSES[:3])} {rng.choice(words)}"


# -- measuring --------------------------------------------------------------------------------


@dataclass
class Latencies:
    """Search timings of one kind of query."""

    kind: str
    millis: list[float] = field(default_factory=list)
    hits: list[int] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")

    def add(self, query: str, millis: float, hits: int) -> None:
        """Record one query."""
        self.millis.append(millis)
        self.hits.append(hits)
        if millis > self.slowest[0]:
            self.slowest = (millis, query)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def folder_bytes(folder: Path) -> int:
    """Total size of the files under ``folder``."""
    total = 0
    for current, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(current, name)).st_size
    return total


def timed(action: Callable[[], T]) -> tuple[float, T]:
    """Seconds taken by ``action`` (perf_counter) and what it returned."""
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def rewrite_bodies(root: Path, notes: list[GeneratedNote], generator: NoteGenerator) -> None:
    """Give each note a new body, keeping its front matter."""
    for note in notes:
        path = root / note.rel
        before = path.stat().st_mtime_ns
        path.write_text(note.front_matter + generator.body(note.topic), encoding="utf-8")
        # On file systems with coarse timestamps a rewrite could keep the old mtime.
        if path.stat().st_mtime_ns == before:
            os.utime(path, ns=(before, before + 1_000_000_000))


def touch(root: Path, notes: list[GeneratedNote]) -> None:
    """Move each note's mtime 5 s forward without changing its content."""
    for note in notes:
        path = root / note.rel
        info = path.stat()
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 5_000_000_000))


def describe(report: Any) -> str:
    """The counts of an index report (``kb.reindex()``), as one line."""
    return (
        f"added {len(report.added)}, changed {len(report.changed)}, "
        f"deleted {len(report.deleted)}, unchanged {report.unchanged}"
    )


def human_bytes(count: int) -> str:
    """``12.3 MB (12,345,678 bytes)``."""
    return f"{count / 1_000_000:.1f} MB ({count:,} bytes)"


# -- keystrokes and the FTS5 baseline --------------------------------------------------------

#: Phrases typed one character at a time for the keystroke figures (2-4 words each).
KEYSTROKE_PHRASES = list(dict.fromkeys([*TYPED_PHRASES, *MULTI_WORDS, "group policy not applied"]))
#: Queries run before any timing, so that lazy loading is not timed.
WARM_UP = ["printer", "vpn dns", "0x80070005", "outlook pass", "tag:wifi dropping"]
#: Keystroke queries timed while a full rebuild runs in another thread.
DURING_REBUILD = 50

ENGINES = ["whoosh", "tantivy"]
BASELINE = "fts5"
#: The order in which the engines are measured at each size (tables keep whoosh, tantivy, fts5).
RUN_ORDER = [BASELINE, "tantivy", "whoosh"]
FTS5_FILE = "fts5.sqlite"
FTS5_SQL = (
    "SELECT rowid, title, snippet(fts, 1, '[', ']', '…', 12) FROM fts "
    "WHERE fts MATCH ? ORDER BY bm25(fts, 10.0, 1.0) LIMIT 10"
)


def keystrokes() -> list[str]:
    """Every prefix of 2 characters or more of each keystroke phrase, in typing order."""
    return [phrase[:end] for phrase in KEYSTROKE_PHRASES for end in range(2, len(phrase) + 1)]


def fts5_query(text: str) -> str:
    """An FTS5 MATCH expression: each token quoted (AND), the last one as a prefix."""
    tokens = ['"' + token.replace('"', '""') + '"' for token in text.split()]
    tokens[-1] += "*"
    return " ".join(tokens)


def split_note(text: str) -> tuple[str, str]:
    """(front matter title, body) of a generated note."""
    title, body = "", text
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end >= 0:
            body = text[end + 5 :]
            for line in text[4:end].splitlines():
                if line.startswith("title:"):
                    title = json.loads(line[6:].strip())
    return title, body


def summary(millis: Sequence[float]) -> dict[str, float]:
    """Count, p50, p95 and max of some timings (ms)."""
    return {
        "n": len(millis),
        "p50": percentile(millis, 50),
        "p95": percentile(millis, 95),
        "max": max(millis),
    }


def peak_rss_mb() -> float | None:
    """This process's peak resident set size in MB (10^6 bytes), or None where unknown."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak * (1 if sys.platform == "darwin" else 1024) / 1_000_000


def _mb(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f} MB"


# -- the child processes: one measures indexing, the next searching ---------------------------


def child_main(args: argparse.Namespace) -> int:
    """Run one measurement (``--child build|search``) and write its figures as JSON."""
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    rows = json.loads(args.manifest.read_text(encoding="utf-8"))[: args.notes]
    notes = [GeneratedNote(*row) for row in rows]
    engine, root = args.child_engine, args.kb.resolve()
    print(f"-- {engine} @ {len(notes)} notes: {args.child} (process {os.getpid()})")
    if engine == BASELINE:
        if args.child == "build":
            result = fts5_build(root, args.source, notes)
        else:
            result = fts5_search(root)
    elif args.child == "build":
        result = kb_build(root, notes, args)
    else:
        result = kb_search(root, args)
    args.result.write_text(json.dumps(result), encoding="utf-8")
    print()
    return 0


def kb_build(root: Path, notes: list[GeneratedNote], args: argparse.Namespace) -> dict[str, Any]:
    """Full index, no-op reindex and reindex after edits, through kb's public API."""
    rng = random.Random(args.seed + 2)
    n_edit = min(100, len(notes) // 2)
    n_touch = min(50, len(notes) - n_edit)
    rows: list[tuple[str, float, str, str]] = []
    kb = KnowledgeBase.open(root)
    try:
        ran = kb.index.factory.name
        print(f"  engine     asked {args.child_engine}, ran {ran} (kb.index.factory.name)")
        seconds, first = timed(kb.reindex)
        build = seconds
        rows.append(
            ("full index (first reindex)", seconds, f"{len(notes) / seconds:,.0f}", describe(first))
        )
        size_first = folder_bytes(root / ".kb")

        noop_times = []
        for _ in range(3):
            seconds, noop_report = timed(kb.reindex)
            noop_times.append(seconds)
        noop = statistics.median(noop_times)
        rows.append(("no-op reindex (median of 3)", noop, "", describe(noop_report)))

        picked = rng.sample(notes, n_edit + n_touch)
        edited, touched = picked[:n_edit], picked[n_edit:]
        rewrite_bodies(root, edited, NoteGenerator(rng))
        touch(root, touched)
        edit_seconds, after_edit = timed(kb.reindex)
        label = f"reindex after {n_edit} edits + {n_touch} touches"
        rows.append((label, edit_seconds, "", describe(after_edit)))
        size_edit = folder_bytes(root / ".kb")
    finally:
        kb.close()

    changed = set(after_edit.changed)
    edited_rels = {note.rel for note in edited}
    touched_rels = {note.rel for note in touched}
    edit_ok = changed == edited_rels and not after_edit.added and not after_edit.deleted
    build_ok = len(first.added) == len(notes)
    rss = peak_rss_mb()

    print(f"  {'Indexing':<40} {'seconds':>9} {'notes/s':>9}  report")
    for label, seconds, rate, detail in rows:
        print(f"    {label:<38} {seconds:>9.3f} {rate:>9}  {detail}")
    print(
        f"    report.seconds: first {first.seconds:.3f}, no-op {noop_report.seconds:.3f}, "
        f"after edits {after_edit.seconds:.3f}"
    )
    print(
        f"    first index added {len(first.added)}/{len(notes)} notes -> "
        f"{'OK' if build_ok else 'UNEXPECTED'}"
    )
    print(
        f"    edit check: edited notes reported changed: {len(changed & edited_rels)}/{n_edit}; "
        f"touched-only notes reported changed: {len(changed & touched_rels)}/{n_touch}; "
        f"other notes reported changed: {len(changed - edited_rels - touched_rels)} -> "
        f"{'OK' if edit_ok else 'UNEXPECTED'}"
    )
    print(
        f"    index on disk: after first index {human_bytes(size_first)}, "
        f"after edits {human_bytes(size_edit)}"
    )
    print(f"    peak RSS of this indexing process: {_mb(rss)}")
    return {
        "engine_ran": ran,
        "build_s": build,
        "build_ok": build_ok,
        "noop_s": noop,
        "edit_s": edit_seconds,
        "n_edit": n_edit,
        "edit_changed": len(changed),
        "edit_ok": edit_ok,
        "index_bytes": size_edit,
        "build_rss_mb": rss,
    }


def kb_search(root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Keystroke latency, latency by query kind, peak RSS, then search during a rebuild."""
    keys = keystrokes()
    kb = KnowledgeBase.open(root)
    try:
        ran = kb.index.factory.name
        print(f"  engine     asked {args.child_engine}, ran {ran} (kb.index.factory.name)")
        if args.search_only:
            # A kept KB: bring its index up to date first (kb rebuilds an index made by
            # another version of kb; the peak RSS then includes that indexing).
            seconds, report = timed(kb.reindex)
            rebuilt = f", rebuilt: {report.rebuilt}" if report.rebuilt else ""
            print(
                f"  kept index brought up to date in {seconds:.2f} s ({describe(report)}{rebuilt})"
            )
        for warm in WARM_UP:
            kb.search(warm, limit=10, refresh=False)
        key_ms: list[float] = []
        key_hits: list[int] = []
        slowest = (0.0, "")
        for text in keys:
            seconds, hits = timed(lambda text=text: kb.search(text, limit=10, refresh=False))
            key_ms.append(seconds * 1000)
            key_hits.append(len(hits))
            slowest = max(slowest, (seconds * 1000, text))

        queries = make_queries(random.Random(args.seed + 1), args.queries)
        latencies = {kind: Latencies(kind) for kind in QUERY_KINDS}
        for kind, text in queries:
            seconds, hits = timed(lambda text=text: kb.search(text, limit=10, refresh=False))
            latencies[kind].add(text, seconds * 1000, len(hits))
        rss = peak_rss_mb()

        during = None if args.no_rebuild else search_during_rebuild(kb, keys)
        sample = kb.search("print spooler", limit=3, refresh=False)
        size_rebuilt = folder_bytes(root / ".kb")
    finally:
        kb.close()

    keystroke = summary(key_ms)
    print(
        f"  keystrokes: {len(keys)} queries (every prefix from 2 characters of "
        f"{len(KEYSTROKE_PHRASES)} phrases), kb.search(q, limit=10, refresh=False)"
    )
    print(
        f"    p50 {keystroke['p50']:.1f} ms, p95 {keystroke['p95']:.1f} ms, "
        f"max {keystroke['max']:.1f} ms; average hits {statistics.mean(key_hits):.1f}, "
        f"no hits {sum(1 for count in key_hits if not count)}; slowest {slowest[1]!r}"
    )
    print(
        f"  {'Search latency (ms), refresh=False':<36} {'n':>4} {'p50':>8} {'p95':>8} "
        f"{'max':>8} {'avg hits':>9} {'no hits':>8}"
    )
    everything = Latencies("all")
    for kind in QUERY_KINDS:
        item = latencies[kind]
        if not item.millis:
            continue
        everything.millis += item.millis
        everything.hits += item.hits
        _print_latency(kind, item)
    _print_latency("all", everything)
    print("    slowest query per kind:")
    for kind in QUERY_KINDS:
        millis, text = latencies[kind].slowest
        if text:
            print(f"      {kind:<16} {millis:8.1f} ms  {text!r}")
    print(f"  peak RSS at the end of the search phase: {_mb(rss)}")
    if during is None:
        print("  search during rebuild: not measured (--no-rebuild)")
    else:
        print(
            f"  search during rebuild: {during['answered']}/{during['asked']} answered "
            f"({during['while_running']} started while the rebuild ran), "
            + (
                f"p95 {during['p95']:.1f} ms, max {during['max']:.1f} ms; "
                if during["answered"]
                else ""
            )
            + f"queries took {during['queries_s']:.2f} s; rebuild "
            + (
                f"finished in {during['rebuild_s']:.2f} s ({during['rebuild_report']})"
                if during["rebuild_ok"]
                else f"FAILED: {during['rebuild_error']}"
            )
        )
        for error in during["errors"][:5]:
            print(f"    error: {error}")
    print(f"  index on disk at the end: {human_bytes(size_rebuilt)}")
    if sample:
        top = sample[0]
        print(f'  sample hit for "print spooler" at the end: {top.path} (score {top.score:.2f})')
        print(f"    {top.snippet[:160]}")
    else:
        print('  no hit for "print spooler" at the end')
    return {
        "engine_ran": ran,
        "keystroke": keystroke,
        "kinds": {kind: summary(item.millis) for kind, item in latencies.items() if item.millis},
        "rss_mb": rss,
        "during": during,
    }


def search_during_rebuild(kb: KnowledgeBase, keys: list[str]) -> dict[str, Any]:
    """Time keystroke queries from this thread while ``kb.reindex(rebuild=True)`` runs in
    another one."""
    step = max(1, len(keys) // DURING_REBUILD)
    picks = keys[::step][:DURING_REBUILD]
    box: dict[str, Any] = {}

    def rebuild() -> None:
        started = time.perf_counter()
        try:
            box["report"] = kb.reindex(rebuild=True)
        except Exception as exc:
            box["error"] = f"{type(exc).__name__}: {exc}"
        box["seconds"] = time.perf_counter() - started

    thread = threading.Thread(target=rebuild, name="kb-rebuild")
    started = time.perf_counter()
    thread.start()
    millis: list[float] = []
    errors: list[str] = []
    while_running = 0
    for text in picks:
        running = thread.is_alive()
        try:
            seconds, _hits = timed(lambda text=text: kb.search(text, limit=10, refresh=False))
        except Exception as exc:
            errors.append(f"{text!r}: {type(exc).__name__}: {exc}")
            continue
        millis.append(seconds * 1000)
        while_running += running
    queries_s = time.perf_counter() - started
    thread.join()
    report = box.get("report")
    return {
        "asked": len(picks),
        "answered": len(millis),
        "while_running": while_running,
        "p95": percentile(millis, 95) if millis else None,
        "max": max(millis) if millis else None,
        "errors": errors,
        "queries_s": queries_s,
        "rebuild_s": box.get("seconds"),
        "rebuild_ok": report is not None,
        "rebuild_report": describe(report) if report is not None else None,
        "rebuild_error": box.get("error"),
    }


def fts5_build(root: Path, source: Path, notes: list[GeneratedNote]) -> dict[str, Any]:
    """The FTS5 baseline's index: read every note, insert title and body, commit."""
    root.mkdir(parents=True, exist_ok=True)
    database = root / FTS5_FILE
    database.unlink(missing_ok=True)
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    try:
        connection.execute(
            "CREATE VIRTUAL TABLE fts USING fts5(title, body, "
            "tokenize='porter unicode61', prefix='2 3 4')"
        )
        rows = (split_note((source / note.rel).read_text(encoding="utf-8")) for note in notes)
        with connection:
            connection.executemany("INSERT INTO fts(title, body) VALUES (?, ?)", rows)
        count = connection.execute("SELECT count(*) FROM fts").fetchone()[0]
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    rss = peak_rss_mb()
    size = database.stat().st_size
    print(
        f"  engine     sqlite {sqlite3.sqlite_version} FTS5, tokenize='porter unicode61', "
        "prefix='2 3 4'"
    )
    print(
        f"  build      {seconds:.3f} s ({len(notes) / seconds:,.0f} notes/s), {count} rows, "
        f"{human_bytes(size)} on disk; peak RSS of this process {_mb(rss)}"
    )
    return {
        "engine_ran": BASELINE,
        "build_s": seconds,
        "build_ok": count == len(notes),
        "index_bytes": size,
        "build_rss_mb": rss,
    }


def fts5_search(root: Path) -> dict[str, Any]:
    """The FTS5 baseline's keystroke latency: AND of quoted tokens, last one a prefix, bm25
    ranking, LIMIT 10, with snippets."""
    keys = keystrokes()
    connection = sqlite3.connect(root / FTS5_FILE)
    try:
        for warm in ["printer", "vpn dns", "outlook pass"]:
            connection.execute(FTS5_SQL, (fts5_query(warm),)).fetchall()
        key_ms: list[float] = []
        key_hits: list[int] = []
        for text in keys:
            query = fts5_query(text)
            seconds, rows = timed(
                lambda query=query: connection.execute(FTS5_SQL, (query,)).fetchall()
            )
            key_ms.append(seconds * 1000)
            key_hits.append(len(rows))
        rss = peak_rss_mb()
        sample = connection.execute(FTS5_SQL, (fts5_query("print spooler"),)).fetchall()
    finally:
        connection.close()
    keystroke = summary(key_ms)
    print(f"  keystrokes: {len(keys)} queries such as {fts5_query('printer o')!r}")
    print(
        f"    p50 {keystroke['p50']:.1f} ms, p95 {keystroke['p95']:.1f} ms, "
        f"max {keystroke['max']:.1f} ms; average hits {statistics.mean(key_hits):.1f}, "
        f"no hits {sum(1 for count in key_hits if not count)}"
    )
    missed = [text for text, count in zip(keys, key_hits, strict=True) if not count]
    if missed:
        print(f"    no hits for e.g. {', '.join(repr(fts5_query(text)) for text in missed[:4])}")
    print(f"  peak RSS at the end of the search phase: {_mb(rss)}")
    if sample:
        print(f"  sample hit for 'print spooler': {sample[0][1]}")
        print(f"    {sample[0][2][:160]}")
    return {"engine_ran": BASELINE, "keystroke": keystroke, "rss_mb": rss}


def _print_latency(label: str, item: Latencies) -> None:
    no_hits = sum(1 for count in item.hits if count == 0)
    print(
        f"    {label:<34} {len(item.millis):>4} {percentile(item.millis, 50):>8.1f} "
        f"{percentile(item.millis, 95):>8.1f} {max(item.millis):>8.1f} "
        f"{statistics.mean(item.hits):>9.1f} {no_hits:>8}"
    )


# -- the parent: generate, run the children, print the tables and targets --------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description=(
            "Benchmark kb's search engines (Whoosh, Tantivy) beside an SQLite FTS5 baseline "
            "on a synthetic KB of IT fix notes: full index, no-op and incremental reindex, "
            "keystroke latency, latency by query kind, peak RSS, search during a rebuild."
        ),
    )
    parser.add_argument(
        "--notes",
        type=int,
        default=5000,
        metavar="N",
        help="notes to generate when --sizes is not given (default 5000)",
    )
    parser.add_argument(
        "--sizes",
        metavar="N,N,...",
        help="comma-separated KB sizes to measure, e.g. 5000,20000,50000 (default: --notes)",
    )
    parser.add_argument(
        "--engine",
        choices=["all", *ENGINES],
        default="all",
        help="kb engine(s) to measure (default all)",
    )
    parser.add_argument("--no-fts5", action="store_true", help="skip the SQLite FTS5 baseline")
    parser.add_argument(
        "--queries",
        type=int,
        default=200,
        metavar="Q",
        help="timed search queries for the per-kind table, spread evenly over 6 kinds "
        "(default 200)",
    )
    parser.add_argument(
        "--seed", type=int, default=1, metavar="S", help="random seed for notes and queries"
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="work in DIR (new or empty) and keep the generated notes and KBs; default: a "
        "temporary folder that is removed at the end",
    )
    parser.add_argument(
        "--search-only",
        action="store_true",
        help="reuse the notes and KBs kept in --keep DIR by an earlier run (same --seed, sizes "
        "up to the largest kept) and measure searching only: keystrokes, query kinds, RSS and, "
        "unless --no-rebuild, search during a rebuild",
    )
    parser.add_argument(
        "--no-rebuild",
        action="store_true",
        help="skip the search-during-rebuild figure (saves one full rebuild per engine and size)",
    )
    # Internal: how the parent runs one measurement in a child process.
    parser.add_argument("--child", choices=["build", "search"], help=argparse.SUPPRESS)
    parser.add_argument("--child-engine", choices=[*ENGINES, BASELINE], help=argparse.SUPPRESS)
    parser.add_argument("--kb", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--manifest", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return args
    if args.sizes:
        try:
            args.sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
        except ValueError:
            parser.error("--sizes must be whole numbers separated by commas")
    else:
        args.sizes = [args.notes]
    if not args.sizes or min(args.sizes) < 2:
        parser.error("every size must be at least 2")
    if args.queries < 1:
        parser.error("--queries must be at least 1")
    if args.search_only:
        if args.keep is None or not (args.keep / "notes.json").is_file():
            parser.error("--search-only needs --keep DIR holding a kept run (DIR/notes.json)")
    elif args.keep is not None and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep folder {args.keep} is not empty")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the notes, measure every (size, engine) in child processes, print tables."""
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        work = args.keep.resolve()
    else:
        work = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    try:
        return run(work, args)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def run(work: Path, args: argparse.Namespace) -> int:
    """Every measurement at every size; returns 1 when a child process failed."""
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    began = time.perf_counter()
    sizes: list[int] = sorted(set(args.sizes))
    engines = ENGINES if args.engine == "all" else [args.engine]
    rows = engines + ([] if args.no_fts5 or args.search_only else [BASELINE])

    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    print("kb index benchmark")
    python = f"{platform.python_version()} ({platform.python_implementation()})"
    print(f"  python     {python} on {platform.platform()}, {os.cpu_count()} CPUs")
    print(
        f"  packages   kb {version('kb')}, whoosh-reloaded {version('whoosh-reloaded')}, "
        f"tantivy {version('tantivy')}, sqlite {sqlite3.sqlite_version}"
    )
    print(
        f"  sizes      {', '.join(str(size) for size in sizes)} notes in {len(SUBFOLDERS)} "
        "folders (the first N notes of one generated set)"
    )
    print(f"  engines    {', '.join(rows)}")
    print(
        f"  keystrokes {len(keystrokes())} (every prefix from 2 characters of "
        f"{len(KEYSTROKE_PHRASES)} phrases)"
    )
    print(f"  queries    {args.queries} for the per-kind table (+{len(WARM_UP)} warm-up)")
    print(f"  seed       {args.seed}")
    print(f"  work dir   {work} ({'kept' if args.keep else 'removed at the end'})")

    source = work / "source"
    manifest = work / "notes.json"
    if args.search_only:
        kept = json.loads(manifest.read_text(encoding="utf-8"))
        notes = [GeneratedNote(*row) for row in kept]
        print(f"  reusing    {len(notes)} kept notes and their KBs (--search-only)")
        if sizes[-1] > len(notes):
            print(f"  !! only {len(notes)} notes were kept; sizes must not exceed that")
            return 1
    else:
        gen_seconds, notes = timed(lambda: generate_kb(source, sizes[-1], random.Random(args.seed)))
        manifest.write_text(
            json.dumps([[note.rel, note.front_matter, note.topic] for note in notes]),
            encoding="utf-8",
        )
        print(f"  generated  {sizes[-1]} notes in {gen_seconds:.2f} s")
    print()

    results: dict[int, dict[str, dict[str, Any]]] = {}
    for size in sizes:
        subset = notes[:size]
        markdown = sum((source / note.rel).stat().st_size for note in subset)
        words = sum(len((source / note.rel).read_text(encoding="utf-8").split()) for note in subset)
        print(
            f"=== {size} notes: {human_bytes(markdown)} of Markdown, "
            f"{words / size:.0f} words per note on average ==="
        )
        print()
        results[size] = {}
        # The quickest first, so that their figures are in the output early on big sizes.
        for engine in sorted(rows, key=RUN_ORDER.index):
            results[size][engine] = measure(work, source, manifest, subset, engine, args)
        print_table(size, results[size], rows)
        print()

    print(f"=== Summary (total {time.perf_counter() - began:.0f} s) ===")
    print()
    for size in sizes:
        print_table(size, results[size], rows)
        print()
    print_targets(results, engines)
    failures = [
        f"{engine} @ {size}: {result['failed']}"
        for size, by_engine in results.items()
        for engine, result in by_engine.items()
        if "failed" in result
    ]
    if failures:
        print()
        print("Failures:")
        for failure in failures:
            print(f"  {failure}")
    return 1 if failures else 0


def measure(
    work: Path,
    source: Path,
    manifest: Path,
    notes: list[GeneratedNote],
    engine: str,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Build and search one engine at one size, each in its own child process."""
    folder = work / f"kb-{len(notes)}-{engine}"
    roles = ("search",) if args.search_only else ("build", "search")
    if args.search_only:
        if not folder.is_dir():
            failed = f"no kept KB at {folder}"
            print(f"  !! {engine} @ {len(notes)}: {failed}")
            return {"failed": failed}
    else:
        folder.mkdir(parents=True)
    if engine != BASELINE and not args.search_only:
        for topic in SUBFOLDERS:
            (folder / "notes" / topic).mkdir(parents=True, exist_ok=True)
        for note in notes:
            shutil.copyfile(source / note.rel, folder / note.rel)
        (folder / "kb.toml").write_text(f'[search]\nengine = "{engine}"\n', encoding="utf-8")
    result: dict[str, Any] = {}
    try:
        for role in roles:
            out = work / f"result-{len(notes)}-{engine}-{role}.json"
            command = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--child",
                role,
                "--child-engine",
                engine,
                "--kb",
                str(folder),
                "--source",
                str(source),
                "--manifest",
                str(manifest),
                "--notes",
                str(len(notes)),
                "--queries",
                str(args.queries),
                "--seed",
                str(args.seed),
                "--result",
                str(out),
                *(["--search-only"] if args.search_only else []),
                *(["--no-rebuild"] if args.no_rebuild else []),
            ]
            sys.stdout.flush()
            started = time.perf_counter()
            code = subprocess.run(command, check=False).returncode
            result[f"{role}_wall_s"] = time.perf_counter() - started
            if code != 0 or not out.exists():
                result["failed"] = f"{role} process exited with code {code} (see above)"
                print(f"  !! {engine} @ {len(notes)}: {result['failed']}")
                print()
                break
            part = json.loads(out.read_text(encoding="utf-8"))
            if result.get("engine_ran", part["engine_ran"]) != part["engine_ran"]:
                result["failed"] = "the build and search processes ran different engines"
            result.update({key: value for key, value in part.items() if key != "failed"})
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return result


def _during_text(during: dict[str, Any]) -> str:
    answered, asked = during["answered"], during["asked"]
    text = f"{answered}/{asked} answered"
    if answered:
        text += f", p95 {during['p95']:.1f} ms"
    if during["errors"]:
        text += f", {len(during['errors'])} errors"
    if during["rebuild_ok"]:
        text += f"; rebuild finished {during['rebuild_s']:.1f} s"
    else:
        text += "; rebuild FAILED"
    return text


def print_table(size: int, by_engine: dict[str, dict[str, Any]], rows: list[str]) -> None:
    """The compact table of one size: one row per engine."""
    print(
        f"{str(size) + ' notes':<18} {'build s':>8} {'no-op s':>8} {'100 edits s':>18} "
        f"{'keystroke p50/p95/max ms':>26} {'RSS MB':>7}  search during rebuild"
    )
    for engine in rows:
        result = by_engine.get(engine, {})
        ran = result.get("engine_ran", engine)
        label = engine if ran == engine else f"{engine} (ran {ran})"
        if "build_s" not in result and "keystroke" not in result:
            print(f"  {label:<16} {result.get('failed', 'not run')}")
            continue
        build = "-"
        if "build_s" in result:
            build = f"{result['build_s']:.2f}" + ("" if result.get("build_ok", True) else "!")
        noop = f"{result['noop_s']:.3f}" if "noop_s" in result else "-"
        edits = "-"
        if "edit_s" in result:
            check = "ok" if result["edit_ok"] else "mismatch"
            edits = f"{result['edit_s']:.2f} [{result['edit_changed']} {check}]"
        keystroke, rss, during = "-", "-", "-"
        if "keystroke" in result:
            key = result["keystroke"]
            keystroke = f"{key['p50']:.1f} / {key['p95']:.1f} / {key['max']:.1f}"
            rss = f"{result['rss_mb']:.0f}" if result.get("rss_mb") is not None else "?"
        if result.get("during"):
            during = _during_text(result["during"])
        if "failed" in result:
            during = result["failed"]
        print(f"  {label:<16} {build:>8} {noop:>8} {edits:>18} {keystroke:>26} {rss:>7}  {during}")


def print_targets(results: dict[int, dict[str, dict[str, Any]]], engines: list[str]) -> None:
    """Each target of issue 3 next to the measured number, and whether it is met."""
    # (label, size, engine or None for each engine measured, figure, limit, unit)
    targets: list[tuple[str, int | None, str | None, str, float, str]] = [
        ("whoosh @5000: keystroke p95", 5000, "whoosh", "keystroke", 50, "ms"),
        ("tantivy @20000: keystroke p95", 20000, "tantivy", "keystroke", 16, "ms"),
        ("tantivy @20000: full build", 20000, "tantivy", "build_s", 30, "s"),
        ("tantivy @50000: keystroke p95", 50000, "tantivy", "keystroke", 25, "ms"),
        ("{engine} @20000: no-op reindex", 20000, None, "noop_s", 1.5, "s"),
        ("{engine} @{size}: reindex after 100 edits", None, None, "edit_s", 3, "s"),
        ("{engine} @50000: search RSS", 50000, None, "rss_mb", 300, "MB"),
    ]
    print("Targets (issue 3)")
    for label, size, engine, figure, limit, unit in targets:
        target = f"target <= {limit:g} {unit}"
        sizes = [size] if size is not None else sorted(results)
        for one_size in sizes:
            for one_engine in [engine] if engine else engines:
                name = label.format(engine=one_engine, size=one_size)
                result = results.get(one_size, {}).get(one_engine)
                if one_size not in results:
                    note = f"not measured ({one_size} not in --sizes)"
                elif result is None:
                    note = f"not measured ({one_engine} not in --engine)"
                elif result.get("engine_ran", one_engine) != one_engine:
                    note = f"not measured ({result.get('engine_ran')} ran instead)"
                else:
                    value = result.get(figure)
                    if figure == "keystroke" and value is not None:
                        value = value["p95"]
                    if value is None:
                        note = f"not measured ({result.get('failed', 'no figure')})"
                    else:
                        verdict = "met" if value <= limit else "not met"
                        note = f"measured {value:.3g} {unit} -> {verdict}"
                print(f"  {name:<44} {target:<18} {note}")


if __name__ == "__main__":
    sys.exit(main())
