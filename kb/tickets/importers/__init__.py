"""Service-desk exports read into ticket records: one module per desk, plus detection.

``read_tickets`` (in :mod:`kb.tickets.importers.detect`) opens a file and reads its rows
as they are used (:mod:`kb.tickets.importers.csvfile`, :mod:`kb.tickets.importers.jsonfile`:
bounded memory, whatever the size of the export); :mod:`kb.tickets.importers.save` writes
the records into a KB, idempotently, committing and indexing a batch at a time.
"""
