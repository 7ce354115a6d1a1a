"""A meaning model's table of token vectors: the one matrix of a ``.safetensors`` file,
mapped from the file, never read whole (see :mod:`kb.search.meaning`)."""

from __future__ import annotations

import json
import mmap
import struct
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

#: A model file larger than this is refused (a token table is tens of megabytes).
MAX_MODEL_BYTES = 1_000_000_000
#: ... and a header longer than this (a header names a few tensors).
MAX_HEADER_BYTES = 10_000_000
_DTYPES = {"F16": "float16", "F32": "float32", "F64": "float64"}


class MeaningError(Exception):
    """A model that cannot be read, with a line saying why."""


_STRUCT = {"float16": "e", "float32": "f", "float64": "d"}


class Table:
    """The one 2-D matrix of a ``.safetensors`` file, mapped from the file (read-only: rows
    are read from disk as tokens need them, so that loading costs the header only).

    The format is an 8-byte little-endian header length, a JSON header naming each tensor's
    type, shape and byte range, then the bytes.
    """

    def __init__(self, path: Path, dtype: str, rows: int, columns: int, offset: int) -> None:
        self.path, self.dtype, self.rows, self.columns, self.offset = (
            path,
            dtype,
            rows,
            columns,
            offset,
        )
        self._row = struct.Struct(f"<{columns}{_STRUCT[dtype]}")
        with open(path, "rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        self._matrix: np.ndarray | None = None

    def row(self, token: int) -> tuple[float, ...]:
        """One token's vector (the last row for an id past the end)."""
        token = min(max(token, 0), self.rows - 1)
        return self._row.unpack_from(self._map, self.offset + token * self._row.size)

    def matrix(self) -> np.ndarray:
        """The whole table as a NumPy array (mapped, not read)."""
        if self._matrix is None:
            import numpy

            self._matrix = numpy.frombuffer(
                self._map, dtype=self.dtype, count=self.rows * self.columns, offset=self.offset
            ).reshape(self.rows, self.columns)
        return self._matrix

    @classmethod
    def read(cls, path: Path) -> Table:
        """The table of a ``.safetensors`` file; :class:`MeaningError` when it is not one."""
        try:
            size = path.stat().st_size
            if size > MAX_MODEL_BYTES:
                raise MeaningError(f"meaning model {path}: larger than {MAX_MODEL_BYTES} bytes")
            with open(path, "rb") as handle:
                length = int.from_bytes(handle.read(8), "little")
                if length > min(size, MAX_HEADER_BYTES):
                    raise MeaningError(f"meaning model {path}: not a .safetensors file")
                header = json.loads(handle.read(length))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise MeaningError(f"meaning model {path}: not read ({exc})") from exc
        if not isinstance(header, dict):
            raise MeaningError(f"meaning model {path}: not a .safetensors file")
        tensors = {
            key: value
            for key, value in header.items()
            if key != "__metadata__"
            and isinstance(value, dict)
            and len(value.get("shape", ())) == 2
        }
        if len(tensors) != 1:
            raise MeaningError(f"meaning model {path}: expected one matrix, found {len(tensors)}")
        (info,) = tensors.values()
        dtype = _DTYPES.get(str(info.get("dtype")))
        try:
            rows, columns = (int(n) for n in info["shape"])
            start, end = (int(n) for n in info["data_offsets"])
        except (KeyError, TypeError, ValueError) as exc:
            raise MeaningError(f"meaning model {path}: odd header ({exc})") from exc
        if dtype is None:
            raise MeaningError(
                f"meaning model {path}: numbers of type {info.get('dtype')} not read"
            )
        width = struct.calcsize(_STRUCT[dtype])
        begin = 8 + length + start
        if (
            rows <= 0
            or columns <= 0
            or start < 0
            or end - start != rows * columns * width
            or begin + end - start > size
        ):
            raise MeaningError(f"meaning model {path}: the matrix's size does not match its bytes")
        try:
            return cls(path, dtype, rows, columns, begin)
        except (OSError, ValueError) as exc:
            raise MeaningError(f"meaning model {path}: not read ({exc})") from exc
