"""The threshold at which plain photos count as their repaired dotted copies do (bench/plain_offset.sh).

Arguments: BASE FOLD:ID...; each FOLD holds sweep-detections.csv (its held-out photos counted at a
low threshold, the plain copy of ID among them) and sweep-repaired-ID-detections.csv (the repaired
dotted copy of ID, counted the same way).
"""
import csv
import statistics
import sys

CLASSES = ["adult_males", "subadult_males", "adult_females", "juveniles", "pups"]


def scores(path, photo):
    return [(CLASSES.index(r["class"]), float(r["score"]))
            for r in csv.DictReader(open(path)) if r["test_id"] == photo]


def counts(detections, threshold):
    result = [0] * len(CLASSES)
    for c, score in detections:
        if score >= threshold:
            result[c] += 1
    return result


def matching_threshold(plain, repaired, base):
    """Of the thresholds (0.0025 apart) where plain's counts come closest to repaired's at base, the
    nearest to base: the smallest change that makes them agree (0 where they already do)."""
    target = counts(repaired, base)
    grid = [round(base - 0.1 + 0.0025 * k, 4) for k in range(121)]
    error = {t: sum((a - b) ** 2 for a, b in zip(counts(plain, t), target)) for t in grid}
    best = [t for t in grid if error[t] == min(error.values())]
    return min(best, key=lambda t: (abs(t - base), t)), target


def main():
    base = float(sys.argv[1])
    offsets = []
    for pair in sys.argv[2:]:
        fold, photo = pair.rsplit(":", 1)
        plain = scores(f"{fold}/sweep-detections.csv", photo)
        repaired = scores(f"{fold}/sweep-repaired-{photo}-detections.csv", photo)
        threshold, target = matching_threshold(plain, repaired, base)
        offsets.append(threshold - base)
        print(f"{fold} photo {photo}: plain counts as repaired at {base} ({','.join(map(str, target))})"
              f" at {threshold:.4f} (offset {threshold - base:+.4f}; plain at {base}:"
              f" {','.join(map(str, counts(plain, base)))})")
    higher = sum(1 for o in offsets if o > 0)
    print(f"offset over {len(offsets)} photo(s): mean {statistics.mean(offsets):+.4f}, median "
          f"{statistics.median(offsets):+.4f}, {higher} of {len(offsets)} above 0")


if __name__ == "__main__":
    main()
