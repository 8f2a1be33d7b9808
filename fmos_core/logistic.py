"""Class-balanced logistic regression in pure Python, and a stable held-out split.

The core carries no numerical dependency: the learned ladder and the learned router
train on hundreds to a few thousand traces, which batch gradient descent over plain
lists handles in well under a second.

Example:
    >>> rows = [[float(i)] for i in range(20)]
    >>> means, scales = standardise(rows)
    >>> w, b = fit_logistic(rows, [i > 9 for i in range(20)], means, scales, epochs=200)
    >>> w[0] > 0
    True
    >>> held_out("trace-1", 0.0), held_out("trace-1", 1.0)
    (False, True)
"""

from __future__ import annotations

import math
import zlib


def held_out(key: str, share: float) -> bool:
    """Whether ``key`` (a trace id, a request digest) falls in the held-out ``share``;
    stable across runs and machines."""
    return zlib.crc32(key.encode()) % 1000 < share * 1000


def standardise(rows: list[list[float]]) -> tuple[list[float], list[float]]:
    """Per-column means and scales (a constant column gets scale 1)."""
    n = len(rows)
    means = [sum(col) / n for col in zip(*rows, strict=True)]
    scales = []
    for col, mean in zip(zip(*rows, strict=True), means, strict=True):
        var = sum((v - mean) ** 2 for v in col) / n
        scales.append(math.sqrt(var) if var > 1e-12 else 1.0)
    return means, scales


def fit_logistic(
    rows: list[list[float]],
    labels: list[bool],
    means: list[float],
    scales: list[float],
    *,
    epochs: int,
    l2: float = 0.01,
    rate: float = 0.5,
    balanced: bool = True,
) -> tuple[list[float], float]:
    """Weights and bias on standardised ``rows``. ``balanced``: both labels weigh equally
    in total (for a decision threshold); else each row weighs the same (calibrated
    probabilities, to compare models)."""
    x = [[(v - m) / s for v, m, s in zip(row, means, scales, strict=True)] for row in rows]
    y = [1.0 if label else 0.0 for label in labels]
    n, k = len(x), len(means)
    positives = sum(y)
    if balanced:
        weight = [n / (2 * positives) if t else n / (2 * (n - positives)) for t in y]
    else:
        weight = [1.0] * n
    w, b = [0.0] * k, 0.0
    for _ in range(epochs):
        grad, grad_b = [l2 * wi for wi in w], 0.0
        for xi, yi, ci in zip(x, y, weight, strict=True):
            z = b + sum(wj * xj for wj, xj in zip(w, xi, strict=True))
            err = ci * (1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))) - yi) / n
            grad_b += err
            for j in range(k):
                grad[j] += err * xi[j]
        w = [wj - rate * gj for wj, gj in zip(w, grad, strict=True)]
        b -= rate * grad_b
    return w, b
