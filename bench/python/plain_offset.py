"""The threshold at which plain photos count as their repaired dotted copies do (bench/plain_offset.sh).

Arguments: ROOT BASE FOLD:ID...; each FOLD holds sweep-detections.csv (its held-out photos counted
at a low threshold, the plain copy of ID among them) and sweep-repaired-ID-detections.csv (the
repaired dotted copy of ID, counted the same way). The matching is scripts/threshold_match.py's,
as for views and JPEG quality, with the nearest of the best thresholds to BASE: the smallest change
that makes the counts agree (0 where they already do).
"""
import statistics
import sys

sys.path.insert(0, sys.argv[1] + "/scripts")
from threshold_match import counts_of, matching_threshold, read_detections  # noqa: E402

CLASSES = ["adult_males", "subadult_males", "adult_females", "juveniles", "pups"]


def of_photo(path, photo):
    return [d for d in read_detections(path) if d[0] == photo]


def per_class(counts, photo):
    return ",".join(str(counts[(photo, c)]) for c in CLASSES)


def main():
    base = float(sys.argv[2])
    offsets = []
    for pair in sys.argv[3:]:
        fold, photo = pair.rsplit(":", 1)
        plain = of_photo(f"{fold}/sweep-detections.csv", photo)
        reference = counts_of(of_photo(f"{fold}/sweep-repaired-{photo}-detections.csv", photo), base)
        threshold, _, _ = matching_threshold(reference, plain, prefer=base)
        offsets.append(threshold - base)
        print(f"{fold} photo {photo}: plain counts as repaired at {base} "
              f"({per_class(reference, photo)}) at {threshold:.3f} (offset {threshold - base:+.3f}; "
              f"plain at {base}: {per_class(counts_of(plain, base), photo)})")
    above = sum(1 for o in offsets if o > 0)
    below = sum(1 for o in offsets if o < 0)
    print(f"offset over {len(offsets)} photo(s): mean {statistics.mean(offsets):+.4f}, median "
          f"{statistics.median(offsets):+.4f}; {above} above 0, {below} below")


if __name__ == "__main__":
    main()
