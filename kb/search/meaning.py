"""Ranking by meaning: a small static embedding model lifts the hits whose text means what the
query means when the words differ ("stop asking for a password when the screensaver ends" and
"Disable screen saver passwords by using policies").

Optional. A model is a table of token vectors and the tokenizer that splits text into those
tokens; a text's vector is the mean of its tokens' vectors, compared by cosine. kb finds one:

- ``auto`` (the default): the model the ``meaning`` extra installs (the WordLlama package
  carries its files); none when that is not installed;
- a folder, named by ``[search] meaning`` in the user config or ``.kb/local.toml``, in the
  layout model2vec uses: ``tokenizer.json`` and one ``.safetensors`` file holding a single
  matrix of token vectors;
- ``off``.

Nothing is fetched from the network. Only the machine's own settings choose a model (a
teammate's ``kb.toml`` cannot make kb read a file elsewhere on the disk).

A note's vector is worked out when it is indexed, from the text the index stores with it,
and stored beside that text (the index's format names the model, so that another model
rebuilds it once); a search only works out the query's. A hit stored without one (an index
being rebuilt, a note ``kb search`` took in without it: :mod:`kb.search.vectors_owed`) has it
worked out from the same text, rounded alike, and kept in memory. Both engines rank alike, and
an index updated note by note ranks as a rebuilt one does.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import math
import operator
import struct
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.search.meaning_table import MeaningError, Table
from kb.search.meaning_words import WordTokens, words_file

if TYPE_CHECKING:
    import numpy as np

    from kb.search.engine import IndexDoc
    from kb.search.results import Hit

#: The choices ``[search] meaning`` takes besides a folder.
AUTO = "auto"
OFF = "off"
#: Packages whose files hold a model, tried in order by ``auto``: (package, vectors, tokenizer).
PACKAGES: tuple[tuple[str, str, str], ...] = (
    (
        "wordllama",
        "weights/l2_supercat_256.safetensors",
        "tokenizers/l2_supercat_tokenizer_config.json",
    ),
)
#: The key of a note's vector among the values the index stores with it.
STORED_KEY = "meaning"
#: Notes given their vectors together when indexing (the tokenizer splits a batch on every core).
BATCH = 64
#: Characters of a hit's text (after its title and other names) that make its vector.
TEXT_CHARS = 1_000
#: Hits of a search lifted by meaning: the best by text score, this many times the hits
#: asked for (at least MIN_DEPTH); the rest keep their score (a lift only raises a score,
#: so none of them could pass a lifted hit it was below).
DEPTH_PER_HIT = 2
MIN_DEPTH = 20
#: Vectors kept in memory (about 1 KB each); the oldest half is dropped past this.
CACHE_SIZE = 20_000
#: Query vectors kept (by the query's text): several KBs searched as one ask for the same
#: query's vector once each, and the app asks again when typing pauses.
QUERY_CACHE_SIZE = 64


class MeaningModel:
    """Token vectors and their tokenizer: texts in, unit vectors out.

    A search needs the query's vector only (the notes' are stored in the index): it reads
    the query's few rows of the table from the mapped file and works in plain Python, so that
    ``kb search`` does not pay for importing NumPy. Indexing, and a note whose vector is not
    stored, use NumPy over the whole table.
    """

    def __init__(
        self, table: Table, tokenizer_file: Path, name: str, words: WordTokens | None = None
    ) -> None:
        self.table = table
        self.tokenizer_file = tokenizer_file
        self.name = name
        #: Token ids of words typed before (a query of known words needs no tokenizer).
        self.words = words
        self._tokenizer: Any = None
        #: Why the model failed as it was used (None while it works).
        self.problem: str | None = None
        self._cache: dict[tuple[str, float, str, int], tuple[float, ...]] = {}
        self._queries: dict[str, tuple[float, ...]] = {}
        self._lock = threading.Lock()
        #: Hits whose vectors this process worked out from their text (none stored).
        self.worked_out = 0

    @property
    def tokenizer(self) -> Any:
        """The tokenizer, loaded the first time a text needs it (:class:`MeaningError` when
        it cannot be read)."""
        with self._lock:
            if self._tokenizer is None:
                try:
                    from tokenizers import Tokenizer

                    reader = Tokenizer.from_file(str(self.tokenizer_file))
                except Exception as exc:  # the tokenizers package raises its own error types
                    raise MeaningError(
                        f"meaning model {self.name}: tokenizer not read ({exc})"
                    ) from exc
                reader.no_padding()
                reader.no_truncation()
                self._tokenizer = reader
            return self._tokenizer

    @property
    def width(self) -> int:
        """How many numbers a vector holds."""
        return self.table.columns

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text (zeros for a text with no known token), with NumPy."""
        import numpy

        vectors = self.table.matrix()
        out = numpy.zeros((len(texts), self.width), dtype=numpy.float32)
        if not texts:
            return out
        last = self.table.rows - 1
        for row, encoding in enumerate(self.tokenizer.encode_batch(list(texts))):
            ids = numpy.asarray(encoding.ids, dtype=numpy.int64)
            if ids.size == 0:
                continue
            numpy.clip(ids, 0, last, out=ids)
            mean = vectors[ids].mean(axis=0, dtype=numpy.float32)
            norm = float(numpy.linalg.norm(mean))
            if norm > 0:
                out[row] = mean / norm
        return out

    def query_vector(self, text: str) -> tuple[float, ...]:
        """The unit vector of a short text (a query), in plain Python."""
        with self._lock:
            known = self._queries.get(text)
        if known is not None:
            return known
        vector = self._query_vector(text)
        with self._lock:
            if len(self._queries) >= QUERY_CACHE_SIZE:
                self._queries.clear()
            self._queries[text] = vector
        return vector

    def _query_vector(self, text: str) -> tuple[float, ...]:
        if self._tokenizer is not None or self.words is None:
            # Loaded already (the app, after its first search): it tokenizes in microseconds,
            # and the words typed, prefixes of words included, are not written anywhere.
            ids = self.tokenizer.encode(text).ids
        else:
            found = self.words.ids(text)
            ids = found if found is not None else self.words.learn(text, self.tokenizer)
        total = [0.0] * self.width
        for token in ids:
            for column, value in enumerate(self.table.row(token)):
                total[column] += value
        if not ids:
            return tuple(total)
        norm = math.sqrt(sum(value * value for value in total))
        return tuple(value / norm for value in total) if norm > 0 else tuple(total)

    def similarities(self, query: str, hits: Sequence[Hit]) -> list[float]:
        """Cosine of the query's meaning with each hit's (title, other names, start of text);
        zeros when the model cannot be read (:attr:`problem` says why)."""
        try:
            return self._similarities(query, hits)
        except MeaningError as exc:
            self.problem = str(exc)
            return [0.0] * len(hits)

    def _similarities(self, query: str, hits: Sequence[Hit]) -> list[float]:
        wanted = self.query_vector(query)
        keys = [(hit.path, hit.modified, hit.title, len(hit.snippet)) for hit in hits]
        width = self.width
        with self._lock:
            # Vectors read once stay decoded: the same notes come back keystroke after
            # keystroke.
            found = [self._cache.get(key) for key in keys]
        for i, hit in enumerate(hits):
            if found[i] is None and (stored := decode(hit.meaning, width)) is not None:
                found[i] = stored
                with self._lock:
                    self._keep(keys[i], stored)
        missing = [i for i, vector in enumerate(found) if vector is None]
        if missing:
            import numpy

            # Rounded as a stored vector is: the order is the one stored vectors give.
            made = self.embed([hit_text(hits[i]) for i in missing]).astype(numpy.float16)
            fresh = [tuple(row) for row in made.tolist()]
            for row, i in enumerate(missing):
                found[i] = fresh[row]
            with self._lock:
                self.worked_out += len(missing)
                for row, i in enumerate(missing):
                    self._keep(keys[i], fresh[row])
        return [sum(map(operator.mul, vector or (), wanted)) for vector in found]

    @staticmethod
    def depth(limit: int) -> int:
        """How many of the best hits by text score a search of ``limit`` hits lifts."""
        return max(MIN_DEPTH, DEPTH_PER_HIT * limit)

    def _keep(self, key: tuple[str, float, str, int], vector: tuple[float, ...]) -> None:
        # Under the lock. Past the bound, the oldest half goes.
        if len(self._cache) >= CACHE_SIZE:
            for old in list(self._cache)[: len(self._cache) // 2]:
                del self._cache[old]
        self._cache[key] = vector

    def stamp(self, docs: Sequence[IndexDoc]) -> None:
        """Store each document's vector with it (:data:`STORED_KEY`)."""
        vectors = self.embed([stored_text(doc.stored) for doc in docs])
        for doc, vector in zip(docs, vectors, strict=True):
            doc.stored[STORED_KEY] = encode(vector)


def stored_text(stored: dict[str, Any]) -> str:
    """The text a note's vector is made of: title, other names, the start of its text."""
    title, also, text = (str(stored.get(key) or "") for key in ("title", "also", "text"))
    return _vector_text(title, also, text)


def hit_text(hit: Hit) -> str:
    """:func:`stored_text` of a hit, from what the index stored (before its snippet is cut)."""
    return _vector_text(hit.title, hit.also, hit.snippet)


def _vector_text(title: str, also: str, text: str) -> str:
    return f"{title}\n{also}\n{text[:TEXT_CHARS]}"


def encode(vector: np.ndarray) -> str:
    """A vector as stored: 16-bit floats, base64."""
    import numpy

    return base64.b64encode(vector.astype(numpy.float16).tobytes()).decode("ascii")


def decode(text: str, width: int) -> tuple[float, ...] | None:
    """A stored vector of ``width`` numbers (None when there is none, or it is not one)."""
    if not text:
        return None
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        return None
    if len(raw) != 2 * width:
        return None
    return struct.unpack(f"<{width}e", raw)


_identities: dict[tuple[str, tuple[tuple[str, str, str], ...]], str | None] = {}


def identity(choice: str) -> str | None:
    """A short name of the model a setting names, without loading it (None: no model); the
    index's format carries it, so that an index made with another model (or none) is rebuilt.
    Worked out once per process (every search asks)."""
    key = (choice, PACKAGES)
    if key not in _identities:
        _identities[key] = _identity(choice)
    return _identities[key]


def without_model(format_id: str) -> str:
    """An index's format id without the model's part (``-m`` and its hash, when there is
    one): two ids that differ only there are one index made with another model."""
    head, _, last = format_id.rpartition("-")
    return head if head and last.startswith("m") else format_id


def _identity(choice: str) -> str | None:
    if choice == OFF:
        return None
    if choice == AUTO:
        found = packaged()
        if found is None or not all(_installed(name) for name in ("numpy", "tokenizers")):
            return None
        vectors, tokenizer, name = found
        # The package and its files' sizes, not where it is installed: the same model in
        # another environment keeps the index.
        named = f"{name}|{_size(vectors)}|{_size(tokenizer)}"
    else:
        folder = Path(choice).expanduser()
        named = f"{folder}|{_size(folder / 'tokenizer.json')}"
    return "m" + hashlib.sha1(named.encode("utf-8", "replace")).hexdigest()[:8]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def with_vectors(choice: str, changes: Iterator[IndexDoc | str]) -> Iterator[IndexDoc | str]:
    """The documents an index writes, each with its vector stored (:data:`STORED_KEY`), a
    batch at a time; unchanged when the setting names no model."""
    found = model(choice) if identity(choice) else None
    if found is None:
        yield from changes
        return
    batch: list[IndexDoc] = []
    for change in changes:
        if isinstance(change, str):
            yield change
            continue
        batch.append(change)
        if len(batch) >= BATCH:
            _stamp(found, batch)
            yield from batch
            batch = []
    if batch:
        _stamp(found, batch)
        yield from batch


def _stamp(found: MeaningModel, batch: list[IndexDoc]) -> None:
    # A model that cannot be read leaves the notes without vectors (found again as they
    # are searched, once it can), never the index without the notes.
    if found.problem is None:
        try:
            found.stamp(batch)
        except MeaningError as exc:
            found.problem = str(exc)


_loaded: dict[str, MeaningModel | None] = {}
_problems: dict[str, str] = {}
_load_lock = threading.Lock()


def model(choice: str) -> MeaningModel | None:
    """The model a setting names, loaded once per process; None when off, when ``auto``
    finds none, or when it cannot be read (:func:`problem` then says why)."""
    with _load_lock:
        if choice not in _loaded:
            try:
                _loaded[choice] = _load(choice)
            except MeaningError as exc:
                _loaded[choice] = None
                _problems[choice] = str(exc)
        return _loaded[choice]


def problem(choice: str) -> str | None:
    """Why the model a setting names could not be used (after :func:`model` tried)."""
    loaded = _loaded.get(choice)
    return _problems.get(choice) or (loaded.problem if loaded is not None else None)


def _load(choice: str) -> MeaningModel | None:
    if choice == OFF:
        return None
    if choice == AUTO:
        found = packaged()
        if found is None:
            return None
        vectors, tokenizer, name = found
    else:
        folder = Path(choice).expanduser()
        vectors, tokenizer = model_files(folder)
        name = str(folder)
    if not (_installed("tokenizers") and _installed("numpy")):
        if choice == AUTO:
            return None
        raise MeaningError(
            f"meaning model {choice}: install kb's meaning extra (tokenizers, numpy)"
        )
    table = Table.read(vectors)
    model_id = identity(choice)
    words = WordTokens(words_file(model_id)) if model_id else None
    if choice != AUTO and (words is None or words.ids("") is None):
        # A model the user named is checked at once (then its problem is said at start), on
        # a model thrown away: the one kept learns the words typed (a model holding its
        # tokenizer uses it instead), so that the next processes need no tokenizer at all.
        MeaningModel(table, tokenizer, name).tokenizer  # noqa: B018
    return MeaningModel(table, tokenizer, name, words)


def packaged() -> tuple[Path, Path, str] | None:
    """(vectors, tokenizer, name) of the first installed package holding a model."""
    for package, vectors, tokenizer in PACKAGES:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            base = Path(location)
            if (base / vectors).is_file() and (base / tokenizer).is_file():
                return base / vectors, base / tokenizer, package
    return None


def model_files(folder: Path) -> tuple[Path, Path]:
    """The vectors and tokenizer files of a model folder (model2vec's layout)."""
    if not folder.is_dir():
        raise MeaningError(f"meaning model {folder}: no such folder")
    tokenizer = folder / "tokenizer.json"
    tables = sorted(folder.glob("*.safetensors"))
    if not tokenizer.is_file() or len(tables) != 1:
        raise MeaningError(
            f"meaning model {folder}: expected tokenizer.json and one .safetensors file"
        )
    return tables[0], tokenizer
