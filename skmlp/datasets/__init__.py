"""Datasets: real handwritten digits and synthetic two-class problems.

Loaders
    :func:`load_mnist_subset` (5,000 MNIST digits bundled with skmlp),
    :func:`load_fashion_mnist` (from Debian's ``dataset-fashion-mnist`` or a
    folder of IDX files) and :func:`load_idx` (any IDX file, gzipped or not).
Generators
    :func:`make_gaussian_classes` and :func:`make_uniform_discs` (the
    perceptron and Bayes pages of the user guide) and :func:`make_logic_gate` (AND, OR, XOR).
"""

from ._base import load_fashion_mnist, load_mnist_subset
from ._idx import load_idx
from ._synthetic import (
    UniformDisc,
    make_gaussian_classes,
    make_logic_gate,
    make_uniform_discs,
)

__all__ = [
    "UniformDisc",
    "load_fashion_mnist",
    "load_idx",
    "load_mnist_subset",
    "make_gaussian_classes",
    "make_logic_gate",
    "make_uniform_discs",
]
