"""The shelf: every KB a technician uses (a personal one, the team ones) searched as one,
new notes written where they belong, notes shared from a personal KB into a team's.
"""

from kb.shelf.shelf import Shelf, ShelfError, Unavailable

__all__ = ["Shelf", "ShelfError", "Unavailable"]
