"""Tables of gpu_point_cv.sh's results: per variant, the mean RMSE over the 12 held-out photos
at each threshold, at the best one (optimistic: chosen on the photos it scores) and at one
chosen for each fold on the other folds' photos (honest); per-class RMSE, bias, recall and
precision there; the plain-vs-repaired difference and the count's spread under 1-16 px crops
and JPEG 90 for 42, 44 and 50.

usage: /usr/bin/python3 gpu_point_cv_report.py COORDS RESULTS.json [RESULTS.json ...]
"""
import csv
import json
import sys
from collections import defaultdict

import numpy as np

CLASSES = ["adult_males", "subadult_males", "adult_females", "juveniles", "pups"]
SHORT = ["AM", "SAM", "AF", "juv", "pups"]


def truth_counts(coords):
    counts = defaultdict(lambda: [0] * 5)
    with open(coords) as f:
        for row in csv.DictReader(f):
            counts[int(row["train_id"])][CLASSES.index(row["class"])] += 1
    return counts


def rmse_at(runs, truth, t, photos=None):
    errors = []
    for run in runs:
        for key, entry in run["images"].items():
            if ":" in key or (photos is not None and int(key) not in photos):
                continue
            errors.append(np.subtract(entry[t]["counts"], truth[int(key)]))
    errors = np.asarray(errors, float)
    return np.sqrt((errors ** 2).mean(0)).mean(), errors


def main():
    truth = truth_counts(sys.argv[1])
    runs = [r for path in sys.argv[2:] for r in json.load(open(path))]
    by_variant = defaultdict(list)
    for run in runs:
        by_variant[run["variant"]].append(run)
    for variant, folds in sorted(by_variant.items()):
        folds.sort(key=lambda r: r["fold"])
        thresholds = list(folds[0]["images"][next(iter(folds[0]["images"]))])
        crops = [r["crops"] for r in folds]
        print(f"== {variant}: {len(folds)} folds, {min(crops)}-{max(crops)} crops each")
        curve = {t: rmse_at(folds, truth, t)[0] for t in thresholds}
        best = min(curve, key=curve.get)
        print("mean RMSE by threshold: " + " ".join(f"{t}:{curve[t]:.2f}" for t in thresholds[2:19:2]))
        # Honest: each fold's threshold chosen on the other folds' held-out photos.
        errors, chosen, matched = [], [], []
        for run in folds:
            others = [r for r in folds if r is not run]
            t = min(thresholds, key=lambda t: rmse_at(others, truth, t)[0])
            chosen.append(t)
            errors.append(rmse_at([run], truth, t)[1])
            matched.extend(e[t] | {"photo": int(k)} for k, e in run["images"].items() if ":" not in k)
        errors = np.concatenate(errors)
        per_class = np.sqrt((errors ** 2).mean(0))
        print(f"best threshold {best}: {curve[best]:.2f} (optimistic); thresholds chosen on the other "
              f"folds {chosen}: {per_class.mean():.2f}")
        true_total = np.sum([truth[m["photo"]] for m in matched], 0)
        found = np.sum([m.get("tp", [0] * 5) for m in matched], 0)
        detected = np.sum([m["counts"] for m in matched], 0)
        blind = sum(m.get("blind", 0) for m in matched)
        print("class  RMSE   bias  recall precision")
        for c in range(5):
            print(f"{SHORT[c]:5s} {per_class[c]:6.2f} {errors[:, c].mean():+6.2f} "
                  f"{found[c] / max(1, true_total[c]):6.2f} {found[c] / max(1, detected[c]):6.2f}")
        recall, precision = blind / true_total.sum(), blind / max(1, detected.sum())
        print(f"all animals: recall {recall:.2f} precision {precision:.2f} "
              f"F1 {2 * recall * precision / max(1e-9, recall + precision):.3f}")
        for run, t in zip(folds, chosen):
            for key in run["images"]:
                if ":" in key or f"{key}:repaired" not in run["images"]:
                    continue
                images = run["images"]
                plain = images[key][t]["counts"]
                repaired = images[f"{key}:repaired"][t]["counts"]
                variants = [images[k][t]["counts"] for k in images if k.startswith(f"{key}:crop") or k == f"{key}:jpeg90"]
                spread = np.ptp(np.asarray(variants + [plain]), 0)
                gap = np.abs(np.subtract(plain, repaired))
                print(f"photo {key} (t {t}): truth {truth[int(key)]} plain {plain} repaired {repaired} "
                      f"gap {gap.max()}; spread over crops/JPEG {spread.tolist()} (max {spread.max()})")


if __name__ == "__main__":
    main()
