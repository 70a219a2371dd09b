"""Calibrating a point model's threshold by self-agreement (scripts/calibrate-views.sh and
scripts/calibrate-jpeg.sh): the threshold at which one way of counting photos (fewer views, a
recompressed copy) counts them as a reference way does, least squares over every photo and class.
No truth is needed: any photos of the kind the model is for will do.
"""
import csv
from collections import Counter

# The thresholds tried: 0.050 to 0.950 in steps of 0.005.
CANDIDATES = [k / 200 for k in range(10, 191)]


def read_detections(path):
    """(photo id, class, score) of each row of a `count --detections` file."""
    with open(path) as f:
        return [(r["test_id"], r["class"], float(r["score"])) for r in csv.DictReader(f)]


def counts_of(detections, threshold=0.0):
    """Animals per (photo, class) among the detections scoring at least `threshold`."""
    return Counter((photo, name) for photo, name, score in detections if score >= threshold)


def matching_threshold(reference, detections, prefer=None):
    """The candidate threshold at which `detections` (counted at a lower one; suppression keeps
    the stronger of two peaks first, so any higher threshold is a filter) count as `reference`
    (a Counter from counts_of) does: (threshold, squared count difference, animals counted).
    Of equally good candidates the lowest, or with `prefer` the nearest to it."""
    best = None
    for threshold in CANDIDATES:
        counts = counts_of(detections, threshold)
        error = sum((counts[key] - reference[key]) ** 2 for key in set(counts) | set(reference))
        nearer = (best is not None and prefer is not None
                  and abs(threshold - prefer) < abs(best[1] - prefer))
        if best is None or error < best[0] or (error == best[0] and nearer):
            best = (error, threshold, sum(counts.values()))
    return best[1], best[0], best[2]
