"""The app's screens: home (search), note view, editor, new note, help and small dialogs."""
