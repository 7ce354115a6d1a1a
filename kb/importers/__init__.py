"""Service-desk exports read into ticket records: one module per desk, plus detection.

``read_tickets`` (in :mod:`kb.importers.detect`) reads a file; :mod:`kb.importers.save`
writes the records into a KB, idempotently, in one commit.
"""
