"""The search index: a disposable cache under ``<kb>/.kb/index`` kept in step with the files.

Layout::

    .kb/index/current.json     which generation folder is live, and its engine and format
    .kb/index/<generation>/    the engine's files and ``manifest.json`` (what was indexed)
    .kb/index/lock             held while the index is updated

A rebuild (or a compaction, :meth:`SearchIndex.compact`) writes a new generation and switches
``current.json`` atomically, so a search never sees half an index and a crash leaves the
previous one in place (:mod:`kb.search.generations`). ``.kb/index`` is always a real local
folder (:mod:`kb.notes.paths`).

Updates are incremental: files are compared with the manifest by size and mtime, and files
whose stat changed are re-read and compared by content hash, so a touched but unchanged file
costs a read, never a re-index.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.notes import atomic, files, paths
from kb.notes.lock import FileLock
from kb.notes.problems import Problem
from kb.notes.settings import Settings
from kb.notes.ticket_ids import TicketMatcher
from kb.search import generations, vectors_owed
from kb.search import manifest as manifest_file
from kb.search.engine import Engine, EngineFactory, IndexBusy, IndexDoc, IndexUnavailable
from kb.search.engines import choose
from kb.search.generations import STAMP
from kb.search.meaning import identity, with_vectors, without_model

#: Bump when kb's analysis or document layout changes, so that old indexes are rebuilt.
FORMAT_VERSION = 4
#: How long an update waits for another kb process to finish its own.
LOCK_TIMEOUT = 30.0

Progress = Callable[[int, int, str], None]


@dataclass
class IndexReport:
    """What an index update did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: Why the index was built from scratch, or None for an incremental update.
    rebuilt: str | None = None
    seconds: float = 0.0
    #: How many files a whole pass looked at (indexed or not; 0 for an update of some paths).
    scanned: int = 0
    #: How many replaced documents a compaction took out of the ranking's statistics.
    compacted: int = 0

    @property
    def touched(self) -> int:
        """How many documents were written or removed."""
        return len(self.added) + len(self.changed) + len(self.deleted)


class SearchIndex:
    """The index of one KB: opened lazily, rebuilt when unusable, updated incrementally."""

    def __init__(
        self,
        root: Path,
        settings: Settings,
        matcher: TicketMatcher,
        factory: EngineFactory | None = None,
        times: Callable[[], Mapping[str, float]] | None = None,
    ) -> None:
        self.root = Path(root)
        #: When each file was last committed (git's answer, given by the layer above).
        self.times = times
        self.settings = settings
        self.matcher = matcher
        # What reading a file into a document depends on besides the file.
        self._load_settings = (settings.max_file_bytes, matcher.patterns, matcher.hash_numbers)
        self.factory = factory or choose(settings.engine)
        self.folder = self.root / ".kb" / "index"
        self._engine: Engine | None = None
        self._generation: str | None = None
        # Guards which engine is live: the app searches while another thread updates.
        self._state = threading.RLock()
        #: Set in a short-lived process (``kb search``): see :meth:`add_files`.
        self.vectors_later = False

    # -- the live generation ----------------------------------------------------------------

    @property
    def format_id(self) -> str:
        """Identifies engine, engine schema and kb's own document format (with the meaning
        model whose vectors the documents hold, if any)."""
        model = identity(self.settings.meaning)
        made = f"{self.factory.name}-{self.factory.schema_version}-{FORMAT_VERSION}"
        return f"{made}-{model}" if model else made

    def _read_current(self) -> dict[str, Any] | None:
        path = paths.local_readable(self.root, "index", "current.json")
        if path is None:
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def engine(self) -> Engine:
        """The live engine; raises IndexUnavailable when there is no usable index."""
        with self._state:
            return self._live_engine()

    def _live_engine(self) -> Engine:
        current = self._read_current()
        if current is None:
            raise IndexUnavailable("there is no index yet")
        made = str(current.get("format"))
        if made != self.format_id:
            if without_model(made) == without_model(self.format_id):
                raise IndexUnavailable("the meaning model was turned on, off or changed")
            raise IndexUnavailable("the index was made by another version of kb")
        generation = str(current.get("generation", ""))
        if self._engine is not None and generation == self._generation:
            return self._engine
        folder = paths.local_readable(self.root, "index", generation)
        if (
            not generations.is_name(generation)
            or folder is None
            or not paths.is_real_folder(folder)
        ):
            raise IndexUnavailable("the index folder is missing")
        if generations.holds_a_link(folder):
            raise IndexUnavailable("the index folder holds a symlink")
        engine = self.factory.open(folder)
        self._close()
        self._engine, self._generation = engine, generation
        return engine

    def close(self) -> None:
        """Let go of the engine (files, searchers)."""
        with self._state:
            self._close()

    def _close(self) -> None:
        if self._engine is not None:
            with contextlib.suppress(Exception):
                self._engine.close()
        self._engine = None
        self._generation = None

    # -- updating ---------------------------------------------------------------------------

    def update(
        self,
        *,
        rebuild: bool = False,
        only: list[str] | None = None,
        progress: Progress | None = None,
    ) -> IndexReport:
        """Bring the index in step with the files (only ``only`` paths, when given)."""
        # Here, not at the top: a search with nothing to take in never reads a note.
        from kb.search.documents import note_links, problems_of

        started = time.perf_counter()
        report = IndexReport()
        paths.local_folder(self.root, "index")
        with self.lock(LOCK_TIMEOUT):
            current = self._read_current() or {}
            generations.sweep(self.root, self.folder, keep=str(current.get("generation", "")))
            engine: Engine | None = None
            manifest: dict[str, dict[str, Any]] = {}
            if rebuild:
                report.rebuilt = "asked for"
            else:
                try:
                    engine = self.engine()
                    manifest = self._read_manifest()
                except IndexUnavailable as exc:
                    report.rebuilt = str(exc)
            owed = vectors_owed.read(self.folder / str(self._generation)) if engine else []
            for rel in owed:  # read again, vector and all
                if rel in manifest:
                    manifest[rel] = {"indexed": True}
            links = note_links(self.root)
            if only is not None and engine is not None:
                # Only these paths: each looked at on its own, the KB is not walked.
                wanted = dict.fromkeys([*only, *owed])
                found = (files.source_for(self.root, rel) for rel in wanted)
                sources = [source for source in found if source is not None]
                gone = [path for path in wanted if path in manifest]
            else:
                sources, scan_problems = files.scan(self.root)
                report.problems.extend(scan_problems)
                report.scanned = len(sources)
                gone = list(manifest)
            present = {source.rel for source in sources}
            deletes = [path for path in gone if path not in present]
            to_read: list[files.SourceFile] = []
            for source in sources:
                entry = manifest.get(source.rel)
                if (
                    entry
                    and entry.get("size") == source.size
                    and entry.get("mtime_ns") == source.mtime_ns
                    and entry.get("links", []) == links.get(source.rel, [])
                ):
                    report.unchanged += 1
                    report.problems.extend(problems_of(entry))
                else:
                    to_read.append(source)

            if to_read and self.times is not None:
                stamps = self.times()
                to_read = [dataclasses.replace(s, committed=stamps.get(s.rel)) for s in to_read]
            new_generation: str | None = None
            if engine is None:
                new_generation = generations.new_name(self.format_id)
                engine = self.factory.create(self.folder / new_generation)
                manifest = {}

            changes = itertools.chain(
                deletes,
                with_vectors(
                    self.settings.meaning,
                    self._documents(to_read, manifest, report, progress, links),
                ),
            )
            try:
                engine.write(changes, timeout=LOCK_TIMEOUT)
            except BaseException:
                if new_generation is not None:
                    with contextlib.suppress(Exception):
                        engine.close()
                    generations.remove(self.root, self.folder, new_generation)
                raise
            for path in deletes:
                manifest.pop(path, None)
            report.deleted[:0] = deletes
            if new_generation is not None:
                self._write_manifest(new_generation, manifest)
                self.switch_to(new_generation, engine)
            elif report.touched or to_read or self._has_journal():
                assert self._generation is not None
                self._write_manifest(self._generation, manifest)
            if owed and new_generation is None:
                vectors_owed.write(self.folder / str(self._generation), [], self.root)
        report.seconds = time.perf_counter() - started
        return report

    def add_files(self, rels: list[str], timeout: float = LOCK_TIMEOUT) -> IndexReport:
        """Index these files, just written, without a walk of the KB or a rewrite of the
        manifest (their entries go to its journal): the cost of the batch, however big the KB.
        With :attr:`vectors_later`, a few notes go in without their meaning vectors
        (:mod:`kb.search.vectors_owed`); otherwise the notes owed theirs get them too. With no
        usable index yet, this is a full :meth:`update`."""
        from kb.search.documents import load_paths, note_links

        started = time.perf_counter()
        report = IndexReport()
        try:
            with self.lock(timeout):
                engine = self.engine()
                generation = self.folder / str(self._generation)
                model = identity(self.settings.meaning)
                owed = vectors_owed.read(generation) if model else []
                later = bool(model) and self.vectors_later and vectors_owed.may_wait(owed, rels)
                if later:
                    vectors_owed.write(generation, [*owed, *rels], self.root)
                entries: dict[str, dict[str, Any] | None] = {}
                wanted = list(dict.fromkeys([*rels, *([] if later else owed)]))
                links = note_links(self.root)
                changes = load_paths(self.root, wanted, self._load_settings, links, entries, report)
                if not later:
                    changes = with_vectors(self.settings.meaning, changes)
                engine.write(changes, timeout=LOCK_TIMEOUT)
                manifest_file.append(generation, entries)
                if owed and not later:
                    vectors_owed.write(generation, [], self.root)
        except IndexUnavailable:
            return self.update()
        asked = set(rels)
        report.changed = [rel for rel in report.changed if rel in asked]
        report.seconds = time.perf_counter() - started
        return report

    def fill_vectors(self, timeout: float = LOCK_TIMEOUT) -> None:
        """Give the notes indexed without their meaning vectors theirs (:attr:`vectors_later`
        ends: the process that calls this has the model loaded)."""
        self.vectors_later = False
        with contextlib.suppress(IndexUnavailable):
            self.engine()
            if vectors_owed.read(self.folder / str(self._generation)):
                self.add_files([], timeout)

    def stale(self) -> int:
        """How many replaced or deleted documents still weigh in the live index's ranking
        (0 once :meth:`compact` has run, and always with Whoosh); 0 with no index."""
        try:
            return self.engine().stale()
        except IndexUnavailable:
            return 0

    def compact(self, timeout: float = LOCK_TIMEOUT) -> int:
        """Copy the live documents into a new generation and switch to it, so that the index
        ranks exactly as a rebuilt one (:mod:`kb.search.compaction`). Returns how many stale
        documents went; 0 when there were none or the copy was made out of date meanwhile."""
        from kb.search.compaction import compact

        return compact(self, timeout)

    def lock(self, timeout: float = LOCK_TIMEOUT) -> FileLock:
        """The lock held while the index is written (by any kb process)."""
        return FileLock(self.folder / "lock", "the search index", timeout=timeout, busy=IndexBusy)

    @property
    def live_generation(self) -> str | None:
        """The generation of the engine this object has open (None: none yet)."""
        return self._generation

    def current_generation(self) -> str | None:
        """The generation ``current.json`` names now (another process may have switched)."""
        current = self._read_current() or {}
        generation = current.get("generation")
        return str(generation) if generation is not None else None

    def _documents(
        self,
        to_read: list[files.SourceFile],
        manifest: dict[str, dict[str, Any]],
        report: IndexReport,
        progress: Progress | None,
        links: dict[str, list[str]] | None = None,
    ) -> Iterator[IndexDoc | str]:
        from kb.search.documents import load, problem_dict

        total = len(to_read)
        settings = self._load_settings
        for done, source in enumerate(to_read, start=1):
            if progress is not None:
                progress(done, total, source.rel)
            previous = manifest.get(source.rel)
            linked = (links or {}).get(source.rel, [])
            entry, problems, doc = load(source, previous, settings, linked)
            if doc is not None:
                indexed_before = bool(previous and previous.get("indexed"))
                (report.changed if indexed_before else report.added).append(source.rel)
                yield doc
            elif not entry["indexed"] and previous and previous.get("indexed"):
                report.deleted.append(source.rel)
                yield source.rel  # it became unreadable: take it out of the index
            elif entry["indexed"]:
                report.unchanged += 1
            entry["problems"] = [problem_dict(problem) for problem in problems]
            report.problems.extend(problems)
            manifest[source.rel] = entry

    # -- the stamp of the files indexed ------------------------------------------------------

    def manifest_signature(self) -> list[int] | None:
        """Size and time of the live generation's manifest (None: none), for a stamp."""
        with self._state:
            live = self._generation
        try:
            info = os.stat(self.folder / str(live) / manifest_file.MANIFEST)
        except OSError:
            return None
        return [info.st_size, info.st_mtime_ns] if live else None

    def stamp(self) -> tuple[str, Any] | None:
        """The live generation and the stamp recorded in it; None when there is none."""
        with self._state:
            try:
                self._live_engine()
            except IndexUnavailable:
                return None
            generation = self._generation
        assert generation is not None
        try:
            text = (self.folder / generation / STAMP).read_text(encoding="utf-8")
            return generation, json.loads(text)
        except (OSError, ValueError):
            return None

    def record_stamp(self, stamp: Any, generation: str | None = None) -> None:
        """Record what the files were like when the index caught up with them, in the live
        generation (only when it is still ``generation``, if given: a rebuild since then
        starts without a stamp)."""
        with self._state:
            live = self._generation
        if live is None or (generation is not None and generation != live):
            return
        with contextlib.suppress(OSError):
            atomic.write_text(self.folder / live / STAMP, json.dumps(stamp), root=self.root)

    # -- manifest and generations -----------------------------------------------------------

    def _read_manifest(self) -> dict[str, dict[str, Any]]:
        live = self._generation
        return {} if live is None else manifest_file.read(self.folder / live)

    def _write_manifest(self, generation: str, manifest: dict[str, dict[str, Any]]) -> None:
        manifest_file.write(self.folder / generation, self.format_id, manifest, self.root)

    def _has_journal(self) -> bool:
        return self._generation is not None and manifest_file.has_journal(
            self.folder / self._generation
        )

    def switch_to(self, generation: str, engine: Engine) -> None:
        """Make ``generation`` (its ``engine``) the live one and sweep the others; called
        with the lock held (:meth:`lock`)."""
        current = {"format": self.format_id, "generation": generation}
        with self._state:
            path = paths.local_file(self.root, "index", "current.json")
            atomic.write_text(path, json.dumps(current), root=self.root)
            self._close()
            self._engine, self._generation = engine, generation
        generations.sweep(self.root, self.folder, keep=generation)
