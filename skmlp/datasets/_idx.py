"""Reader for the IDX format of MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number, then one big-endian uint32 per
dimension, then the values in C order, big-endian:

    byte 0-1   0x00 0x00
    byte 2     type code (0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int,
               0x0D float, 0x0E double)
    byte 3     number of dimensions
"""

import gzip
import os

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


def _read_bytes(path):
    """Return the content of ``path``, decompressed if it is gzipped.

    Gzip is recognised by its magic bytes, not by the file name.
    """
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ValueError(f"{path!s}: corrupt or truncated gzip data ({exc})") from exc
    return raw


def _parse_header(raw, path):
    """Return (dtype, shape, header_size) from the IDX header of ``raw``."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise ValueError(
            f"{path!s} is not an IDX file: bad magic number {raw[:4].hex() or '(empty)'} "
            "(expected 00 00, a type code in 08 09 0b 0c 0d 0e, then the number "
            "of dimensions)"
        )
    dtype, ndim = IDX_DTYPES[raw[2]], raw[3]
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(f"{path!s}: truncated IDX header ({len(raw)} bytes)")
    shape = tuple(int(n) for n in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    return dtype, shape, header_size


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
        If the magic number is not an IDX one, or the file is shorter or
        longer than its header says.

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
    raw = _read_bytes(path)
    dtype, shape, header_size = _parse_header(raw, path)
    expected = header_size + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        state = "truncated" if len(raw) < expected else "has trailing bytes"
        raise ValueError(
            f"{path!s}: IDX file {state}: {len(raw)} bytes, the header "
            f"(shape {shape}, {dtype.newbyteorder('=').name}) needs {expected}"
        )
    values = np.frombuffer(raw, dtype, offset=header_size).reshape(shape)
    # native byte order, and a writeable array that owns its memory
    return values.astype(dtype.newbyteorder("="))
