"""
Deploying a model: skops file, ONNX graph, onnxruntime
======================================================

A model trained in Python is usually served somewhere else. This example
trains a :class:`~skmlp.ManualMLPClassifier` behind a
:class:`~sklearn.preprocessing.StandardScaler` on scikit-learn's 8x8 digits,
and a :class:`~skmlp.MinimumRiskClassifier` over it for which reading an 8 as
a 1 costs 20 times more than other mistakes. Then:

1. it saves the model with ``skops.io`` and loads it back trusting only the
   types of ``skmlp.TRUSTED_TYPES`` (see :ref:`deploy`);
2. it exports the model to ONNX with ``skl2onnx.to_onnx``, after
   ``import skmlp.onnx`` has registered the converters, once for float32 and
   once for float64 input;
3. it serves the held-out digits with onnxruntime, as a program without skmlp
   would, and compares the labels and probabilities with ``predict`` and
   ``predict_proba``.

The labels agree on every digit. The figure shows how far apart the
probabilities are, in units of each dtype's eps (1.2e-7 for float32, 2.2e-16
for float64): a few tens at most, the rounding of two computations that sum in
different orders.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as ort
import skops.io as sio
from skl2onnx import to_onnx
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skmlp.onnx  # noqa: F401  (registers the converters with skl2onnx)
from skmlp import ManualMLPClassifier, MinimumRiskClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, stratify=y,
                                                    random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # 40 epochs are enough for this example
    pipe = make_pipeline(StandardScaler(), ManualMLPClassifier(
        hidden_layer_sizes=(32,), max_iter=40, random_state=0)).fit(X_train, y_train)
cost = 1.0 - np.eye(10)
cost[1, 8] = 20.0  # deciding 1 when the truth is 8
model = MinimumRiskClassifier(FrozenEstimator(pipe), cost_matrix=cost)
model.fit(X_train, y_train)

# %%
# Save and load with skops: only trusted types are built from the file.
data = sio.dumps(model)
print("types the file asks to trust:", sio.get_untrusted_types(data=data))
model = sio.loads(data, trusted=skmlp.TRUSTED_TYPES)

# %%
# Export to ONNX and serve with onnxruntime, in both dtypes.
errors = {}
for dtype in (np.float32, np.float64):
    onx = to_onnx(model, X_train[:1].astype(dtype), options={"zipmap": False})
    session = ort.InferenceSession(onx.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    rows = X_test.astype(dtype)
    labels, proba = session.run(None, {"X": rows})
    same = np.mean(labels == model.predict(rows))
    errors[dtype.__name__] = np.abs(proba - model.predict_proba(rows)).max(axis=1)
    print(f"{dtype.__name__}: {len(onx.SerializeToString()) / 1024:.0f} kB of ONNX, "
          f"labels equal to predict on {same:.0%} of {len(rows)} digits, largest "
          f"probability difference {errors[dtype.__name__].max():.1e}")

# %%
# How far apart the probabilities are, digit by digit.
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
for ax, (name, error) in zip(axes, errors.items()):
    eps = np.finfo(name).eps
    ax.hist(error / eps, bins=30)
    ax.set_title(f"{name} input")
    ax.set_xlabel(f"max |onnxruntime - predict_proba| per digit / eps ({eps:.1e})")
    ax.set_ylabel("digits")
fig.tight_layout()
plt.show()
