"""What a sync did, and how it is said: the same lines in the command line and in the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kb.notes.errors import KBError
from kb.notes.secrets import ALLOW_MARK
from kb.sync.conflict_files import Conflict

if TYPE_CHECKING:
    from kb.notes.secrets import Finding

Step = Callable[[str], None]


class SecretsFound(KBError):
    """Text about to be committed or pushed looks like a password, key or token."""

    def __init__(self, findings: list[Finding], when: str) -> None:
        count = len(findings)
        lines = f"{count} line{'s' if count != 1 else ''} look{'s' if count == 1 else ''}"
        if when == "not pushed" and any(f.where for f in findings):
            advice = (
                "a secret in an older commit stays in the history even when deleted from "
                "the note: that commit must be rewritten before it is shared (ask someone "
                "who knows git), or run 'kb --allow-secrets sync' if it is not a secret"
            )
        else:
            advice = "remove it, or run 'kb --allow-secrets sync' if it is not a secret"
        super().__init__(f"{when}: {lines} like a password, key or token ({advice})", 2)
        self.findings = findings


@dataclass
class SyncReport:
    """What one sync did."""

    branch: str = ""
    remote: str = ""
    committed: list[str] = field(default_factory=list)
    incoming: int = 0
    pushed: int = 0
    upstream_set: bool = False
    changed: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    #: Conflicts kept by an earlier sync and not settled yet (they hold back the push).
    waiting: list[Conflict] = field(default_factory=list)
    backup: str | None = None
    notices: list[str] = field(default_factory=list)
    index_warning: str | None = None
    #: KB files git ignores and does not track: kb left them out of every commit.
    ignored: list[str] = field(default_factory=list)
    #: Lines that look like secrets: their files were held back, the rest was shared.
    held_back: list[Finding] = field(default_factory=list)
    #: Neither this clone nor the remote has a commit yet: nothing to send or get.
    empty: bool = False


@dataclass
class SaveReport:
    """What ``kb save`` did."""

    committed: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    #: KB files git ignores and does not track: not committed.
    ignored: list[str] = field(default_factory=list)
    #: Lines that look like secrets: their files were not committed, the rest was.
    held_back: list[Finding] = field(default_factory=list)


def ignored_message(ignored: list[str]) -> str:
    """One line saying which KB files are left out of git, and what to do."""
    count = len(ignored)
    shown = ", ".join(ignored[:3]) + (f" and {count - 3} more" if count > 3 else "")
    return (
        f"{count} file{'s are' if count != 1 else ' is'} not committed because git ignores "
        f"{'them' if count != 1 else 'it'} ({shown}): kb shares every note, so remove the "
        "rule from .gitignore (see 'git check-ignore -v FILE'), or move private notes out of "
        "the KB"
    )


@dataclass(frozen=True)
class ReportLine:
    """One line of what a sync did; a warning is something the user must act on."""

    text: str
    warning: bool = False


def report_lines(report: SyncReport) -> list[ReportLine]:
    """What a sync did, worded once for the command line and the app."""
    lines: list[ReportLine] = []
    if report.committed:
        count = len(report.committed)
        lines.append(ReportLine(f"Committed {count} changed file{'s' if count != 1 else ''}."))
    if report.incoming:
        merged = f" ({len(report.merged)} merged line by line)" if report.merged else ""
        changes = f"{report.incoming} change{'s' if report.incoming != 1 else ''}"
        lines.append(ReportLine(f"Got {changes} from {report.remote}{merged}."))
    for conflict in report.conflicts:
        lines.append(
            ReportLine(
                f"Conflict kept for review: {conflict.path} (yours) and {conflict.theirs} "
                f"({conflict.who or 'theirs'})."
            )
        )
    if report.pushed:
        commits = f"{report.pushed} commit{'s' if report.pushed != 1 else ''}"
        upstream = " (upstream set)." if report.upstream_set else "."
        lines.append(ReportLine(f"Sent {commits} to {report.remote}/{report.branch}{upstream}"))
    for conflict in report.waiting:
        lines.append(
            ReportLine(
                f"Still waiting from an earlier sync: {conflict.path} and {conflict.theirs}."
            )
        )
    lines += [ReportLine(f"Note: {notice}") for notice in report.notices]
    quiet = not (report.committed or report.incoming or report.pushed or report.conflicts)
    if report.empty:
        lines.append(
            ReportLine(
                f"Nothing to sync yet: neither this KB nor {report.remote} has a note. "
                "Write one and sync again."
            )
        )
    elif quiet and not report.waiting and not report.held_back:
        lines.append(ReportLine(f"Already in sync with {report.remote}/{report.branch}."))
    if report.index_warning:
        lines.append(ReportLine(report.index_warning, warning=True))
    if report.ignored:
        lines.append(ReportLine(ignored_message(report.ignored), warning=True))
    held = held_back_lines(report.held_back, bool(report.committed))
    lines += [ReportLine(line, warning=True) for line in held]
    return lines


def held_back_lines(findings: list[Finding], rest_saved: bool = True) -> list[str]:
    """Which files were held back for a line that looks like a secret, and what to do
    (``rest_saved``: other files were committed)."""
    if not findings:
        return []
    held = sorted({finding.path for finding in findings})
    lines = [str(finding) for finding in findings[:10]]
    names = ", ".join(held[:3]) + (f" and {len(held) - 3} more" if len(held) > 3 else "")
    rest = "; the rest was saved" if rest_saved else ""
    lines.append(
        f"held back (not committed, not sent): {names}{rest}. Remove the "
        f"secret, or end the line with {ALLOW_MARK} if it is not one, and save again"
    )
    return lines
