"""The point counter's network and loss in Python PyTorch: the same layers as
src/sealion/nn/point_net.cc and the same loss as src/sealion/nn/point_targets.cc, for the
training-throughput baseline of bench/points_vs_tiles.sh. Prints crops/s over SECONDS of
training after a warm-up.

Without PHOTOS the crops are random tensors made once (the network alone: the baseline gets its
crops for free). With PHOTOS (plain photos, and COORDS, a coords.csv), every batch is cut from
the decoded photos with the augmentation sealion applies (window near an animal or anywhere,
quarter turns, flip, exposure and colour gain, 10% blur, 30% JPEG recompression at quality
30-95) and its targets drawn, in the training loop, as a straightforward Python trainer would.

usage: /usr/bin/python3 point_net.py CROP BATCH THREADS SECONDS [COORDS PHOTO...]
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn_relu(cin, cout, kernel, stride):
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride, 1 if kernel == 3 else 0, bias=False),
        nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class PointNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn_relu(3, 16, 4, 4)
        self.enc8 = nn.Sequential(conv_bn_relu(16, 32, 3, 2), conv_bn_relu(32, 32, 3, 1))
        self.enc16 = nn.Sequential(conv_bn_relu(32, 96, 3, 2), conv_bn_relu(96, 96, 3, 1))
        self.enc32 = nn.Sequential(conv_bn_relu(96, 128, 3, 2), conv_bn_relu(128, 128, 3, 1))
        self.lateral16, self.dec16 = nn.Conv2d(128, 96, 1), conv_bn_relu(96, 64, 3, 1)
        self.lateral8, self.dec8 = nn.Conv2d(64, 32, 1), conv_bn_relu(32, 32, 3, 1)
        self.lateral4, self.dec4 = nn.Conv2d(32, 16, 1), conv_bn_relu(16, 16, 3, 1)
        self.head = nn.Conv2d(16, 6, 1)
        self.class_context = nn.Conv2d(64, 5, 1)

    def forward(self, x):
        up = lambda t, f=2: F.interpolate(t, scale_factor=f, mode="nearest")
        x4 = self.stem(x)
        x8 = self.enc8(x4)
        x16 = self.enc16(x8)
        x32 = self.enc32(x16)
        y16 = self.dec16(up(self.lateral16(x32)) + x16)
        y = self.dec8(up(self.lateral8(y16)) + x8)
        y = self.dec4(up(self.lateral4(y)) + x4)
        out = self.head(y)
        classes = out[:, 1:] + up(self.class_context(y16), 4)
        return torch.cat([out[:, :1], classes], 1)


def loss_fn(out, heat, weight, classes):
    logits = out[:, 0]
    p = torch.sigmoid(logits)
    pos = (heat == 1).float() * weight
    neg = (1 - (heat == 1).float()) * weight
    loss = -(F.logsigmoid(logits) * (1 - p) ** 2 * pos).sum()
    loss = loss - (F.logsigmoid(-logits) * p ** 2 * (1 - heat) ** 4 * neg).sum()
    loss = loss / pos.sum().clamp(min=1)
    labelled = (classes >= 0) & (weight > 0)
    class_logits = out[:, 1:].permute(0, 2, 3, 1)[labelled]
    return loss + F.cross_entropy(class_logits, classes[labelled])


BODY = [120, 100, 80, 60, 40]
CLASSES = ["adult_males", "subadult_males", "adult_females", "juveniles", "pups"]


class CropMaker:
    """Cuts augmented crops and their targets from decoded photos, as sealion does."""

    def __init__(self, coords, photos, crop, seed=1):
        import csv
        import os
        import cv2
        import numpy as np
        self.cv2, self.np, self.crop = cv2, np, crop
        self.rng = np.random.default_rng(seed)
        self.images, self.animals = [], []
        by_id = {}
        for row in csv.reader(open(coords)):
            if row[0].isdigit():
                by_id.setdefault(int(row[0]), []).append((float(row[2]), float(row[3]), CLASSES.index(row[1])))
        for path in photos:
            pid = int(os.path.splitext(os.path.basename(path))[0])
            self.images.append(cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB))
            self.animals.append(by_id.get(pid, []))

    def one(self):
        np, cv2, crop, rng = self.np, self.cv2, self.crop, self.rng
        k = rng.integers(len(self.images))
        image, animals = self.images[k], self.animals[k]
        h, w = image.shape[:2]
        if animals and rng.random() < 0.6:
            ax, ay, _ = animals[rng.integers(len(animals))]
            cx, cy = ax + rng.uniform(-0.4, 0.4) * crop, ay + rng.uniform(-0.4, 0.4) * crop
        else:
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        x0, y0 = int(round(cx - crop / 2)), int(round(cy - crop / 2))
        out = np.full((crop, crop, 3), 128, np.uint8)
        sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(w, x0 + crop), min(h, y0 + crop)
        if sx1 > sx0 and sy1 > sy0:
            out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = image[sy0:sy1, sx0:sx1]
        points = [(x - x0, y - y0, c) for x, y, c in animals if 0 <= x - x0 < crop and 0 <= y - y0 < crop]
        for _ in range(rng.integers(4)):
            out = np.ascontiguousarray(np.rot90(out, -1))
            points = [(crop - 1 - y, x, c) for x, y, c in points]
        if rng.integers(2):
            out = np.ascontiguousarray(out[:, ::-1])
            points = [(crop - 1 - x, y, c) for x, y, c in points]
        gain = np.exp(rng.uniform(-0.3, 0.3)) * np.exp(rng.normal(0, 0.06, 3))
        out = np.clip(out * gain, 0, 255).astype(np.uint8)
        if rng.random() < 0.1:
            out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 1.2))
        if rng.random() < 0.3:
            ok, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 96))])
            out = cv2.imdecode(data, cv2.IMREAD_COLOR)
        cells = crop // 4
        heat = np.zeros((cells, cells), np.float32)
        classes = np.full((cells, cells), -1, np.int64)
        for x, y, c in points:  # a Gaussian in a window of 3 sigma, as CenterNet draws them
            gx, gy = int(x // 4), int(y // 4)
            sigma = BODY[c] / 8 / 4
            r = int(np.ceil(3 * sigma))
            x_lo, x_hi, y_lo, y_hi = max(0, gx - r), min(cells, gx + r + 1), max(0, gy - r), min(cells, gy + r + 1)
            yy, xx = np.mgrid[y_lo:y_hi, x_lo:x_hi]
            window = np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * sigma * sigma))
            heat[y_lo:y_hi, x_lo:x_hi] = np.maximum(heat[y_lo:y_hi, x_lo:x_hi], window)
            heat[gy, gx] = 1.0
            for dx, dy in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)):
                if 0 <= gx + dx < cells and 0 <= gy + dy < cells:
                    classes[gy + dy, gx + dx] = c
        return out, heat, classes

    def batch(self, n):
        parts = [self.one() for _ in range(n)]
        images = torch.from_numpy(self.np.stack([p[0] for p in parts])).permute(0, 3, 1, 2)
        images = images.float().div_(255).sub_(0.5).contiguous(memory_format=torch.channels_last)
        heat = torch.from_numpy(self.np.stack([p[1] for p in parts]))
        classes = torch.from_numpy(self.np.stack([p[2] for p in parts]))
        return images, heat, torch.ones_like(heat), classes


def main():
    crop, batch, threads, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    maker = CropMaker(sys.argv[5], sys.argv[6:], crop) if len(sys.argv) > 6 else None
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = PointNet().to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(net.parameters(), 2e-3)
    cells = crop // 4
    images = torch.rand(batch, 3, crop, crop).sub_(0.5).contiguous(memory_format=torch.channels_last)
    heat = torch.zeros(batch, cells, cells)
    classes = torch.full((batch, cells, cells), -1, dtype=torch.long)
    for i in range(batch):
        for k in range(8):
            y, x = (i * 7 + k * 13) % cells, (i * 11 + k * 5) % cells
            heat[i, y, x] = 1.0
            classes[i, y, x] = k % 5
    weight = torch.ones(batch, cells, cells)
    net.train()
    done, start, warm = 0, None, 3
    while True:
        if maker is not None:
            images, heat, weight, classes = maker.batch(batch)
        out = net(images)
        loss = loss_fn(out, heat, weight, classes)
        opt.zero_grad()
        loss.backward()
        opt.step()
        warm -= 1
        if warm == 0:
            start = time.time()
        elif warm < 0:
            done += batch
            if time.time() - start > seconds:
                break
    print(f"crops/s {done / (time.time() - start):.1f}")


if __name__ == "__main__":
    main()
