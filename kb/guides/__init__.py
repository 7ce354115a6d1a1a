"""Guides: notes whose links, in order, are a reading path for new hires, and each reader's
progress through them (kept locally).
"""

from kb.guides.guide import Guide, Step, find_guide, load_guides
from kb.guides.progress import ReadingProgress

__all__ = ["Guide", "ReadingProgress", "Step", "find_guide", "load_guides"]
