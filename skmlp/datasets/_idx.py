"""Reader for the IDX format of MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number, then one big-endian uint32 per
dimension, then the values in C order, big-endian:

    byte 0-1   0x00 0x00
    byte 2     type code (0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int,
               0x0D float, 0x0E double)
    byte 3     number of dimensions

The reader trusts nothing it has not checked: it reads the header first, then
only the bytes the header declares, and refuses a declared size that the file
cannot hold before it allocates anything (a plain file must have exactly that
size; a gzipped one cannot decompress to more than deflate's largest ratio,
1032, times its size). A file that is not IDX costs 4 bytes of reading, and a
gzip bomb no more than its header declares.
"""

import contextlib
import gzip
import math
import os
import stat
import zlib

import numpy as np

# type code -> big-endian numpy dtype of the stored values
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"
# Deflate emits at most 258 bytes per 2 bits of input: no gzip file
# decompresses to more than 1032 times its size.
_MAX_DEFLATE_RATIO = 1032
_CHUNK = 2**20  # bytes per read: what a read allocates besides the result


@contextlib.contextmanager
def _open_idx(path):
    """Yield (stream, capacity, gzipped): the content of ``path`` as a binary
    stream, decompressed if it is gzipped (recognised by its magic bytes, not
    by the file name), and the most bytes it can hold (None when unknown: a
    pipe or a device).

    Errors of the gzip layer (a corrupt or truncated deflate stream, a bad
    CRC) become ValueErrors naming the path.
    """
    with open(path, "rb") as raw:
        info = os.fstat(raw.fileno())
        size = info.st_size if stat.S_ISREG(info.st_mode) else None
        if raw.peek(2)[:2] != _GZIP_MAGIC:
            yield raw, size, False
            return
        capacity = None if size is None else _MAX_DEFLATE_RATIO * size
        try:
            with gzip.GzipFile(fileobj=raw) as stream:
                yield stream, capacity, True
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
            raise ValueError(f"{path!s}: corrupt or truncated gzip data ({exc})") from exc


def _read_into(stream, buffer):
    """Fill ``buffer`` (a bytearray, or an array whose bytes are filled in
    memory order) from ``stream``; return how many bytes were read (fewer at
    the end of the stream)."""
    if isinstance(buffer, np.ndarray):
        buffer = buffer.reshape(-1).view(np.uint8)  # a view: C-contiguous
    view = memoryview(buffer)
    filled = 0
    while filled < len(view):
        n = stream.readinto(view[filled : filled + _CHUNK])
        if not n:
            break
        filled += n
    return filled


def _read_header(stream, path):
    """Return (dtype, shape) from the IDX header at the start of ``stream``."""
    magic = bytearray(4)
    n = _read_into(stream, magic)
    if n < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in IDX_DTYPES:
        raise ValueError(
            f"{path!s} is not an IDX file: bad magic number {magic[:n].hex() or '(empty)'} "
            "(expected 00 00, a type code in 08 09 0b 0c 0d 0e, then the number "
            "of dimensions)"
        )
    dtype, ndim = IDX_DTYPES[magic[2]], magic[3]
    dims = np.empty(ndim, ">u4")
    n = _read_into(stream, dims)
    if n < dims.nbytes:
        raise ValueError(f"{path!s}: truncated IDX header ({4 + n} bytes)")
    return dtype, tuple(int(d) for d in dims)  # Python ints: no overflow below


def _describe(dtype, shape):
    return f"the header (shape {shape}, {dtype.newbyteorder('=').name})"


def _check_declared_size(path, dtype, shape, capacity, gzipped):
    """The byte count the header declares; a ValueError, before anything is
    allocated, where the file cannot hold it (a plain file: exactly)."""
    expected = 4 + 4 * len(shape) + math.prod(shape) * dtype.itemsize
    if capacity is None or (gzipped and expected <= capacity):
        return expected
    if gzipped:
        raise ValueError(
            f"{path!s}: IDX file truncated: {_describe(dtype, shape)} needs {expected} "
            f"bytes, more than {capacity // _MAX_DEFLATE_RATIO} bytes of gzip data can "
            f"hold (at most {_MAX_DEFLATE_RATIO} times as many)"
        )
    if capacity != expected:
        state = "truncated" if capacity < expected else "has trailing bytes"
        raise _size_error(path, state, capacity, dtype, shape, expected)
    return expected


def _size_error(path, state, n_bytes, dtype, shape, expected):
    return ValueError(
        f"{path!s}: IDX file {state}: {n_bytes} bytes, {_describe(dtype, shape)} "
        f"needs {expected}"
    )


def _read_values(stream, path, dtype, shape, expected):
    """The declared values, read to the last byte and not one more."""
    try:
        values = np.empty(shape, dtype)
    except (MemoryError, ValueError) as exc:  # too big for numpy, or a stream's
        raise ValueError(f"{path!s}: {_describe(dtype, shape)} declares an array numpy "
                         f"cannot allocate ({exc})") from None
    n_read = 4 + 4 * len(shape) + _read_into(stream, values)
    if n_read < expected:
        raise _size_error(path, "truncated", n_read, dtype, shape, expected)
    if stream.read(1):
        raise _size_error(path, "has trailing bytes", f"more than {expected}", dtype,
                          shape, expected)
    return values


def load_idx(path):
    """Load an IDX file (the MNIST / Fashion-MNIST format), gzipped or plain.

    Parameters
    ----------
    path : str or os.PathLike
        File to read. Gzip compression is detected from the content, so
        ``train-images-idx3-ubyte`` and ``train-images-idx3-ubyte.gz`` both work.

    Returns
    -------
    array : ndarray
        Array with the shape stored in the header and the stored value type
        in native byte order: uint8 (code 0x08), int8 (0x09), int16 (0x0B),
        int32 (0x0C), float32 (0x0D) or float64 (0x0E). MNIST image files
        give shape (n_images, 28, 28), label files shape (n_images,).

    Raises
    ------
    ValueError
        If the magic number is not an IDX one, the file is shorter or longer
        than its header says (checked before the values are read where the
        file's size tells), or its gzip data are corrupt.

    Notes
    -----
    Memory: the result, plus a megabyte of reading buffers. Only the header
    and the bytes it declares are read (one more to detect trailing data).

    Examples
    --------
    >>> import gzip, os, tempfile
    >>> import numpy as np
    >>> from skmlp.datasets import load_idx
    >>> header = bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3])
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny-idx2-ubyte.gz")
    >>> with gzip.open(path, "wb") as f:
    ...     _ = f.write(header + bytes(range(6)))
    >>> load_idx(path)
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
    """
    path = os.fspath(path)
    with _open_idx(path) as (stream, capacity, gzipped):
        dtype, shape = _read_header(stream, path)
        expected = _check_declared_size(path, dtype, shape, capacity, gzipped)
        values = _read_values(stream, path, dtype, shape, expected)
    # native byte order, swapped in place (no second copy of the data)
    return values.byteswap(inplace=True).view(dtype.newbyteorder("="))
