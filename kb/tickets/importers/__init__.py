"""Service-desk exports read into ticket records: one module per desk, plus detection.

``read_tickets`` (in :mod:`kb.tickets.importers.detect`) reads a file;
:mod:`kb.tickets.importers.save` writes the records into a KB, idempotently, in one commit.
"""
