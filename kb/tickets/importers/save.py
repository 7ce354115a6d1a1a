"""Writing imported tickets into a KB: only what changed, never a record a person wrote, one
commit for the whole import, then one incremental reindex."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kb.notes import atomic, paths
from kb.notes.lock import shared_file
from kb.tickets.records import TICKETS_FOLDER, TicketRecord, existing_source, record_path, render

if TYPE_CHECKING:
    from kb.knowledgebase import KnowledgeBase
    from kb.notes.protocol import Saved
    from kb.search.index import IndexReport
    from kb.tickets.importers.common import Row

#: Above this many changed files the commit names the tickets folder, not each file (a
#: command line holding 50,000 paths is too long for some systems).
COMMIT_PATHS_LIMIT = 2_000

#: (done, total) while records are written.
WriteProgress = Callable[[int, int], None]


@dataclass
class ImportReport:
    """What an import did."""

    file: str
    format: str
    detected: bool
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    #: (line, why) of each row that could not be imported.
    bad: list[tuple[int, str]] = field(default_factory=list)
    #: "line" or "record": what the numbers in ``bad`` count.
    unit: str = "line"
    #: Records kb did not write (no import marker), left as they are.
    kept: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    saved: Saved | None = None
    index: IndexReport | None = None
    seconds: float = 0.0

    @property
    def tickets(self) -> int:
        """How many tickets the file held (good rows, each ticket once)."""
        return len(self.new) + len(self.updated) + self.unchanged + len(self.kept)

    def summary(self) -> str:
        """``3 new, 1 updated, 12 unchanged, 2 bad rows (lines 7, 12)``."""
        parts = [
            f"{len(self.new):,} new",
            f"{len(self.updated):,} updated",
            f"{self.unchanged:,} unchanged",
        ]
        if self.kept:
            parts.append(f"{len(self.kept):,} kept as written by hand")
        bad = f"{len(self.bad):,} bad row{'s' if len(self.bad) != 1 else ''}"
        if self.bad:
            numbers = ", ".join(str(line) for line, _ in self.bad[:10])
            more = ", …" if len(self.bad) > 10 else ""
            bad += f" ({self.unit}{'s' if len(self.bad) != 1 else ''} {numbers}{more})"
        parts.append(bad)
        return ", ".join(parts)

    def commit_message(self) -> str:
        """``Import 1,204 tickets from incidents.csv: 1,180 new, 24 updated``."""
        count = len(self.new) + len(self.updated)
        changes = [f"{len(self.new):,} new", f"{len(self.updated):,} updated"]
        noun = "ticket" if count == 1 else "tickets"
        return f"Import {count:,} {noun} from {self.file}: {', '.join(changes)}"


def import_tickets(
    kb: KnowledgeBase,
    path: str | Path,
    format: str | None = None,
    *,
    commit: bool = True,
    progress: WriteProgress | None = None,
    index_progress: Callable[[int, int, str], None] | None = None,
) -> ImportReport:
    """Import a service-desk export into ``kb``'s ``tickets/`` (see :mod:`kb.tickets.importers`)."""
    from kb.tickets.importers.detect import read_tickets

    started = time.perf_counter()
    path = Path(path)
    parsed = read_tickets(path, format, kb.settings.import_mapping, kb.settings.import_id_prefix)
    report = ImportReport(path.name, parsed.format, format is None, unit=parsed.unit)
    report.warnings.extend(parsed.warnings)
    records = _unique(parsed.rows, report)
    unrecognised = [r.id for r in records if not kb.matcher.is_ticket_id(r.id)]
    if unrecognised:
        report.warnings.append(
            f"{len(unrecognised):,} ticket ids (such as {unrecognised[0]}) do not match the "
            "ticket patterns, so notes naming them are not linked; add a pattern to "
            "[tickets] extra_patterns in kb.toml"
        )
    # Refused (exit 2) before anything is written when tickets/ is a symlink.
    paths.folder(kb.root, TICKETS_FOLDER)
    # One import at a time: each record is read, compared and replaced, and a record another
    # import wrote between the two would be judged on stale text.
    with shared_file(kb.root, TICKETS_FOLDER, "the ticket records"):
        written, linked = _write_records(kb, records, report, progress)
    if report.kept:
        report.warnings.append(
            f"{len(report.kept):,} ticket records were written by hand (no 'source:' import "
            f"marker) and were not overwritten: {', '.join(report.kept[:5])}"
            + (" …" if len(report.kept) > 5 else "")
        )
    if linked:
        report.warnings.append(
            f"{len(linked):,} ticket records are symlinks and were not written: "
            + ", ".join(linked[:5])
            + (" …" if len(linked) > 5 else "")
        )
    if written:
        rels = written if len(written) <= COMMIT_PATHS_LIMIT else [TICKETS_FOLDER]
        report.saved = kb.record_changes(rels, report.commit_message(), commit=commit)
        if rels == [TICKETS_FOLDER]:  # record_changes indexes .md paths only
            report.index = kb.reindex(progress=index_progress)
    report.seconds = time.perf_counter() - started
    return report


def _write_records(
    kb: KnowledgeBase,
    records: list[TicketRecord],
    report: ImportReport,
    progress: WriteProgress | None,
) -> tuple[list[str], list[str]]:
    """Write the records that changed (never one written by hand, never through a symlink);
    the paths written, and the records skipped for being symlinks."""
    written: list[str] = []
    linked: list[str] = []
    total = len(records)
    for done, record in enumerate(records, start=1):
        if progress is not None:
            progress(done, total)
        rel = record_path(record.id)
        data = render(record).encode("utf-8")
        try:
            target = paths.writable(kb.root, rel)
        except paths.UnsafePath:
            linked.append(rel)  # a record committed as a symlink: neither read nor replaced
            continue
        try:
            current: bytes | None = target.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            current = None
        if current == data:
            report.unchanged += 1
            continue
        source = None if current is None else existing_source(kb.root, rel)[1]
        if current is not None and source is None:
            report.kept.append(rel)
            continue
        if current is not None and record.partial and source != record.source:
            report.unchanged += 1  # the full text from another export stays
            continue
        atomic.write_bytes(target, data, root=kb.root)
        (report.updated if current is not None else report.new).append(rel)
        written.append(rel)
    return written, linked


def _unique(rows: list[Row], report: ImportReport) -> list[TicketRecord]:
    """Good records, each ticket once (a later row for the same ticket wins, with a warning)."""
    by_id: dict[str, TicketRecord] = {}
    lines: dict[str, int] = {}
    repeated: list[str] = []
    for row in rows:
        if row.record is None:
            report.bad.append((row.line, row.error or "unreadable"))
            continue
        key = row.record.id.upper()
        if key in by_id:
            repeated.append(f"{row.record.id} ({report.unit}s {lines[key]} and {row.line})")
            del by_id[key]
        by_id[key] = row.record
        lines[key] = row.line
    if repeated:
        report.warnings.append(
            f"{len(repeated):,} tickets appear more than once; the last row is kept: "
            + ", ".join(repeated[:5])
            + (" …" if len(repeated) > 5 else "")
        )
    return list(by_id.values())
