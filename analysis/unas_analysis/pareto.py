"""Pareto fronts and their hypervolume, all objectives minimised."""
from __future__ import annotations

import numpy as np


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """True for the rows no other row beats in every column (and strictly in one)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    mask = np.ones(n, dtype=bool)
    for i in range(n):
        no_worse = np.all(values <= values[i], axis=1)
        better = np.any(values < values[i], axis=1)
        if np.any(no_worse & better):
            mask[i] = False
    return mask


def hypervolume(points: np.ndarray, reference: np.ndarray) -> float:
    """Exact volume dominated by `points` and bounded by `reference`, by slicing along the last
    objective (fine for the few dozen points and four objectives of a front)."""
    points = np.asarray(points, dtype=float)
    reference = np.asarray(reference, dtype=float)
    points = points[np.all(points < reference, axis=1)]
    if len(points) == 0:
        return 0.0
    points = points[pareto_mask(points)]
    if points.shape[1] == 1:
        return float(reference[0] - points[:, 0].min())
    points = points[np.argsort(points[:, -1])]
    volume = 0.0
    for i in range(len(points)):
        upper = points[i + 1, -1] if i + 1 < len(points) else reference[-1]
        if upper > points[i, -1]:
            volume += (upper - points[i, -1]) * hypervolume(points[: i + 1, :-1], reference[:-1])
    return volume


def hypervolume_steps(points: np.ndarray, counts: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The hypervolume after each row of `points` (in the order given) of the rows so far where
    `counts` is true, every objective divided by its `scale` (the bounds) and the reference point
    1 everywhere, so only points within every bound add volume. A search's front changes only
    when a new point lands within the bounds undominated, so the volume is computed again only
    then: a run of thousands of candidates costs a few dozen front volumes."""
    counts = np.asarray(counts, dtype=bool)
    scale = np.asarray(scale, dtype=float)
    out = np.zeros(len(counts))
    if len(scale) == 0:  # nothing bounded: no volume to measure
        return out
    points = np.asarray(points, dtype=float).reshape(len(counts), len(scale)) / scale
    reference = np.ones(len(scale))
    front = np.empty((0, len(reference)))
    volume = 0.0
    for i, p in enumerate(points):
        if counts[i] and np.all(p < reference) and not np.any(np.all(front <= p, axis=1)):
            front = np.vstack([front[~np.all(p <= front, axis=1)], p])
            volume = hypervolume(front, reference)
        out[i] = volume
    return out
