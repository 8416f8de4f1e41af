"""One line on stderr when the first fit is about to compile the training kernels.

The kernels of :mod:`skmlp._kernels` are compiled by numba on their first call
and cached on disk (``cache=True``), so only the first fit after an install
pays for it: several seconds during which a fit looks stalled. The fit paths
call :func:`announce` before their first kernel; if no entry kernel has a
usable cache entry yet (numba's index file for it is missing, or stale for
this source), it prints once per process::

    skmlp: compiling the training kernels, once per installation: about 10 s

The check reads numba's small index files (milliseconds); anything unexpected
about numba's cache (another numba version, caching disabled) prints nothing.
"""

import sys
import threading

# The kernels a fit calls first: the MLP's (one of the passes, an optimizer) and
# the perceptron's. Their private helpers are compiled with them.
ENTRY_KERNELS = ("forward_backward", "bias_activation", "output_layer", "hidden_delta",
                 "add_penalty", "sgd_update", "adam_update", "walk_block", "penalized_epoch")
# About the cold compile of a first fit on 2 cores (benchmarks/results/cold_start.json:
# 6.5 s for the first fit, 13 s for every kernel of four kinds of fit).
SECONDS = 10
MESSAGE = ("skmlp: compiling the training kernels, once per installation: "
           f"about {SECONDS} s")

_lock = threading.Lock()
_checked = False


def _cached(dispatcher):
    """Whether numba's on-disk cache holds a compiled version of `dispatcher`
    for its current source (None when that cannot be told)."""
    try:
        return bool(dispatcher._cache._cache_file._load_index())
    except Exception:  # another numba, no cache: say nothing rather than guess
        return None


def cache_is_cold():
    """True when none of the entry kernels is in numba's cache (a fresh install)."""
    from . import _kernels

    states = [_cached(getattr(_kernels, name)) for name in ENTRY_KERNELS
              if hasattr(_kernels, name)]
    return bool(states) and all(state is False for state in states)


def announce():
    """Print :data:`MESSAGE` to stderr once per process if the cache is cold."""
    global _checked
    if _checked:
        return
    with _lock:
        if _checked:
            return
        _checked = True
        if cache_is_cold():
            print(MESSAGE, file=sys.stderr, flush=True)
