"""Writing imported tickets into a KB: only what changed, never a record a person wrote.

An export is read, written, committed and indexed a batch at a time, so that a
million-row export needs the memory of one batch: every :data:`BATCH_ROWS` rows the records
written are made durable and indexed, and they are committed in batches that grow with the
import (each commit writes the whole ``tickets/`` tree again, so a fixed small batch would
make a big import quadratic). An import that is stopped keeps what it committed, and the next
import (of any file) first commits what an interrupted one wrote and did not commit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kb.notes import atomic, paths
from kb.notes.lock import shared_file
from kb.search.analysis import forget_words
from kb.tickets.importers import leftovers, upkeep
from kb.tickets.records import TICKETS_FOLDER, import_source, record_path, render

if TYPE_CHECKING:
    from kb.git.batch_commit import BatchCommitter
    from kb.git.committing import CommitResult
    from kb.knowledgebase import KnowledgeBase
    from kb.notes.protocol import Saved
    from kb.notes.secrets import Finding
    from kb.search.index import IndexReport
    from kb.tickets.importers.common import Parsed

#: Rows read, written and indexed at a time (the memory an import needs is that of a batch).
BATCH_ROWS = 5_000
#: A commit holds at least one batch, and at least 1/COMMIT_GROWTH of what the import has
#: committed so far, up to COMMIT_MAX records.
COMMIT_GROWTH = 4
COMMIT_MAX = 100_000
#: How many bad rows (and other examples) a report keeps: a broken export may have millions.
KEPT_EXAMPLES = 1_000


@dataclass
class ImportProgress:
    """How far an import is."""

    #: Rows of the export read so far, and how many there are when that is known (JSON).
    rows: int
    total: int | None
    #: Records written (new or changed) and records committed so far.
    written: int
    committed: int
    seconds: float
    #: What it is doing: "reading" (and writing), "committing", "indexing", "finishing".
    step: str

    @property
    def rate(self) -> float:
        """Rows a second so far."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0


#: Called as the import goes (often: throttle what you show).
ImportProgressCallback = Callable[[ImportProgress], None]


@dataclass
class ImportReport:
    """What an import did."""

    file: str
    format: str
    detected: bool
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    #: (line, why) of the first KEPT_EXAMPLES rows that could not be imported.
    bad: list[tuple[int, str]] = field(default_factory=list)
    #: How many rows could not be imported.
    bad_count: int = 0
    #: "line" or "record": what the numbers in ``bad`` count.
    unit: str = "line"
    #: Records kb did not write (no import marker), left as they are: how many, and some.
    kept: int = 0
    kept_examples: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: The import's commits, as one save: the last commit, and the first warning if any.
    saved: Saved | None = None
    #: The commits made, oldest first.
    commits: list[str] = field(default_factory=list)
    #: Records an interrupted import had written and not committed, committed by this one,
    #: and the commits that took (the first ones of ``commits``).
    finished: int = 0
    finished_commits: int = 0
    #: Records left uncommitted because they look like they hold a secret (or a marker).
    refused: list[Finding] = field(default_factory=list)
    index: IndexReport | None = None
    rows: int = 0
    seconds: float = 0.0

    @property
    def tickets(self) -> int:
        """How many tickets the file held (good rows, each ticket once)."""
        return self.new + self.updated + self.unchanged + self.kept

    def summary(self) -> str:
        """``3 new, 1 updated, 12 unchanged, 2 bad rows (lines 7, 12)``."""
        parts = [f"{self.new:,} new", f"{self.updated:,} updated", f"{self.unchanged:,} unchanged"]
        if self.kept:
            parts.append(f"{self.kept:,} kept as written by hand")
        count = self.bad_count
        bad = f"{count:,} bad row{'s' if count != 1 else ''}"
        if count:
            numbers = ", ".join(str(line) for line, _ in self.bad[:10])
            more = ", …" if count > 10 else ""
            bad += f" ({self.unit}{'s' if count != 1 else ''} {numbers}{more})"
        parts.append(bad)
        return ", ".join(parts)

    def commit_message(self) -> str:
        """``Import 1,204 tickets from incidents.csv: 1,180 new, 24 updated``."""
        return _message(self.file, self.new, self.updated)


def _message(file: str, new: int, updated: int, part: str = "") -> str:
    count = new + updated
    noun = "ticket" if count == 1 else "tickets"
    return f"Import {count:,} {noun} from {file}{part}: {new:,} new, {updated:,} updated"


def import_tickets(
    kb: KnowledgeBase,
    path: str | Path,
    format: str | None = None,
    *,
    commit: bool = True,
    progress: ImportProgressCallback | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ImportReport:
    """Import a service-desk export into ``kb``'s ``tickets/`` (see :mod:`kb.tickets.importers`)."""
    from kb.git.batch_commit import BatchCommitter
    from kb.tickets.importers.detect import read_tickets

    started = time.perf_counter()
    path = Path(path)
    # Refused (exit 2) before anything is read or written when tickets/ is a symlink.
    paths.folder(kb.root, TICKETS_FOLDER)
    # One import at a time: each record is read, compared and replaced, and a record another
    # import wrote between the two would be judged on stale text.
    with (
        shared_file(kb.root, TICKETS_FOLDER, "the ticket records"),
        read_tickets(
            path, format, kb.settings.import_mapping, kb.settings.import_id_prefix
        ) as parsed,
    ):
        report = ImportReport(path.name, parsed.format, format is None, unit=parsed.unit)
        report.warnings.extend(parsed.warnings)
        with BatchCommitter(
            kb.root, rules=kb.secret_rules, allow_secrets=kb.allow_secrets
        ) as committer:
            run = _Import(kb, parsed, report, committer if commit else None, progress, started)
            if commit:
                run.finish_interrupted()
            run.read(max(1, batch_rows))
    if report.commits:
        upkeep.pack_objects(kb.root)
    report.seconds = time.perf_counter() - started
    return report


class _Import:
    """One import as it runs: the batch being written, and what is yet to be committed."""

    def __init__(
        self,
        kb: KnowledgeBase,
        parsed: Parsed,
        report: ImportReport,
        committer: BatchCommitter | None,
        progress: ImportProgressCallback | None,
        started: float,
    ) -> None:
        self.kb = kb
        self.parsed = parsed
        self.report = report
        self.committer = committer
        self.progress = progress
        self.started = started
        #: Written since the last flush (to sync and index), and since the last commit.
        self.batch: list[str] = []
        self.uncommitted: list[str] = []
        self.part_new = 0
        self.part_updated = 0
        self.parts = 0
        self.committed = 0
        self.written = 0
        self.last: CommitResult | None = None
        self.warning: str | None = None
        self.index_warning: str | None = None
        self.indexed = IndexTally()

    # -- an interrupted import --------------------------------------------------------------

    def finish_interrupted(self) -> None:
        """Commit (and index) the records an interrupted import wrote and did not commit."""
        assert self.committer is not None
        if not leftovers.uncommitted_records(self.kb.root):
            return
        self._tell("finishing")

        def committing(chunk: list[str]) -> None:
            self._index(chunk)
            self._tell("finishing")

        for result in leftovers.commit_left_over(self.kb.root, self.committer, committing):
            self._note(result)
            if result.sha:
                self.report.finished += self.committer.last_count
                self.report.finished_commits += 1

    # -- reading and writing ----------------------------------------------------------------

    def read(self, batch_rows: int) -> None:
        """Read every row, write what changed, and flush every ``batch_rows`` rows."""
        kb, report = self.kb, self.report
        paths.folder(kb.root, TICKETS_FOLDER)
        linked = 0
        seen: set[int] = set()
        repeated: list[str] = []
        repeats = 0
        unrecognised: str | None = None
        unrecognised_count = 0
        since_flush = 0
        for row in self.parsed.rows:
            if since_flush >= batch_rows:
                self._flush(batch_rows)
                since_flush = 0
            since_flush += 1
            report.rows += 1
            if report.rows % 250 == 0:
                self._tell("reading")
            record = row.record
            if record is None:
                report.bad_count += 1
                if len(report.bad) < KEPT_EXAMPLES:
                    report.bad.append((row.line, row.error or "unreadable"))
                continue
            # Tickets are told apart by a hash of their id: a set of a million ids as text
            # would cost more memory than the rest of the import.
            key = hash(record.id.upper())
            repeat = key in seen
            seen.add(key)
            if repeat:
                repeats += 1
                if len(repeated) < 5:
                    repeated.append(f"{record.id} ({report.unit} {row.line})")
            elif not kb.matcher.is_ticket_id(record.id):
                unrecognised_count += 1
                unrecognised = unrecognised or record.id
            rel = record_path(record.id)
            data = render(record).encode("utf-8")
            try:
                target = paths.writable(kb.root, rel)
            except paths.UnsafePath:
                linked += 1  # a record committed as a symlink: neither read nor replaced
                continue
            try:
                current: bytes | None = target.read_bytes()
            except (FileNotFoundError, NotADirectoryError):
                current = None
            if current == data:
                report.unchanged += 0 if repeat else 1
                continue
            source = None if current is None else import_source(current.decode("utf-8", "replace"))
            if current is not None and source is None:
                if not repeat:
                    report.kept += 1
                    if len(report.kept_examples) < 5:
                        report.kept_examples.append(rel)
                continue
            if current is not None and record.partial and source != record.source:
                report.unchanged += 0 if repeat else 1  # the full text from another export stays
                continue
            # Made durable a batch at a time (see _flush): a file synced one by one costs
            # more than everything else an import does.
            atomic.write_bytes(target, data, root=kb.root, durable=False)
            self.written += 1
            if not repeat:
                if current is None:
                    report.new += 1
                    self.part_new += 1
                else:
                    report.updated += 1
                    self.part_updated += 1
            self.batch.append(rel)
        self._flush(batch_rows, last=True)
        if linked:
            report.warnings.append(
                f"{linked:,} ticket records are symlinks and were not written (kb check lists them)"
            )
        if repeats:
            report.warnings.append(
                f"{repeats:,} rows repeat a ticket of an earlier row; the last row is kept: "
                + ", ".join(repeated)
                + (" …" if repeats > len(repeated) else "")
            )
        if unrecognised_count:
            report.warnings.append(
                f"{unrecognised_count:,} ticket ids (such as {unrecognised}) do not match the "
                "ticket patterns, so notes naming them are not linked; add a pattern to "
                "[tickets] extra_patterns in kb.toml"
            )
        if report.kept:
            report.warnings.append(
                f"{report.kept:,} ticket records were written by hand (no 'source:' import "
                f"marker) and were not overwritten: {', '.join(report.kept_examples)}"
                + (" …" if report.kept > len(report.kept_examples) else "")
            )
        self._report()

    def _flush(self, batch_rows: int, *, last: bool = False) -> None:
        """Make the batch durable and searchable; commit when enough is waiting."""
        batch, self.batch = list(dict.fromkeys(self.batch)), []
        if batch:
            atomic.sync_all()
            self._index(batch)
            forget_words()  # memory stays that of a batch, not of every ticket id seen
            upkeep.give_back_memory()
            self.uncommitted.extend(batch)
        if not self.uncommitted or self.committer is None:
            self.uncommitted.clear()
            self._tell("reading")
            return
        enough = max(batch_rows, min(self.committed // COMMIT_GROWTH, COMMIT_MAX))
        if not last and len(self.uncommitted) < enough:
            self._tell("reading")
            return
        self.parts += 1
        if last and self.parts == 1:
            message = self.report.commit_message()
        else:
            part = f" (part {self.parts}{', the last' if last else ''})"
            message = _message(self.report.file, self.part_new, self.part_updated, part)
        paths, self.uncommitted = list(dict.fromkeys(self.uncommitted)), []
        self._commit_paths(paths, message)
        self.part_new = self.part_updated = 0

    def _commit_paths(self, paths: list[str], message: str) -> CommitResult:
        assert self.committer is not None
        self._tell("committing")
        result = self.committer.commit(paths, message)
        self._note(result)
        self._tell("reading")
        return result

    def _note(self, result: CommitResult) -> None:
        assert self.committer is not None
        if result.sha:
            self.committed += self.committer.last_count
            self.last = result
        if result.warning and self.warning is None:
            self.warning = result.warning
        if result.secrets and len(self.report.refused) < KEPT_EXAMPLES:
            self.report.refused.extend(result.secrets)

    def _index(self, rels: list[str]) -> None:
        if not rels or self.index_warning is not None:
            return
        from kb.search.engine import IndexBusy

        self._tell("indexing")
        try:
            self.indexed.add(self.kb.index.add_files(rels))
        except (IndexBusy, OSError) as exc:
            # The records are safe on disk; the next search or 'kb index' indexes them.
            self.index_warning = f"not in the search index yet ({exc}); run 'kb index'"

    def _report(self) -> None:
        from kb.git.committing import CommitResult
        from kb.notes.protocol import Saved

        report = self.report
        report.commits = list(self.committer.commits) if self.committer is not None else []
        report.index = self.indexed.report
        if not self.written and not report.commits and self.warning is None:
            return  # nothing was written or committed: nothing to report as saved
        commit = None
        if self.committer is not None:
            sha = self.last.sha if self.last is not None else None
            commit = CommitResult(sha, self.warning, list(report.refused))
        report.saved = Saved(
            TICKETS_FOLDER, commit, self.index_warning, report.commit_message(), [TICKETS_FOLDER]
        )

    def _tell(self, step: str) -> None:
        if self.progress is not None:
            self.progress(
                ImportProgress(
                    self.report.rows,
                    self.parsed.total,
                    self.written,
                    self.committed,
                    time.perf_counter() - self.started,
                    step,
                )
            )


class IndexTally:
    """The index reports of an import's batches, as one."""

    def __init__(self) -> None:
        self.report: IndexReport | None = None

    def add(self, report: IndexReport) -> None:
        """Count one batch (kept as counts and a few paths, not every path)."""
        if self.report is None:
            self.report = report
            return
        total = self.report
        total.added.extend(report.added[: max(0, KEPT_EXAMPLES - len(total.added))])
        total.changed.extend(report.changed[: max(0, KEPT_EXAMPLES - len(total.changed))])
        total.deleted.extend(report.deleted[: max(0, KEPT_EXAMPLES - len(total.deleted))])
        total.problems.extend(report.problems[: max(0, KEPT_EXAMPLES - len(total.problems))])
        total.seconds += report.seconds
