"""Every action of the app in one registry: it feeds the screens' key bindings, the footer,
the help screen, the command palette and the check of the user's ``[keys]`` table.

An action has one id on every screen it is on, so that ``back = "ctrl+b"`` in ``[keys]``
changes back everywhere. The same id may be listed once per screen where the words or the
method differ (back "Cancel"s a form and "Close"s the editor); the keys are then the same
idea (escape), and a remap applies to all of them. Ids of earlier versions stay as aliases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingType

if TYPE_CHECKING:
    from textual.app import App

#: The scope of actions that work on every screen (bound on the app).
APP = "app"


@dataclass(frozen=True)
class Action:
    """One thing a technician can do, where, with which keys, and where it is listed."""

    #: The id users remap it with in ``[keys]``; one id per action on every screen.
    id: str
    #: Default keys, comma separated as Textual reads them; "" when only the palette runs it.
    keys: str
    #: The short words of the footer and of the help screen.
    label: str
    #: The Textual action it runs ("back", "settle('mine')"); by default the id with dashes
    #: as underscores.
    run: str = ""
    #: Where it works: screen scopes (``HomeScreen.SCOPE`` ...) or APP for everywhere.
    scopes: tuple[str, ...] = ()
    #: Shown in the footer (off for keys everybody knows or that would crowd it).
    footer: bool = True
    #: Taken before the focused widget sees the key: enter over the search box's own enter,
    #: ctrl+s over the text area. A priority binding is also the one the footer shows.
    priority: bool = False
    #: Listed on the help screen.
    help: bool = True
    #: Its name in the command palette and the line under it (the key bound is added when it
    #: is shown); None keeps it out of the palette.
    palette: tuple[str, str] | None = None
    #: Ids an earlier version of kb bound it under here, still honoured in ``[keys]``.
    aliases: tuple[str, ...] = ()
    #: Bound by Textual itself (ctrl+p, ctrl+q): shown, never bound or remapped by kb.
    system: bool = False

    @property
    def method(self) -> str:
        """The Textual action string this action runs."""
        return self.run or self.id.replace("-", "_")

    @property
    def bindable(self) -> bool:
        """True when kb binds keys for it (and ``[keys]`` can remap them)."""
        return bool(self.keys) and not self.system


def _on(scope: str, *actions: Action) -> tuple[Action, ...]:
    """The actions of one screen (or of the app)."""
    return tuple(replace(action, scopes=(scope,)) for action in actions)


def _back(was: str = "", label: str = "Back", run: str = "back", **more: Any) -> Action:
    """Leaving a screen or a dialog: one id everywhere, whatever the screen calls it."""
    aliases = (was,) if was else ()
    return Action("back", more.pop("keys", "escape"), label, run, aliases=aliases, **more)


def _save(was: str, label: str, run: str = "save") -> Action:
    """ctrl+s: save (or create) what the screen's form or editor holds."""
    return Action("save", "ctrl+s", label, run, priority=True, aliases=(was,) if was else ())


# A table, one action a line or two: easier to scan and to keep in step than formatted calls.
# fmt: off
ACTIONS: tuple[Action, ...] = (
    *_on(APP,
        # One key home from anywhere, the query kept (escape only goes back one screen).
        Action("focus-search", "ctrl+o", "Home", footer=False,
               palette=("Focus search", "Home: back to the search box, the query kept")),
        Action("help", "f1,question_mark", "Help", palette=("Open help", "Keys and query syntax")),
        Action("new-note", "ctrl+n", "New note",
               palette=("New note", "A fix note from the template")),
        Action("ask", "", "Ask",
               palette=("Ask a question", "A question note to find out and get back")),
        Action("followups", "f2", "Follow-ups",
               palette=("Follow-ups", "Open questions: who is waiting, promised when")),
        Action("ticket-lookup", "ctrl+g", "Ticket",
               palette=("Look up a ticket", "A ticket, its linked notes, find fixes")),
        Action("reindex", "ctrl+r", "Reindex", footer=False,
               palette=("Reindex", "Update the search index now")),
        Action("rebuild-index", "", "Rebuild index",
               palette=("Rebuild index", "Build the search index from scratch")),
        Action("toggle-dark", "ctrl+t", "Light/dark", footer=False,
               palette=("Toggle dark mode", "Light or dark colours")),
        Action("change-theme", "", "Theme", palette=("Change theme", "Pick a colour theme")),
        Action("show-keys", "", "Keys", "show_help_panel",
               palette=("Show keys", "Keys of the focused widget, in a side panel")),
        Action("sync", "f5", "Sync",
               palette=("Sync with the team", "Commit, get changes, merge, send")),
        Action("conflicts", "", "Conflicts",
               palette=("Conflicts", "Notes changed on both sides: compare and settle")),
        Action("guides", "f4", "Guides", footer=False,
               palette=("Guides", "Onboarding reading paths and your progress")),
        Action("health", "f3", "Health", footer=False,
               palette=("Health", "Link rate, reuse, stale, flagged, content gaps")),
        Action("command-palette", "ctrl+p", "Command palette: every action by name", system=True),
        Action("quit", "ctrl+q", "Quit", system=True, palette=("Quit", "Leave kb")),
    ),
    *_on("home",
        Action("open", "enter", "Open", priority=True,
               palette=("Open selected note", "Show the highlighted hit")),
        Action("edit-selected", "", "Edit",
               palette=("Edit selected note", "Built-in editor for the hit")),
        Action("results-down", "down", "Next hit", "cursor_down", footer=False),
        Action("results-up", "up", "Previous hit", "cursor_up", footer=False),
        Action("preview-down", "pagedown", "Scroll preview", "preview_page_down", footer=False),
        Action("preview-up", "pageup", "Scroll preview", "preview_page_up", footer=False),
        # ctrl+a moves the cursor home in an Input; asking a question matters more here.
        Action("ask", "ctrl+a", "Ask", priority=True),
        Action("clear-search", "escape", "Clear", footer=False,
               palette=("Clear search", "Back to recently changed notes")),
        Action("focus-search", "slash", "Search", footer=False),
        Action("link-ticket", "ctrl+l", "Link ticket", priority=True,
               palette=("Link selected note to a ticket", "It solved a ticket")),
        Action("search-words", "", "Search words",
               palette=("Learned search words", "Words searches taught the selected note")),
        Action("forget-search-words", "", "Forget search words",
               palette=("Forget learned search words", "Of the selected note")),
    ),
    *_on("note",
        Action("back", "escape,backspace", "Back", palette=("Back", "Previous note or home")),
        Action("copy-code", "c", "Copy code",
               palette=("Copy code block", "Next code block to the clipboard")),
        *(Action(f"copy-{n}", str(n), f"Copy code block {n}", f"copy_code({n})",
                 footer=False, help=False) for n in range(1, 10)),
        Action("copy-resolution", "r", "Copy resolution",
               palette=("Copy resolution", "The Resolution section to the clipboard")),
        Action("edit", "e", "Edit", palette=("Edit note", "Built-in editor")),
        Action("edit-external", "E", "$EDITOR",
               palette=("Edit note in $EDITOR", "Your own editor")),
        Action("links", "l", "Links", palette=("Follow a link", "Pick a linked note")),
        Action("history", "h", "History",
               palette=("History", "Versions of this note and their diffs")),
        Action("toggle-contents", "t", "Contents", "toggle_toc", footer=False,
               palette=("Toggle contents", "Table of contents")),
        Action("flag", "f", "Flag", palette=("Flag note", "Mark it for rework, or clear its flag")),
        Action("share", "S", "Share", footer=False,
               palette=("Share note", "Move it into a team KB (kb share)")),
        Action("link-ticket", "ctrl+l", "Link ticket",
               palette=("Link note to a ticket", "It solved (or informed) a ticket")),
    ),
    *_on("editor",
        _save("", "Save"),
        _back("close-editor", "Close", "close"),
        # Priority: the text area would otherwise take the key first.
        Action("toggle-front-matter", "ctrl+f", "Front matter", priority=True,
               palette=("Show or fold front matter", "The note's fields in the text, or one line")),
    ),
    *_on("new-note",
        _save("create-note", "Create", "create"),
        _back("cancel-note", "Cancel", "cancel"),
        Action("browse-similar", "down", "Similar notes", footer=False),
        Action("pick-kb", "f6", "KB", priority=True,
               palette=("Write to another KB", "The next configured KB gets the note")),
    ),
    *_on("ask",
        _save("save-question", "Save"),
        _back("cancel-question", "Cancel", "cancel"),
        Action("browse-similar", "down", "Similar notes", footer=False,
               aliases=("browse-asked-similar",)),
    ),
    *_on("answer", _save("save-answer", "Save answer"), _back("cancel-answer", "Cancel", "cancel")),
    *_on("followups",
        _back("close-followups"),
        Action("open", "enter", "Open", priority=True, aliases=("open-question",),
               palette=("Open question", "Show the highlighted question")),
        Action("log-update", "u", "Log update",
               palette=("Log update", "What the person waiting was told")),
        Action("answer-question", "a", "Answer", "answer",
               palette=("Answer question", "The question becomes a fix note")),
        Action("refresh", "r", "Reload", "reload", footer=False, aliases=("reload-followups",),
               palette=("Reload follow-ups", "Read the questions again")),
    ),
    *_on("guides", _back("guides-back", palette=("Back", "Leave the list of guides"))),
    *_on("guide-reader",
        _back("guide-back"),
        # Priority: the scrolling note would otherwise take the arrows for itself.
        Action("guide-next", "n,right", "Next", "next", priority=True,
               palette=("Next step", "Mark this note read and go on")),
        Action("guide-previous", "p,left", "Previous", "previous", priority=True,
               palette=("Previous step", "Back one step")),
        Action("guide-open-note", "o", "Open note", "open_note",
               palette=("Open note", "The current note in the note view")),
        Action("guide-mark-unread", "u", "Mark unread", "mark_unread", footer=False,
               palette=("Mark unread", "Forget this step was read")),
    ),
    *_on("health",
        _back("health-back"),
        Action("refresh", "r", "Refresh", "refresh_health", aliases=("health-refresh",),
               palette=("Refresh health", "Compute again")),
    ),
    *_on("history",
        _back("history-back"),
        Action("history-mark", "space", "Compare from here", "mark"),
        Action("history-view", "v", "Diff/text", "toggle_view"),
    ),
    *_on("ticket",
        _back("ticket-back", keys="escape,backspace",
              palette=("Back", "Where the ticket was opened")),
        Action("ticket-open-given", "enter", "Open version given", "open_given",
               palette=("Open version given", "The linked note as it was given")),
        Action("ticket-open-current", "o", "Open current", "open_current",
               palette=("Open current version", "The note as it is now")),
        Action("find-fixes", "f", "Find fixes",
               palette=("Find fixes", "Search for notes from the ticket's words")),
        Action("ticket-browser", "w", "Open in browser", "open_in_browser",
               palette=("Open ticket in browser", "[tickets] url in kb.toml")),
    ),
    *_on("ticket-prompt", _back("close-ticket-prompt", "Cancel", "cancel")),
    *_on("link-ticket",
        _back("close-link-ticket", "Cancel", "cancel"),
        Action("link-kind", "ctrl+r", "Resolution/reference", "toggle_kind"),
    ),
    *_on("sync", _back("close-sync", "Close", "close")),
    *_on("conflict",
        Action("keep-mine", "m", "Keep mine", "settle('mine')"),
        Action("keep-theirs", "t", "Keep theirs", "settle('theirs')"),
        Action("keep-both", "b", "Keep both", "settle('both')"),
        Action("edit", "e", "Merge", aliases=("edit-mine",)),
        Action("next-difference", "n", "Next"),
        _save("", "Save merged"),
        _back("conflict-back", "Later"),
    ),
    *_on("help",
        _back("", "Close", "close"),
        # The help key closes help again, remapped or not (app keys stop at a dialog).
        Action("help", "f1,question_mark", "Close", "close", footer=False, help=False),
        Action("close-help", "q", "Close", "close", footer=False),
    ),
    *_on("links", _back("close-links", "Close", "dismiss_picker")),
    *_on("confirm",
        Action("confirm-yes", "y", "Yes", "answer(True)"),
        Action("confirm-no", "n", "No", "answer(False)"),
        _back("", "No", "answer(False)"),
    ),
    *_on("prompt", _back("cancel-prompt", "Skip", "cancel")),
    *_on("flag", _back("flag-cancel", "Cancel", "cancel")),
)
# fmt: on

#: The help screen's sections: a scope and its title, in the order a technician meets them.
HELP_SECTIONS: tuple[tuple[str, str], ...] = (
    (APP, "Everywhere"),
    ("home", "Home: search"),
    ("note", "Note"),
    ("editor", "Editor"),
    ("new-note", "New note"),
    ("ask", "Ask (a question to find out)"),
    ("followups", "Follow-ups"),
    ("answer", "Answer a question"),
    ("guides", "Guides"),
    ("guide-reader", "Guide reader"),
    ("ticket", "Ticket"),
    ("history", "History"),
    ("health", "Health"),
    ("conflict", "Conflict (changed on both sides)"),
)


def actions_for(scope: str) -> list[Action]:
    """The actions of one screen (or of the app), in the order they are shown."""
    return [action for action in ACTIONS if scope in action.scopes]


def bindings(scope: str) -> list[BindingType]:
    """The key bindings of a screen (or of the app), from the registry."""
    return [
        Binding(
            action.keys,
            action.method,
            action.label,
            show=action.footer,
            priority=action.priority,
            id=action.id,
        )
        for action in actions_for(scope)
        if action.bindable
    ]


_BINDING_IDS = frozenset(action.id for action in ACTIONS if action.bindable)


def binding_ids() -> frozenset[str]:
    """Every id ``[keys]`` can remap."""
    return _BINDING_IDS


def aliases() -> dict[str, str]:
    """Earlier binding ids and the id each is now part of."""
    return {old: action.id for action in ACTIONS for old in action.aliases}


def default_keys(action_id: str, scopes: Iterable[str] | None = None) -> str:
    """The keys an action has before any remap, on one of ``scopes`` (anywhere when None);
    "" when it is not bound there."""
    wanted = None if scopes is None else set(scopes)
    for action in ACTIONS:
        wanted_here = wanted is None or bool(wanted & set(action.scopes))
        if action.id == action_id and action.keys and wanted_here:
            return action.keys
    return ""


def bound_keys(
    action_id: str, keymap: Mapping[str, str], scopes: Iterable[str] | None = None
) -> list[str]:
    """The keys an action answers to on ``scopes`` (anywhere when None) after the user's
    remapping, as ``[keys]`` spells them; empty when it has none there."""
    keys = default_keys(action_id, scopes)
    if keys and action_id in _BINDING_IDS:
        keys = keymap.get(action_id, keys)
    return [key.strip() for key in keys.split(",") if key.strip()]


def key_of(app: App[Any], action_id: str, scopes: Iterable[str] | None = None) -> str:
    """The first key of an action as a person types it ("ctrl+a"), after remapping."""
    keys = bound_keys(action_id, keymap_of(app), scopes)
    return keys[0] if keys else ""


def keymap_of(app: App[Any]) -> Mapping[str, str]:
    """The ``[keys]`` the app applied (binding id -> keys); empty for an app without one."""
    keymap = getattr(app, "user_keymap", None)
    return keymap if isinstance(keymap, Mapping) else {}
