"""What an installed wheel must do, run from outside the source tree.

CI installs the built wheel into a fresh venv and runs this script from an
empty directory: the package must import from the venv (not from a checkout),
ship its bundled data and the data's licence, and fit the estimators on it.
A wheel that forgot ``skmlp/datasets/data/*.npz`` fails here.
"""

import pathlib
import sys
import warnings
from importlib import metadata, resources

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

import skmlp
from skmlp import GaussianBayesClassifier, ManualMLPClassifier
from skmlp.datasets import load_mnist_subset

package_dir = pathlib.Path(skmlp.__file__).resolve().parent
if pathlib.Path(sys.prefix).resolve() not in package_dir.parents:
    sys.exit(f"skmlp imported from {package_dir}, not from the venv at {sys.prefix}")
print(f"skmlp {skmlp.__version__} from {package_dir}")

data = resources.files("skmlp.datasets").joinpath("data")
for name in ("mnist_5k.npz", "LICENSE", "README.md"):
    if not data.joinpath(name).is_file():
        sys.exit(f"the wheel lacks skmlp/datasets/data/{name}")
licences = sorted(str(f) for f in metadata.distribution("skmlp").files if f.name == "LICENSE")
print("licence files:", ", ".join(licences))

X, y = load_mnist_subset(return_X_y=True, dtype=np.float32)
assert X.shape == (5000, 784) and np.bincount(y).tolist() == [500] * 10
X_train, X_test, y_train, y_test = train_test_split(
    X / 255, y, test_size=1000, stratify=y, random_state=0)

mlp = ManualMLPClassifier(hidden_layer_sizes=(64,), max_iter=1, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # one epoch, on purpose
    mlp.fit(X_train, y_train)
mlp_accuracy = mlp.score(X_test, y_test)
bayes = GaussianBayesClassifier(covariance_type="diag").fit(X_train, y_train)
bayes_accuracy = bayes.score(X_test, y_test)
print(f"1-epoch MLP accuracy {mlp_accuracy:.3f}, Gaussian Bayes ('diag') {bayes_accuracy:.3f}")
# far above chance (0.1): the data and the fits are real
assert mlp_accuracy > 0.7 and bayes_accuracy > 0.4, (mlp_accuracy, bayes_accuracy)
