"""
Streaming fits over a chunked dask array
========================================

``dask_ml.wrappers.Incremental`` feeds the blocks of a dask array, one after
the other, to an estimator's ``partial_fit``, so the training set never has to
be in memory at once (see :doc:`/scale_out`; this example needs
the ``dask`` extra).

* :class:`skmlp.GaussianBayesClassifier` streams exactly: its fit needs only
  each class's count, mean and scatter matrix, which ``partial_fit`` merges
  block by block. One pass over the blocks gives the in-memory fit up to
  rounding: the right panel draws both decision boundaries, which coincide.
* :class:`skmlp.ManualMLPClassifier` learns by epochs: each ``partial_fit`` is
  one epoch of Adam over one block, so a pass over the blocks is one epoch of
  the whole set, and ``Incremental.partial_fit`` called again makes another.
  The left panel draws its training loss after each block (``loss_curve_``
  has one entry per block), with the passes separated.

The data are two Gaussian classes in the plane (sigma 1 and
sqrt 2), 20,000 points in 10 blocks. The blocks are computed on a small
local dask cluster; on a real cluster only the ``Client`` line changes.
"""

import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from dask_ml.wrappers import Incremental
from distributed import Client, LocalCluster

from skmlp import GaussianBayesClassifier, ManualMLPClassifier
from skmlp.datasets import make_gaussian_classes

# Two worker threads in this process: they start at once. On a laptop, drop
# processes=False for process workers; on a cluster, Client("tcp://host:8786").
cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                       dashboard_address=None)
client = Client(cluster)

X, y = make_gaussian_classes((10_000, 10_000), sigmas=(1.0, np.sqrt(2)), random_state=0)
X_blocks = da.from_array(X, chunks=(2_000, -1))  # 10 blocks of 2,000 rows
y_blocks = da.from_array(y, chunks=2_000)
classes = np.unique(y)
n_blocks = X_blocks.numblocks[0]

# %%
# The Gaussian Bayes classifier: one pass equals the in-memory fit
# -----------------------------------------------------------------
streamed = Incremental(GaussianBayesClassifier(), shuffle_blocks=False)
streamed.fit(X_blocks, y_blocks, classes=classes)
in_memory = GaussianBayesClassifier().fit(X, y)

bayes = streamed.estimator_
print("class counts (streamed, in memory):", bayes.class_count_, in_memory.class_count_)
print("largest difference of the means:      ",
      np.abs(bayes.means_ - in_memory.means_).max())
print("largest difference of the covariances:",
      np.abs(bayes.covariances_ - in_memory.covariances_).max())
same = (streamed.predict(X_blocks).compute() == in_memory.predict(X)).mean()
print(f"same decision on {same:.1%} of the points")

# %%
# The MLP: three passes of partial_fit over the blocks
# ----------------------------------------------------
n_passes = 3
mlp = Incremental(ManualMLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01,
                                      random_state=0),
                  shuffle_blocks=False, scoring="accuracy")
for n_pass in range(1, n_passes + 1):
    mlp.partial_fit(X_blocks, y_blocks, classes=classes)
    print(f"after pass {n_pass}: training accuracy {mlp.score(X_blocks, y_blocks):.3f}")
loss = mlp.estimator_.loss_curve_  # one entry per block

client.close()
cluster.close()

# %%
# The figure
# ----------
fig, (ax_loss, ax_bayes) = plt.subplots(1, 2, figsize=(11, 4.5))
ax_loss.plot(np.arange(1, len(loss) + 1), loss, "o-", ms=3)
for p in range(1, n_passes):
    ax_loss.axvline(p * n_blocks + 0.5, color="grey", ls=":")
ax_loss.set(xlabel="block (partial_fit call)", ylabel="training loss",
            title=f"ManualMLPClassifier: {n_passes} passes over {n_blocks} blocks")

xx, yy = np.meshgrid(np.linspace(-5, 7, 300), np.linspace(-5, 8.5, 300))
grid = np.c_[xx.ravel(), yy.ravel()]
sample = np.random.default_rng(0).choice(len(X), 1_000, replace=False)
ax_bayes.scatter(X[sample, 0], X[sample, 1], c=y[sample], cmap="coolwarm", s=6, alpha=0.5)
styles = [(in_memory, "in-memory fit", dict(color="tab:green", lw=5, alpha=0.5)),
          (bayes, "streamed over the blocks", dict(color="k", ls="--"))]
for model, label, style in styles:
    ax_bayes.contour(xx, yy, model.decision_function(grid).reshape(xx.shape), levels=[0],
                     colors=style["color"], linewidths=style.get("lw", 1.5),
                     linestyles=style.get("ls", "-"), alpha=style.get("alpha"))
    ax_bayes.plot([], [], label=label, **style)  # the legend's entry
ax_bayes.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal",
             title="GaussianBayesClassifier decision boundary")
ax_bayes.legend(loc="lower right", fontsize=8)
fig.tight_layout()
plt.show()
