#!/usr/bin/python3
"""The seed's extraction, as the public Kaggle kernels wrote it: |dotted - plain|, dark pixels of
the dotted photo masked out, scikit-image blob_log on the grey difference, then the class from the
dotted photo's colour at each blob centre. A baseline for bench/extract_vs_skimage.sh.

usage: seed_extract.py DATASET_DIR ID [ID ...]   (prints one line per photo: id and five counts)
"""
import sys
import time

import cv2
import numpy as np
import skimage.feature


def classify(b, g, r):
    if r > 200 and g < 50 and b < 50:
        return 0  # adult_males, red
    if r > 200 and g < 50 and b > 200:
        return 1  # subadult_males, magenta
    if 50 < r < 150 and g < 100 and b < 50:
        return 2  # adult_females, brown
    if r < 100 and 100 < b and g < 100:
        return 3  # juveniles, blue
    if r < 100 and g > 100 and b < 100:
        return 4  # pups, green
    return -1


def extract(dataset, photo_id):
    dotted = cv2.imread(f"{dataset}/TrainDotted/{photo_id}.jpg")
    plain = cv2.imread(f"{dataset}/Train/{photo_id}.jpg")
    difference = cv2.absdiff(dotted, plain)
    mask = cv2.cvtColor(dotted, cv2.COLOR_BGR2GRAY)
    mask[mask < 20] = 0
    mask[mask > 0] = 255
    difference = cv2.bitwise_or(difference, difference, mask=mask)
    grey = cv2.cvtColor(difference, cv2.COLOR_BGR2GRAY)
    blobs = skimage.feature.blob_log(grey, min_sigma=3, max_sigma=4, num_sigma=1, threshold=0.02)
    counts = [0] * 5
    for y, x, _ in blobs:
        b, g, r = dotted[int(y)][int(x)][:]
        c = classify(int(b), int(g), int(r))
        if c >= 0:
            counts[c] += 1
    return counts


def main():
    dataset, ids = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    for photo_id in ids:
        print(photo_id, *extract(dataset, photo_id), flush=True)
    elapsed = time.perf_counter() - start
    print(f"seconds {elapsed:.3f} images {len(ids)}", flush=True)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
