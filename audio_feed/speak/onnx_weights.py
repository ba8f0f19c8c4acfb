"""The weights of an ONNX model, read straight from its protobuf bytes.

Each section is spoken by a session of its own (see ``engines.Piper``); handing every
session the same weight arrays keeps one copy of a voice's weights in memory however
many sessions there are. Only what that needs is read (ModelProto.graph, then each
initializer's dims, data type, name and raw data), without the onnx package. The
arrays are views into the bytes given: nothing is copied.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

_GRAPH, _INITIALIZER = 7, 5
"""ModelProto.graph, GraphProto.initializer."""
_DIMS, _DATA_TYPE, _NAME, _RAW_DATA = 1, 2, 8, 9
"""TensorProto's fields."""
_DTYPES: dict[int, type[np.generic]] = {1: np.float32, 6: np.int32, 7: np.int64,
                                        11: np.float64}
"""TensorProto.DataType -> numpy; a tensor of another type is not shared."""

Field = tuple[int, int, int]
"""(field number, value or start of its bytes, end of its bytes or -1)."""


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def _fields(buf: bytes, start: int, end: int) -> Iterator[Field]:
    i = start
    while i < end:
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
            yield number, value, -1
        elif wire == 2:
            size, i = _varint(buf, i)
            yield number, i, i + size
            i += size
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
        else:
            raise ValueError(f"protobuf wire type {wire} at byte {i}")


def _tensor(buf: bytes, start: int, end: int) -> tuple[str, npt.NDArray[np.generic]] | None:
    dims: list[int] = []
    dtype = name = raw = None
    for number, a, b in _fields(buf, start, end):
        if number == _DIMS and b < 0:
            dims.append(a)
        elif number == _DIMS:
            j = a
            while j < b:
                d, j = _varint(buf, j)
                dims.append(d)
        elif number == _DATA_TYPE:
            dtype = _DTYPES.get(a)
        elif number == _NAME:
            name = buf[a:b].decode("utf-8")
        elif number == _RAW_DATA:
            raw = (a, b)
    if name is None or dtype is None or raw is None:
        return None
    count = int(np.prod(dims)) if dims else 1
    if count * np.dtype(dtype).itemsize != raw[1] - raw[0]:
        return None
    return name, np.frombuffer(buf, dtype=dtype, count=count, offset=raw[0]).reshape(dims)


def initializers(buf: bytes, least: int) -> dict[str, npt.NDArray[np.generic]]:
    """The model's initializers of at least ``least`` elements, by name (the small
    ones, shapes and constants, stay in the graph where the optimizer folds them).
    Raises ValueError on bytes that are not a model."""
    out: dict[str, npt.NDArray[np.generic]] = {}
    try:
        for number, a, b in _fields(buf, 0, len(buf)):
            if number != _GRAPH or b < 0:
                continue
            for inner, c, d in _fields(buf, a, b):
                found = _tensor(buf, c, d) if inner == _INITIALIZER and d >= 0 else None
                if found is not None and found[1].size >= least:
                    out[found[0]] = found[1]
    except (IndexError, UnicodeDecodeError) as e:
        raise ValueError(f"not an ONNX model ({e})") from None
    return out
