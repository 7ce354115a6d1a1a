"""``KnowledgeBase``: the one facade the CLI, the app and scripts use."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from kb.knowledgebase.searching import Searching
from kb.notes import atomic, files, layout, naming, paths
from kb.notes.content import Content, content_of
from kb.notes.errors import KBError
from kb.notes.lock import shared_file
from kb.notes.naming import AmbiguousNote
from kb.notes.note import Note, parse_note
from kb.notes.problems import Problem
from kb.notes.protocol import Saved
from kb.notes.settings import Settings, load_settings
from kb.notes.ticket_ids import TicketMatcher

if TYPE_CHECKING:
    from kb.knowledgebase.adopting import Adoption
    from kb.notes.conflict_copies import Waiting
    from kb.notes.markdown import Link
    from kb.search.index import SearchIndex
    from kb.search.learned import Learned
    from kb.search.synonyms import Synonyms
    from kb.tickets.importers.save import ImportReport
    from kb.tickets.linking import LinkOutcome, TicketView


class KnowledgeBase(Searching):
    """A KB on disk: notes, tickets, settings, its search index and its git history."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.settings: Settings = load_settings(self.root)
        self.matcher = TicketMatcher(self.settings.ticket_patterns, self.settings.hash_numbers)
        self._index: SearchIndex | None = None
        self._synonyms: Synonyms | None = None
        #: Set by :meth:`init` when the KB was created but its git history could not be.
        self.init_warning: str | None = None
        #: Set by :meth:`init` in a folder that already held notes: what it found and did.
        self.adoption: Adoption | None = None
        #: Commit text that looks like a secret anyway (the user said it is fine).
        self.allow_secrets = False
        self._waiting: Waiting | None = None

    # -- opening and creating -----------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None) -> KnowledgeBase:
        """Open the KB at ``path`` (or the configured one, or the personal starter KB)."""
        if path is None:
            from kb.notes.user_config import locate

            location = locate()
            if location.source == "personal" and not location.path.exists():
                cls.create_personal(location.path).close()
            path = location.path
        root = Path(path).expanduser()
        if not root.exists():
            raise KBError(f"no KB at {root} (create one with 'kb init {root}')")
        if not root.is_dir():
            raise KBError(f"{root} is not a folder")
        if not any((root / name).exists() for name in ("kb.toml", "notes", "tickets", ".git")):
            raise KBError(
                f"{root} is not a KB (no notes/ folder, kb.toml or git repository); "
                f"create one with 'kb init {root}'"
            )
        return cls(root)

    @classmethod
    def create_personal(cls, path: str | os.PathLike[str]) -> KnowledgeBase:
        """Create the personal KB at ``path`` from the starter notes, as a git repository."""
        from kb.knowledgebase.starter import copy_starter

        copy_starter(Path(path))
        return cls.init(path)

    @classmethod
    def init(cls, path: str | os.PathLike[str]) -> KnowledgeBase:
        """Create a KB (folders, kb.toml, .gitignore, templates, git repository) at ``path``."""
        from kb import git
        from kb.knowledgebase.adopting import adopt, should_adopt

        root = Path(path).expanduser().resolve()
        if root.exists() and not root.is_dir():
            raise KBError(f"{root} exists and is not a folder")
        if should_adopt(root):
            adoption = adopt(root)
            adopted = cls(root)
            adopted.adoption = adoption
            adopted.init_warning = "; ".join(adoption.warnings) or None
            return adopted
        created = layout.make_kb_files(root)
        kb = cls(root)
        if not git.is_repo(root):
            try:
                kb.init_warning = git.init(
                    root, ["notes", "tickets", *created], "Create knowledge base"
                ).warning
            except git.GitError as exc:
                kb.init_warning = f"not a git repository: {exc}"
        elif git.has_no_commit(root):
            # A clone of a team's empty repository: its first commit is the new KB's.
            from kb.git.adopting import commit_own_files

            kb.init_warning = commit_own_files(root, created, "Create knowledge base").warning
        return kb

    @classmethod
    def clone(cls, url: str, destination: str | os.PathLike[str]) -> KnowledgeBase:
        """Join a team's KB: clone its default branch (whatever its name) into a new folder.
        An empty remote gives a new KB that the first ``kb sync`` pushes."""
        from kb.knowledgebase.adopting import join

        root, branch = join(url, Path(destination).expanduser().resolve())
        if branch is None:
            return cls.init(root)
        return cls(root)

    def close(self) -> None:
        """Release the index and stop watching the files."""
        if self._watch is not None:
            self._watch.close()
            self._watch = None
        if self._index is not None:
            self._index.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- reading notes ------------------------------------------------------------------------

    def content(self, *, ignored: bool = True) -> Content:
        """Where the KB's notes are (``ignored=False``: without asking git what it ignores,
        for checks of paths kb was given)."""
        return content_of(self.root, self.settings, ignored=ignored)

    def sources(self) -> tuple[list[files.SourceFile], list[Problem]]:
        """The KB's Markdown files and the problems met finding them."""
        return files.scan(self.root, self.content())

    def load(self, source: files.SourceFile) -> tuple[Note | None, list[Problem]]:
        """Read one file as a note (None when it cannot be read as text)."""
        text, problems = files.read_source(source, self.settings.max_file_bytes)
        if text is None:
            return None, problems
        note = parse_note(source.rel, text.text, self.matcher, kind=source.kind)
        return note, problems + note.problems

    def notes(self) -> tuple[list[Note], list[Problem]]:
        """Every readable note and ticket record, and every problem found on the way."""
        sources, problems = self.sources()
        result: list[Note] = []
        for source in sources:
            note, found = self.load(source)
            problems.extend(found)
            if note is not None:
                result.append(note)
        return result, problems

    def note(self, reference: str) -> Note:
        """The note a NOTE argument names: a path, a file name, or words of its title.

        Raises KBError (exit 1) when nothing matches and AmbiguousNote when several do.
        """
        source = self.find(reference)
        note, problems = self.load(source)
        if note is None:
            raise KBError(str(problems[0]) if problems else f"{source.rel} cannot be read")
        return note

    def note_not_ticket(self, reference: str) -> Note:
        """Like :meth:`note`, but title words that also match ticket records mean the note."""
        try:
            return self.note(reference)
        except AmbiguousNote as exc:
            notes = [candidate for candidate in exc.candidates if candidate.kind != "ticket"]
            if len(notes) == 1:
                return notes[0]
            if notes:
                raise AmbiguousNote(reference, notes) from None
            raise

    def find(self, reference: str) -> files.SourceFile:
        """The file a NOTE argument names: a path (from here or from the KB's top), else by
        kb's one naming rule (:mod:`kb.notes.naming`), shared with guides and links."""
        return naming.find_source(self.root, reference, lambda: self.sources()[0], self.load)

    def follow_link(self, source: str, link: Link) -> str:
        """The note a link of the note ``source`` leads to, as ``kb check`` resolves it
        (:mod:`kb.notes.links`); KBError when it leads to no note."""
        return self.follow_link_into(source, link)[1]

    def follow_link_into(self, source: str, link: Link) -> tuple[str | None, str]:
        """Where a link of the note ``source`` leads: the short name of the KB the note
        lives in (None for this KB; ``[[NAME:note]]`` names another one of the user
        config's ``[kbs]``) and its path there; KBError when it leads to no note."""
        from kb.notes.links import LinkTargets, link_text

        candidates = naming.Candidates(self.sources()[0], self.load)
        targets = LinkTargets.of_files(list(candidates.by_rel), candidates.title, self.root)
        target = targets.resolve(source, link)
        if target.missing:
            if target.kb is not None and target.problem:
                raise KBError(target.problem, 1)
            raise KBError(f"no note matches {link.target!r}", 1)
        if target.path is None:
            raise KBError(target.problem or f"{link_text(link)} does not lead to a note", 1)
        return target.kb, target.path

    def require_text(self, source: files.SourceFile) -> None:
        """Raise KBError when a file cannot be shown or edited as text (binary, unreadable)."""
        text, problems = files.read_source(source, self.settings.max_file_bytes)
        if text is None:
            reason = problems[0].message if problems else "cannot be read"
            raise KBError(f"{source.rel}: {reason}")

    def read_text(self, rel: str) -> str:
        """The current text of a KB file (UTF-8, replacement characters if it is not)."""
        path = paths.readable(self.root, rel)
        if path is None:
            raise KBError(f"{rel} leads outside the KB; kb does not read it")
        return path.read_bytes().decode("utf-8", errors="replace")

    # -- writing notes ------------------------------------------------------------------------

    def new_note(
        self,
        title: str,
        *,
        note_type: str | None = None,
        tickets: list[str] | None = None,
        tags: list[str] | None = None,
        body: str | None = None,
        commit: bool = True,
    ) -> Saved:
        """Write a new note ``notes/<slug>.md`` from a template (or ``body``), commit and index it.

        The type is ``note_type`` when given, else the body's own ``type:``, else ``fix``.
        The author is the user's git name, when git knows it.
        """
        from kb.git import identity
        from kb.notes.new_note import compose, write_new

        new = compose(
            self.root,
            title,
            note_type=note_type,
            tickets=tickets,
            tags=tags,
            body=body,
            matcher=self.matcher,
            author=lambda: identity.user_name(self.root),
        )
        with self._settled():
            rel = write_new(self.root, new, self.content(ignored=False).new_note_folder)
        saved = self._after_save(rel, f"New {new.type}: {new.title}", commit)
        saved.warnings[:0] = new.warnings
        return saved

    def save_text(
        self, rel: str, text: str, message: str, *, commit: bool = True, base: str | None = None
    ) -> Saved:
        """Write a note's new text atomically, reindex it and commit it.

        Only at a real path inside the KB: :class:`kb.notes.paths.UnsafePath` (exit 2) when a
        symlink is on the way or in the note's place. ``base`` is the text the new one was
        made from (an editor's text when it was opened). When the file changed since (an
        update logged by another kb), both changes are kept by a three-way merge; KBError
        when they touch the same lines (nothing is written).
        """
        from kb.sync.merging import merged_edit

        # Only a real path inside the KB (kb.notes.paths.UnsafePath otherwise).
        target = paths.writable(self.root, rel)
        with self._settled(), shared_file(self.root, rel):
            if base is not None:
                current = self.read_exact(rel)
                if current != base:
                    text = merged_edit(rel, base, text, current)
            atomic.write_text(target, text, root=self.root)
        saved = self._after_save(rel, message, commit)
        saved.text = text
        return saved

    def change_text(
        self, rel: str, change: Callable[[str], tuple[str, str] | None], *, commit: bool = True
    ) -> Saved | None:
        """Change a note in place, as one step among kb processes: under the note's lock, read
        its text, ``change`` it and write it back; then commit and reindex it.

        ``change`` receives the current text and returns the new text and the commit message,
        or None when there is nothing to change (then nothing is written and None returned).
        It may raise KBError to refuse; the file is then untouched.
        """
        # Only a real path inside the KB (kb.notes.paths.UnsafePath otherwise).
        target = paths.writable(self.root, rel)
        with self._settled(), shared_file(self.root, rel):
            changed = change(self.read_exact(rel))
            if changed is None:
                return None
            text, message = changed
            atomic.write_text(target, text, root=self.root)
        saved = self._after_save(rel, message, commit)
        saved.text = text
        return saved

    def read_exact(self, rel: str) -> str:
        """A note's text, only when kb can write it back byte for byte (UTF-8, not binary)."""
        return files.exact_text(paths.writable(self.root, rel), rel)

    def record_edit(self, rel: str, message: str, *, commit: bool = True) -> Saved:
        """After a note was changed in place (by an editor): commit it and reindex it."""
        return self._after_save(rel, message, commit)

    def record_changes(self, rels: list[str], message: str, *, commit: bool = True) -> Saved:
        """After kb wrote several files (a note and a log, an import): one commit, one reindex.

        ``Saved.path`` is the first of ``rels``. Files outside ``notes/`` and ``tickets/`` are
        committed but not indexed.
        """
        return self._after_save(rels[0], message, commit, rels)

    def _after_save(
        self, rel: str, message: str, commit: bool, rels: list[str] | None = None
    ) -> Saved:
        # The single place where every save reaches git and the index. The note is already
        # safe on disk: git first, so that a busy or unwritable index never costs a commit.
        from kb.search.engine import IndexBusy

        changed = rels or [rel]
        saved = Saved(rel, message=message, paths=changed)
        if commit:
            from kb import git

            saved.commit = git.commit(
                self.root,
                changed,
                message,
                allow_secrets=self.allow_secrets,
                rules=self.secret_rules,
            )
        content = self.content(ignored=False)
        indexed = [p for p in changed if content.kind(p)]
        try:
            if indexed:
                self.index.update(only=indexed)
        except (IndexBusy, OSError) as exc:
            saved.index_warning = f"not in the search index yet ({exc}); run 'kb index'"
        return saved

    def _settled(self) -> AbstractContextManager[None]:
        # Imported here: git stays out of kb's start-up until a note is written.
        from kb.git.merge_undo import settled

        return settled(self.root)

    # -- tickets ------------------------------------------------------------------------------

    def link(self, reference: str, ticket: str, kind: str = "resolution") -> LinkOutcome:
        """Record that a note solved (or, ``kind="reference"``, informed) a ticket."""
        from kb.tickets.linking import link

        return link(self, reference, ticket, kind)

    def unlink(self, reference: str, ticket: str) -> LinkOutcome:
        """Remove a note's link to a ticket."""
        from kb.tickets.linking import unlink

        return unlink(self, reference, ticket)

    def learn(self, query: str, reference: str) -> Learned:
        """Remember that a search for ``query`` ended at a note (opened, copied from or
        linked): the query's plain words the note lacks will find it next time, for the team."""
        from kb.search.learned import learn

        return learn(self, query, reference)

    def learned_words(self) -> dict[str, list[str]]:
        """Every note's learned search words, by note path."""
        from kb.search.learned import read_words

        return read_words(self.root)

    def forget_words(self, reference: str, words: list[str] | None = None) -> Learned:
        """Remove learned search words from a note (all of them without ``words``)."""
        from kb.search.learned import forget

        return forget(self, reference, words)

    def ticket(self, ticket_id: str) -> TicketView:
        """A ticket's record and every note linked to it (KBError exit 1 when unknown)."""
        from kb.tickets.linking import ticket_view

        return ticket_view(self, ticket_id)

    def import_tickets(
        self, path: str | os.PathLike[str], format: str | None = None
    ) -> ImportReport:
        """Import a service-desk export into ``tickets/``, committed and indexed in batches."""
        from kb.tickets.importers.save import import_tickets

        return import_tickets(self, Path(path), format)

    def finish_interrupted_import(self) -> list[str]:
        """Commit the ticket records an interrupted import wrote and did not commit."""
        from kb.tickets.importers.leftovers import finish_interrupted_import

        return finish_interrupted_import(self)

    # -- health -------------------------------------------------------------------------------

    def check(self) -> list[Problem]:
        """Everything wrong in the KB: unreadable files, front matter, links, sections, dates."""
        from kb.health.checks import check

        return check(self)
