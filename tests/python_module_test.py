"""The Python module `sealion` checked against the `sealion` program (tests/python_module_test.sh).

A photo counted by path, by pathlib.Path and as NumPy arrays of any layout gives the same counts
and detections, and the same as `sealion count` on that photo (a JPEG; the array also as a PNG
written here, which checks its RGB order); counts agree with the detection rows; synth writes the
bytes `sealion synth --layouts model` writes; export writes the bytes `sealion export` writes, and
read_labels gives the exported points back; photos lists what `sealion count` would count, with
its ids; errors name what is wrong; count releases the GIL.

usage: python_module_test.py SEALION_BINARY MODEL    (in an empty folder; the module importable)
"""

import csv
import filecmp
import pathlib
import struct
import subprocess
import sys
import threading
import time
import zlib

import numpy as np
import sealion

SEALION, MODEL = sys.argv[1], sys.argv[2]
CLASSES = ("adult_males", "subadult_males", "adult_females", "juveniles", "pups")


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def run(*args):
    done = subprocess.run([SEALION, *map(str, args)], capture_output=True, text=True)
    check(done.returncode == 0, f"sealion {' '.join(map(str, args))}: {done.stdout}{done.stderr}")


def raises(kind, words, function, *args, **kwargs):
    """Calls function(*args, **kwargs), which must raise `kind` with every one of `words`."""
    try:
        function(*args, **kwargs)
    except kind as error:
        for word in words:
            check(word in str(error), f"{kind.__name__} does not say {word!r}: {error}")
        return
    raise AssertionError(f"no {kind.__name__} ({', '.join(words)}) from {function.__name__}")


def same_count(a, b, what):
    check(a.counts == b.counts, f"{what}: counts {a.counts} vs {b.counts}")
    check(np.array_equal(a.detections, b.detections), f"{what}: other detections")


def write_png(path, rgb):
    """An 8-bit RGB PNG without compression filters (enough for a decoder to read)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    height, width, _ = rgb.shape
    rows = b"".join(b"\x00" + rgb[row].tobytes() for row in range(height))
    pathlib.Path(path).write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def cli_count(photo, *flags):
    """`sealion count` on one photo: (counts, detection rows as an N x 4 array x, y, class, score)."""
    run("count", photo, "--model", MODEL, "-o", "cli.csv", "--detections", "cli.det.csv",
        "--threads", 2, *flags)
    [row] = list(csv.DictReader(open("cli.csv")))
    counts = {name: int(row[name]) for name in CLASSES}
    rows = [[float(r["x"]), float(r["y"]), CLASSES.index(r["class"]), float(r["score"])]
            for r in csv.DictReader(open("cli.det.csv"))]
    return counts, np.array(rows, dtype=np.float64).reshape(-1, 4)


def same_as_cli(count, photo, what, *flags):
    counts, rows = cli_count(photo, *flags)
    check(count.counts == counts, f"{what}: Python {count.counts}, sealion count {counts}")
    order = lambda table: table[np.lexsort(table.T[::-1])]
    check(np.array_equal(order(count.detections), order(rows)),
          f"{what}: detections differ from sealion count --detections")


def test_classes_and_errors_type():
    check(sealion.CLASSES == CLASSES, f"CLASSES {sealion.CLASSES}")
    check(issubclass(sealion.Error, RuntimeError), "sealion.Error is not a RuntimeError")


def test_synth():
    summary = sealion.synth("survey", train=1, test=2, seed=8)  # 1024 x 768
    check(summary["train_photos"] == 1 and summary["test_photos"] == 2, f"synth: {summary}")
    run("synth", "-o", "cli-survey", "--layouts", "model", "--train", 1, "--test", 2,
        "--width", 1024, "--height", 768, "--seed", 8)
    files = sorted(p.relative_to("survey") for p in pathlib.Path("survey").rglob("*") if p.is_file())
    check(len(files) > 8, f"synth wrote only {files}")
    _, mismatch, errors = filecmp.cmpfiles("survey", "cli-survey", files, shallow=False)
    check(not mismatch and not errors, f"synth differs from sealion synth: {mismatch + errors}")
    truth = sealion.read_labels("survey/test_coords.csv")
    check(sum(len(a) for a in truth.values()) == summary["test_animals"],
          f"read_labels(test_coords.csv) {[len(a) for a in truth.values()]} vs {summary}")
    raises(sealion.Error, ["survey"], sealion.synth, "survey", train=0, test=1)
    check(sealion.synth("survey", train=0, test=1, replace=True)["test_photos"] == 1, "replace")
    sealion.synth("survey", train=1, test=2, seed=8, replace=True)


def test_photos():
    """photos lists what `sealion count` counts, with its ids, by name or by order."""
    folder = pathlib.Path("survey/Test")
    want = sorted((int(p.stem), p) for p in folder.glob("*.jpg"))
    got = sealion.photos(folder)
    check(sorted(got) == want, f"photos(folder) {got}, want {want}")
    check(all(isinstance(path, pathlib.Path) for _, path in got), f"paths {got}")
    check(sealion.photos(str(want[0][1])) == [want[0]], "photos(one str path)")
    pathlib.Path("photos.txt").write_text("".join(f"{path}\n" for _, path in want))
    check(sealion.photos("@photos.txt") == want, f"photos(@list) {sealion.photos('@photos.txt')}")
    by_order = sealion.photos([path for _, path in reversed(want)], ids_from_order=True)
    check(by_order == [(i, path) for i, (_, path) in enumerate(reversed(want))],
          f"photos(ids_from_order) {by_order}")
    renamed = pathlib.Path("DSC_0042.jpg")
    renamed.write_bytes(want[0][1].read_bytes())
    raises(sealion.Error, ["DSC_0042.jpg", "ids-from-order"], sealion.photos, renamed)
    check(sealion.photos([renamed], ids_from_order=True) == [(0, renamed)], "DSC by order")
    raises(sealion.Error, ["twice"], sealion.photos, [want[0][1], want[0][1]])
    raises(sealion.Error, ["nowhere"], sealion.photos, "nowhere")
    raises(sealion.Error, ["no photos", "survey"], sealion.photos, "survey")  # Test/ is below
    raises(TypeError, [], sealion.photos, 42)


def test_counts(model):
    photos = sorted(pathlib.Path("survey/Test").glob("*.jpg"))
    counts = [model.count(str(photo), photo_id=7) for photo in photos]
    best = max(range(len(photos)), key=lambda i: len(counts[i].detections))
    photo, count = photos[best], counts[best]
    check(len(count.detections) >= 3, f"only {len(count.detections)} detections: proves little")
    check(count.photo_id == 7 and count.method == "points", repr(count))
    check(list(count.counts) == list(CLASSES), f"count keys {list(count.counts)}")
    check(count.detections.shape[1] == 4 and count.detections.dtype == np.float64, "detections")
    per_class = np.bincount(count.detections[:, 2].astype(int), minlength=5).tolist()
    check(per_class == list(count.counts.values()), f"rows per class {per_class}, {count.counts}")
    same_count(model.count(photo), count, "pathlib.Path")
    same_as_cli(count, photo, "JPEG by path")

    rgb = sealion.read_photo(photo)
    check(rgb.shape == (768, 1024, 3) and rgb.dtype == np.uint8, f"read_photo: {rgb.shape}")
    padded = np.pad(rgb, ((1, 1), (2, 2), (0, 0)))
    layouts = {"C-contiguous": rgb, "Fortran order": np.asfortranarray(rgb),
               "a slice with padded rows": padded[1:-1, 2:-2],
               "rows upside down": np.ascontiguousarray(rgb[::-1])[::-1],
               "planes": np.ascontiguousarray(rgb.transpose(2, 0, 1)).transpose(1, 2, 0)}
    # An array has no JPEG quality: it counts at the model's own threshold, as the same pixels in
    # a PNG do (below), while the JPEG by path is counted at the threshold the shipped model's
    # calibration gives its quality (synth writes 90, under the calibration photos' 95). With a
    # threshold of one's own, which turns that off, path and array count alike.
    array_count = model.count(rgb, photo_id=7)
    for what, array in layouts.items():
        same_count(model.count(array, photo_id=7), array_count, f"array, {what}")
    fixed = sealion.Model(MODEL, threshold=0.4, threads=2)
    same_count(fixed.count(rgb, photo_id=7), fixed.count(str(photo), photo_id=7),
               "array and path at a threshold of one's own")
    bgr = model.count(rgb[..., ::-1])
    check(not np.array_equal(bgr.detections, count.detections), "BGR counted as RGB")
    write_png("5.png", rgb)
    check(np.array_equal(sealion.read_photo("5.png"), rgb), "PNG written here reads back other")
    same_as_cli(model.count(rgb), "5.png", "array as PNG")

    # Below the shipped model's threshold (0.39) and at no more than its suppression (0.20).
    lower = sealion.Model(MODEL, threshold=0.1, suppression=0.15, threads=2)
    check("threshold 0.10, suppression 0.15" in repr(lower), repr(lower))
    loose = lower.count(photo)
    check(len(loose.detections) > len(count.detections), "threshold 0.1 found no more animals")
    same_as_cli(loose, photo, "threshold 0.1", "--threshold", 0.1, "--suppression", 0.15)
    averaged = sealion.Model(MODEL, threshold=0.3, views=4, threads=2)
    check("4 views averaged" in repr(averaged), repr(averaged))
    same_as_cli(averaged.count(photo), photo, "4 views", "--threshold", 0.3, "--views", 4)
    return photos, counts


def test_errors(model):
    raises(sealion.Error, ["missing.bin"], sealion.Model, "missing.bin")
    raises(sealion.Error, ["nowhere/12.jpg"], model.count, "nowhere/12.jpg")
    pathlib.Path("13.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a JPEG")
    raises(sealion.Error, ["13.jpg"], model.count, "13.jpg")
    raises(ValueError, ["(10, 10)", "(height, width, 3)"], model.count, np.zeros((10, 10), np.uint8))
    raises(ValueError, ["(10, 10, 4)"], model.count, np.zeros((10, 10, 4), np.uint8))
    raises(ValueError, ["(0, 10, 3)"], model.count, np.zeros((0, 10, 3), np.uint8))
    raises(TypeError, ["uint8", "float"], model.count, np.zeros((10, 10, 3)))
    raises(TypeError, ["path", "int"], model.count, 42)
    raises(ValueError, ["threshold", "1.5"], sealion.Model, MODEL, threshold=1.5)
    raises(ValueError, ["suppression"], sealion.Model, MODEL, suppression=-0.5)
    raises(ValueError, ["threads"], sealion.Model, MODEL, threads=-1)
    raises(ValueError, ["views", "3"], sealion.Model, MODEL, views=3)


def test_gil(model):
    """While one thread counts, this one runs: count releases the GIL. Held, it would stop this
    thread's loop for the whole count."""
    # A count long enough to see a pause in, on a fast machine too: an image of noise, doubled
    # until one count takes at least 0.1 s (the small test photo took 0.036 s on one machine).
    image = np.random.default_rng(5).integers(0, 256, (512, 512, 3), dtype=np.uint8)
    while True:
        started = time.perf_counter()
        model.count(image)
        alone = time.perf_counter() - started
        if alone >= 0.1 or image.shape[0] * image.shape[1] > 64_000_000:
            break
        image = np.ascontiguousarray(np.tile(image, (2, 2, 1)))
    check(alone > 0.05, f"a count took {alone:.3f} s: too short to tell whether the GIL is held")
    worker = threading.Thread(target=model.count, args=(image,))
    longest_pause, last = 0.0, time.perf_counter()
    worker.start()
    while worker.is_alive():
        now = time.perf_counter()
        longest_pause, last = max(longest_pause, now - last), now
    worker.join()
    print(f"GIL: longest pause {longest_pause:.4f} s during a {alone:.3f} s count")
    check(longest_pause < alone / 2,
          f"this thread stood still for {longest_pause:.3f} s of a {alone:.3f} s count: GIL held")


def test_export_and_labels(photos, counts):
    with open("detections.csv", "w") as out:
        out.write("test_id,class,x,y,score\n")
        for photo, count in zip(photos, counts):
            for x, y, c, score in count.detections:
                out.write(f"{photo.stem},{CLASSES[int(c)]},{x:.1f},{y:.1f},{score:.4f}\n")
    total = sum(len(c.detections) for c in counts)
    summary = sealion.export("detections.csv", "viame", "animals.viame.csv")
    check(summary["detections"] == total and not summary["tiles"], f"export: {summary}")
    for labels in ("animals.viame.csv", "detections.csv"):
        animals = sealion.read_labels(labels)
        for photo, count in zip(photos, counts):
            got = animals.get(int(photo.stem), np.zeros((0, 3)))
            want = count.detections[:, :3]
            check(got.shape == want.shape, f"{labels}, {photo.name}: {len(got)} of {len(want)}")
            order = lambda table: table[np.lexsort(table.T[::-1])]
            check(np.allclose(order(got), order(want), atol=0.01, rtol=0),
                  f"{labels}, {photo.name}: other points or classes")
    with open("submission.csv", "w") as out:
        out.write("test_id," + ",".join(CLASSES) + "\n")
        for photo, count in zip(photos, counts):
            out.write(f"{photo.stem}," + ",".join(map(str, count.counts.values())) + "\n")
    sealion.export("detections.csv", "coco", "animals.json", photos=pathlib.Path("survey/Test"))
    sealion.export("detections.csv", "totals", "totals.csv", submission="submission.csv")
    run("export", "detections.csv", "--format", "coco", "--photos", "survey/Test", "-o", "cli.json")
    run("export", "detections.csv", "--format", "totals", "--submission", "submission.csv",
        "-o", "cli-totals.csv")
    check(filecmp.cmp("animals.json", "cli.json", shallow=False), "COCO differs from the CLI's")
    check(filecmp.cmp("totals.csv", "cli-totals.csv", shallow=False), "totals differ")
    raises(ValueError, ["'kml'"], sealion.export, "detections.csv", "kml", "out.kml")
    raises(sealion.Error, ["output", "detections"], sealion.export, "detections.csv", "totals",
           "detections.csv")
    raises(sealion.Error, ["EPSG"], sealion.export, "detections.csv", "geojson", "a.json", crs="x")
    raises(ValueError, ["crs", "geojson"], sealion.export, "detections.csv", "viame", "a.csv",
           crs="EPSG:32602")
    raises(ValueError, ["coco", "photos"], sealion.export, "detections.csv", "coco", "a.json")
    raises(sealion.Error, ["nothing.csv"], sealion.read_labels, "nothing.csv")


def main():
    test_classes_and_errors_type()
    test_synth()
    test_photos()
    model = sealion.Model(MODEL, threads=2)
    check(model.method == "points", f"method {model.method}")
    photos, counts = test_counts(model)
    test_errors(model)
    test_gil(model)
    test_export_and_labels(photos, counts)
    print(f"python checks passed: {len(photos)} photos, "
          f"{sum(len(c.detections) for c in counts)} detections")


if __name__ == "__main__":
    main()
