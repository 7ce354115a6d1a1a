"""The token ids of words searches typed, kept on this machine for one meaning model.

Loading a model's tokenizer costs a tenth of a second or more, which a ``kb search`` process
would pay on every run. A text's vector is the mean of its tokens' vectors, so the order of
the tokens does not matter: a query whose words are all known here is read from their ids,
and the tokenizer is loaded only for a word never typed before. A word's ids are kept only
when splitting the text word by word gave the tokenizer's own tokens for the whole text.

The file lives in the user's cache folder (never in a KB): words typed in searches stay on
the machine of the person who typed them.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from kb.notes import atomic

#: The most words kept (a few megabytes at most); past it, new words are not kept.
MAX_WORDS = 20_000
#: The key of the ids every text gets (a start token, an end token).
SPECIALS = ""


def words_file(identity: str) -> Path | None:
    """Where one model's words are kept (None when the user has no cache folder)."""
    try:
        from platformdirs import user_cache_path

        return user_cache_path("kb") / f"meaning-words-{identity}.json"
    except Exception:  # no home folder, an odd platform: the tokenizer is loaded each time
        return None


class WordTokens:
    """Token ids by word, read from and written to :func:`words_file`."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._known: dict[str, list[int]] | None = None

    def _read(self) -> dict[str, list[int]]:
        if self._known is None:
            self._known = {}
            if self.path is not None:
                with contextlib.suppress(OSError, ValueError):
                    data = json.loads(self.path.read_text(encoding="utf-8"))
                    if isinstance(data, dict):
                        self._known = {
                            word: ids
                            for word, ids in data.items()
                            if isinstance(word, str)
                            and isinstance(ids, list)
                            and all(isinstance(i, int) for i in ids)
                        }
        return self._known

    def ids(self, text: str) -> list[int] | None:
        """The token ids of ``text`` (in no particular order) when every word of it is known."""
        known = self._read()
        words = text.split()
        if SPECIALS not in known or any(word not in known for word in words):
            return None
        return [*known[SPECIALS], *(token for word in words for token in known[word])]

    def learn(self, text: str, tokenizer: Any) -> list[int]:
        """The tokenizer's ids of ``text``; its words are kept when word by word gives them."""
        whole: list[int] = list(tokenizer.encode(text).ids)
        words = text.split()
        known = self._read()
        if self.path is None or len(known) + len(words) > MAX_WORDS:
            return whole
        by_word = {
            word: list(tokenizer.encode(word, add_special_tokens=False).ids) for word in set(words)
        }
        specials = list(tokenizer.encode("").ids)
        split = [*specials, *(token for word in words for token in by_word[word])]
        if sorted(split) == sorted(whole) and any(word not in known for word in words):
            known.update(by_word)
            known[SPECIALS] = specials
            self._save(known)
        return whole

    def _save(self, known: dict[str, list[int]]) -> None:
        assert self.path is not None
        # Written whole and swapped in (kb's atomic write): another process reading it sees
        # the old or the new file; two writing at once lose some words, learnt again later.
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # root: the cache folder (no link on the way to the file is followed).
            atomic.write_text(self.path, json.dumps(known), root=self.path.parent)
