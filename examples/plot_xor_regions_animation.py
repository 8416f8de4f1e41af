"""
XOR, epoch by epoch: a 2-2-1 network finds its decision regions
================================================================

No line separates XOR, but a network with two logistic hidden units can bend
its decision regions around the four points. Here a
:class:`skmlp.ManualMLPClassifier` (a 2-2-1 network of logistic units,
trained with Adam on the log-loss) learns it one epoch at a
time with ``partial_fit``; each frame shows its regions after some epochs,
drawn by scikit-learn's
:class:`~sklearn.inspection.DecisionBoundaryDisplay` from
``predict_proba`` (the probability of class 1), and the loss curve so far.

The loss first sits near :math:`\\ln 2 \\approx 0.693` (the network answers
about 1/2 everywhere, or one class for all four points), then drops once the
two hidden units have turned into the two lines that cut off the corners
(0, 0) and (1, 1): the regions go from a half-plane to a band.
"""

import copy

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from sklearn.inspection import DecisionBoundaryDisplay

from skmlp import ManualMLPClassifier
from skmlp.datasets import make_logic_gate

X, y = make_logic_gate("xor")
clf = ManualMLPClassifier(hidden_layer_sizes=(2,), activation="logistic", solver="adam",
                          learning_rate_init=0.1, batch_size=4, random_state=0)

# Train epoch by epoch and keep a copy of the network every `every` epochs.
n_epochs, every = 240, 20
snapshots = []
for epoch in range(1, n_epochs + 1):
    clf.partial_fit(X, y, classes=[0, 1])
    if epoch % every == 0:
        snapshots.append((epoch, copy.deepcopy(clf)))
print("predictions after", n_epochs, "epochs:", clf.predict(X), "targets:", y)

fig, (ax_regions, ax_loss) = plt.subplots(1, 2, figsize=(9, 4), dpi=80)
ax_loss.plot(np.arange(1, n_epochs + 1), clf.loss_curve_, color="0.8")
(loss_so_far,) = ax_loss.plot([], [], color="C0")
ax_loss.axhline(np.log(2), ls=":", color="0.5")
ax_loss.set(xlabel="epoch", ylabel="log-loss", title="training loss")


def draw(frame):
    epoch, model = snapshots[frame]
    ax_regions.clear()
    DecisionBoundaryDisplay.from_estimator(
        model, X, response_method="predict_proba", grid_resolution=40, eps=0.5,
        cmap="coolwarm", vmin=0, vmax=1, alpha=0.7, ax=ax_regions)
    ax_regions.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=120)
    ax_regions.set(title=f"P(class 1) after {epoch} epochs", xlabel="$x_1$",
                   ylabel="$x_2$")
    loss_so_far.set_data(np.arange(1, epoch + 1), model.loss_curve_)
    return ax_regions, loss_so_far


draw(len(snapshots) - 1)  # the last frame is the figure's still image
fig.tight_layout()
anim = FuncAnimation(fig, draw, frames=len(snapshots), interval=400)
plt.show()
