"""
Handwritten digits with a 784-300-100-10 network
================================================

A classic handwritten-digit network: 28x28 digits (784 inputs), two ReLU hidden layers
of 300 and 100 units, a softmax output of 10 units, Xavier initial weights,
cross-entropy loss with an L2 penalty, trained by gradient descent.

The bundled subset (5,000 digits, 500 per class) is split into 4,000 training
and 1,000 test digits; pixels are scaled to [0, 1] and kept in float32.
:class:`skmlp.ManualMLPClassifier` trains for a few epochs of minibatch SGD
with Nesterov momentum. The figure shows the training loss per epoch, the
test accuracy, and some of the misclassified test digits.
"""

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import ManualMLPClassifier
from skmlp.datasets import load_mnist_subset

X, y = load_mnist_subset(return_X_y=True, dtype=np.float32)
X /= 255.0
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=1000, stratify=y, random_state=0
)

clf = ManualMLPClassifier(
    hidden_layer_sizes=(300, 100), activation="relu", solver="sgd",
    learning_rate_init=0.05, momentum=0.9, alpha=1e-4, batch_size=100,
    max_iter=10, random_state=0,
)
start = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # few epochs on purpose
    clf.fit(X_train, y_train)
elapsed = time.perf_counter() - start
accuracy = clf.score(X_test, y_test)
print(f"{clf.n_iter_} epochs in {elapsed:.1f} s, test accuracy {accuracy:.3f}")

y_pred = clf.predict(X_test)
wrong = np.flatnonzero(y_pred != y_test)[:10]

# Sized and lettered to be read at the docs' column width (text of 10 px or more).
fig = plt.figure(figsize=(11, 5))
grid = fig.add_gridspec(2, 7)
ax = fig.add_subplot(grid[:, :2])
ax.plot(np.arange(1, clf.n_iter_ + 1), clf.loss_curve_, marker="o")
ax.set_xlabel("epoch", fontsize=13)
ax.set_ylabel("training loss (cross-entropy + L2)", fontsize=13)
ax.set_title(f"test accuracy {accuracy:.1%}", fontsize=13)
ax.tick_params(labelsize=12)
ax.xaxis.get_major_locator().set_params(integer=True)  # whole epochs
for k, i in enumerate(wrong):
    ax_img = fig.add_subplot(grid[k // 5, 2 + k % 5])
    ax_img.imshow(X_test[i].reshape(28, 28), cmap="gray_r")
    ax_img.set_title(f"{y_test[i]} -> {y_pred[i]}", fontsize=13)
    ax_img.axis("off")
fig.suptitle("784-300-100-10 network: loss curve; misclassified test digits "
             "(true -> predicted)", fontsize=14)
fig.tight_layout()
plt.show()
