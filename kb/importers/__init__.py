"""Service-desk exports read into ticket records: one module per desk, plus detection.

``read_tickets`` (in :mod:`kb.importers.detect`) opens a file and reads its rows as they are
used (:mod:`kb.importers.csvfile`, :mod:`kb.importers.jsonfile`: bounded memory, whatever
the size of the export); :mod:`kb.importers.save` writes the records into a KB,
idempotently, committing and indexing a batch at a time.
"""
