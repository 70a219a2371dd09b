"""Builds two small TorchScript modules as an ML engineer would export them from Python, with the
JSON sidecars `sealion count --model` reads, and counts photos with them in Python: the counts
that `sealion count` must reproduce (tests/torchscript_test.sh).

usage: /usr/bin/python3 torchscript_models.py OUT_DIR PHOTO...

Writes OUT_DIR/tiles.pt (+ .pt.json), OUT_DIR/points.pt (+ .pt.json) and OUT_DIR/expected.json
({"tiles": {photo: [5 counts]}, "points": {...}}). The modules are not trained: their weights are
fixed by a seed and by hand (the point module finds bright blobs), but their sidecars use the
options a real export would (BGR input with ImageNet normalisation, channels in another order,
probabilities instead of logits), so the parity test covers that sealion reads them as stated.
"""
import json
import os
import sys

import cv2
import numpy as np
import torch
import torch.nn.functional as F

CLASSES = ["adult_males", "subadult_males", "adult_females", "juveniles", "pups"]
BODY_LENGTH = [120, 100, 80, 60, 40]  # core/point_match.h
MEAN = [0.406, 0.456, 0.485]  # BGR order: ImageNet's mean and std
STD = [0.225, 0.224, 0.229]


class TileClassifier(torch.nn.Module):
    """N x 3 x 64 x 64 (BGR, normalised) -> N x 6 logits, channels in TILE_CHANNELS order."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 5, stride=4)
        self.linear = torch.nn.Linear(8, 6)

    def forward(self, x):
        features = F.relu(self.conv(x)).mean(dim=(2, 3))
        return self.linear(features)


TILE_CHANNELS = ["non_seal", "pups", "juveniles", "adult_females", "subadult_males", "adult_males"]


class BlobFinder(torch.nn.Module):
    """1 x 3 x H x W -> 1 x 6 x H/4 x W/4 probabilities, channels in POINT_CHANNELS order: the
    heatmap says how much brighter a 4x4 cell is than its 36x36 surroundings."""

    def __init__(self):
        super().__init__()
        self.classes = torch.nn.Conv2d(3, 5, 1)

    def forward(self, x):
        grey = x.mean(dim=1, keepdim=True)
        cells = F.avg_pool2d(grey, 4)
        surround = F.avg_pool2d(cells, 9, stride=1, padding=4, count_include_pad=False)
        heat = torch.sigmoid(6.0 * (cells - surround) - 1.0)
        classes = torch.softmax(self.classes(F.avg_pool2d(x, 4)), dim=1)
        return torch.cat([classes[:, :2], heat, classes[:, 2:]], dim=1)


POINT_CHANNELS = ["adult_males", "subadult_males", "heatmap", "adult_females", "juveniles", "pups"]
THRESHOLD, SUPPRESSION = 0.6, 0.4


def network_input(photo_bgr):
    x = torch.from_numpy(photo_bgr).permute(2, 0, 1).float().div(255.0).unsqueeze(0)
    return (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


def count_tiles(module, photo_bgr):
    rows, cols = photo_bgr.shape[0] // 64, photo_bgr.shape[1] // 64
    tiles = [photo_bgr[r * 64:(r + 1) * 64, c * 64:(c + 1) * 64] for r in range(rows) for c in range(cols)]
    counts = [0] * 5
    with torch.no_grad():
        for start in range(0, len(tiles), 64):
            batch = torch.cat([network_input(t) for t in tiles[start:start + 64]])
            for channel in module(batch).argmax(dim=1).tolist():
                name = TILE_CHANNELS[channel]
                if name != "non_seal":
                    counts[CLASSES.index(name)] += 1
    return counts


def count_points(module, photo_bgr):
    height, width = photo_bgr.shape[:2]  # one tile: sealion cuts photos above 6144 x 2048
    padded = cv2.copyMakeBorder(photo_bgr, 0, -height % 32, 0, -width % 32, cv2.BORDER_REPLICATE)
    with torch.no_grad():
        out = module(network_input(padded))[0]
    heat = out[POINT_CHANNELS.index("heatmap")]
    probability = torch.stack([out[POINT_CHANNELS.index(c)] for c in CLASSES])
    pooled = F.max_pool2d(heat[None, None], 3, stride=1, padding=1)[0, 0]
    peaks = ((heat == pooled) & (heat >= THRESHOLD)).nonzero().tolist()
    found = []
    for cy, cx in peaks:
        x, y = 4 * cx + 1.5, 4 * cy + 1.5
        if x >= width or y >= height:
            continue
        window = probability[:, max(0, cy - 1):cy + 2, max(0, cx - 1):cx + 2]
        found.append((float(heat[cy, cx]), y, x, int(window.sum(dim=(1, 2)).argmax())))
    found.sort(key=lambda f: (-f[0], f[1], f[2]))
    kept = []
    for score, y, x, c in found:
        if all((x - kx) ** 2 + (y - ky) ** 2 >= (SUPPRESSION * max(BODY_LENGTH[c], BODY_LENGTH[kc])) ** 2
               for _, ky, kx, kc in kept):
            kept.append((score, y, x, c))
    counts = [0] * 5
    for _, _, _, c in kept:
        counts[c] += 1
    return counts


def main():
    out_dir, photos = sys.argv[1], sys.argv[2:]
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(7)
    tiles, points = TileClassifier().eval(), BlobFinder().eval()
    torch.jit.save(torch.jit.script(tiles), os.path.join(out_dir, "tiles.pt"))
    torch.jit.save(torch.jit.script(points), os.path.join(out_dir, "points.pt"))
    normalisation = {"channel_order": "BGR", "mean": MEAN, "std": STD}
    json.dump({"method": "tiles", "input": dict(normalisation, tile_size=64),
               "output": {"channels": TILE_CHANNELS, "kind": "logits"}},
              open(os.path.join(out_dir, "tiles.pt.json"), "w"), indent=1)
    json.dump({"method": "points", "input": normalisation,
               "output": {"channels": POINT_CHANNELS, "kind": "probabilities", "stride": 4},
               "detection": {"threshold": THRESHOLD, "suppression_fraction": SUPPRESSION}},
              open(os.path.join(out_dir, "points.pt.json"), "w"), indent=1)
    expected = {"tiles": {}, "points": {}}
    for photo in photos:
        image = cv2.imread(photo, cv2.IMREAD_COLOR)
        name = os.path.splitext(os.path.basename(photo))[0]
        expected["tiles"][name] = count_tiles(tiles, image)
        expected["points"][name] = count_points(points, image)
    json.dump(expected, open(os.path.join(out_dir, "expected.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
