"""The search half of :class:`~kb.knowledgebase.facade.KnowledgeBase`: its index, kept fresh
at the cost of what changed, and the searches the CLI, the app and scripts run."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.knowledgebase.watching import ChangeWatch
    from kb.notes.conflict_copies import Waiting
    from kb.notes.secrets import SecretRules
    from kb.notes.settings import Settings
    from kb.notes.ticket_ids import TicketMatcher
    from kb.search.engine import Engine
    from kb.search.index import IndexReport, Progress, SearchIndex
    from kb.search.languages import Languages
    from kb.search.meaning import MeaningModel
    from kb.search.results import Results
    from kb.search.synonyms import Synonyms


#: Seconds after which a refresh asks git even when the watch saw nothing: a change the
#: system does not report (another computer writing to a network share) is seen that late.
GIT_AT_LEAST_EVERY = 10.0


class Searching:
    """Searching a KB: mixed into ``KnowledgeBase``, which sets the attributes below."""

    root: Path
    settings: Settings
    matcher: TicketMatcher
    _index: SearchIndex | None
    _synonyms: Synonyms | None
    _waiting: Waiting | None
    #: The watch that spares git a look when nothing changed (from the second refresh on).
    _watch: ChangeWatch | None = None
    #: True once a refresh asked git (the next one starts the watch).
    _refreshed: bool = False
    #: When a refresh last asked git (``time.monotonic()``).
    _asked_git: float = 0.0

    @property
    def index(self) -> SearchIndex:
        """The KB's search index (opened lazily)."""
        if self._index is None:
            from kb.git.commit_times import last_commit_times
            from kb.search.index import SearchIndex

            root = self.root
            self._index = SearchIndex(
                root, self.settings, self.matcher, times=lambda: last_commit_times(root)
            )
        return self._index

    @property
    def secret_rules(self) -> SecretRules:
        """How secrets are recognised in this KB (built-in rules plus ``[secrets]``)."""
        from kb.notes.secrets import SecretRules

        return SecretRules.from_settings(self.settings.secret_patterns, self.settings.secret_allow)

    @property
    def synonyms(self) -> Synonyms:
        """Default and team synonyms."""
        if self._synonyms is None:
            from kb.search import synonyms

            self._synonyms = synonyms.load(self.root)
        return self._synonyms

    @property
    def meaning(self) -> MeaningModel | None:
        """The model ranking hits by meaning (``[search] meaning``), loaded once per process;
        None when there is none (:attr:`meaning_problem` says why when one failed)."""
        from kb.search import meaning

        return meaning.model(self.settings.meaning)

    @property
    def meaning_problem(self) -> str | None:
        """Why the model ``[search] meaning`` names could not be used, if it could not."""
        from kb.search import meaning

        return meaning.problem(self.settings.meaning)

    def reindex(
        self,
        *,
        rebuild: bool = False,
        progress: Progress | None = None,
        only: list[str] | None = None,
        compact: bool = True,
    ) -> IndexReport:
        """Bring the index in step with the files: incremental, or from scratch with ``rebuild``;
        ``only`` limits an incremental update to those paths. When git says nothing changed
        since the last full pass, that pass's report is given again without a walk.

        The index is then compacted when notes were replaced in it since it was built
        (:meth:`SearchIndex.compact`; not with ``compact=False``), so that it ranks exactly as
        a rebuilt one. A save or a search that takes in a few notes does not compact (it
        stays cheap); the next reindex, or the app once typing pauses, does."""
        from kb.knowledgebase.freshness import catch_up, full_update

        if only is not None:
            report = self.index.update(rebuild=rebuild, only=only, progress=progress)
        elif rebuild:
            return full_update(self.index, rebuild=rebuild, progress=progress)
        else:
            report = catch_up(self.index, progress=progress)
        if compact:
            started = time.perf_counter()
            report.compacted = self.compact_index()
            report.seconds += time.perf_counter() - started
        return report

    def compact_index(self) -> int:
        """Compact the index when notes were replaced in it (:meth:`SearchIndex.compact`), so
        that it ranks exactly as a rebuilt one; how many old versions went. Another kb holding
        the index only puts it off (0)."""
        from kb.search.engine import IndexBusy

        with contextlib.suppress(IndexBusy):
            return self.index.compact()
        return 0

    def refresh(self, progress: Progress | None = None) -> IndexReport | None:
        """Bring the index up to date with what changed on disk since it last caught up,
        at the cost of what changed (git tells which files); None when nothing did.
        ``progress`` follows a full update (no index yet, or no git to ask).

        From the second call on, a watch on the files answers "nothing changed" in a
        millisecond or two, and git is asked only when something did (or the watch cannot
        tell): a script or the app looking again and again pays for changes, not for files.
        """
        from kb.knowledgebase import freshness

        if self._watch is not None:
            changed = self._watch.look()
            recent = time.monotonic() - self._asked_git < GIT_AT_LEAST_EVERY
            if changed is not None and not changed and recent:
                return None
        elif self._refreshed and freshness.git_tells(self.root):
            from kb.knowledgebase.watching import ChangeWatch

            # Started before git is asked: whatever changes from now on is reported.
            self._watch = ChangeWatch.start(self.root)
        self._refreshed = True
        self._asked_git = time.monotonic()
        return freshness.refresh(self.index, progress)

    def search(
        self,
        query: str,
        limit: int = 10,
        *,
        refresh: bool = True,
        budget: float | None = None,
        snippets: bool = True,
    ) -> Results:
        """Hits for ``query`` (kb's query language), best first. Never raises for any text.

        With ``refresh`` the index first takes in every change made on disk since the last
        search (:meth:`refresh`: the cost of what changed, not of the KB's size). Without
        ``snippets``, hits hold their whole text (see :func:`kb.search.searching.search`).
        """
        from kb.search.searching import search

        results = search(
            self._engine(refresh),
            query,
            limit=limit,
            synonyms=self.synonyms,
            budget=budget,
            languages=self.languages,
            meaning=self.meaning,
            snippets=snippets,
        )
        return self.mark_conflicts(results)

    def mark_conflicts(self, results: Results) -> Results:
        """Mark the hits whose note has a conflict copy waiting beside it (a ``stat`` per
        folder; a folder is listed again only when files came or went in it)."""
        if self._waiting is None:
            from kb.notes.conflict_copies import Waiting

            self._waiting = Waiting(self.root)
        waiting = self._waiting.among([hit.path for hit in results if hit.kind == "note"])
        for hit in results:
            hit.conflict = hit.path in waiting
        return results

    def conflict_waiting(self, rel: str) -> bool:
        """True when a sync kept another version of this note, waiting to be settled."""
        if self._waiting is None:
            from kb.notes.conflict_copies import Waiting

            self._waiting = Waiting(self.root)
        return bool(self._waiting.among([rel]))

    @property
    def languages(self) -> Languages:
        """The KB's main language and the user's, as searches rank and filter by them."""
        from kb.search.languages import Languages

        return Languages(self.settings.main_language, self.settings.language)

    def has_index(self) -> bool:
        """True when a usable search index exists (searches need not wait for a build)."""
        from kb.search.engine import IndexUnavailable

        try:
            self.index.engine()
        except IndexUnavailable:
            return False
        return True

    def recent(self, limit: int = 20, *, refresh: bool = False) -> Results:
        """The most recently changed notes and tickets (what the app shows before typing)."""
        from kb.search.searching import recent

        return self.mark_conflicts(recent(self._engine(refresh), limit))

    def _engine(self, refresh: bool) -> Engine:
        from kb.search.engine import IndexUnavailable

        if refresh:
            self.refresh()
        try:
            return self.index.engine()
        except IndexUnavailable:
            self.reindex()
            return self.index.engine()
