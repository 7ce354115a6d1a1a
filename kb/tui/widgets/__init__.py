"""Widgets the screens share: search results, note preview, note header, index progress."""
