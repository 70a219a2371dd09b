"""Design trials for the point counter on a GPU: the cross-validation of bench/real_cv.sh
(4 folds by photo over the 12 real photos) with the network of point_net.py, trained in
Python PyTorch with the whole data pipeline on the GPU, so that designs that would take hours
on 2 CPU cores can be compared in minutes. Nothing here is part of the product: a design that
wins is carried into the C++ trainer and measured there.

One process trains one (variant, fold) and counts that fold's held-out photos with 8 views,
at every threshold of a grid, plus, for a plain photo, its repaired copy and its copies cropped
by 1-16 px or re-encoded as JPEG 90 (the count's own spread). Writes one JSON.

The data it reads are the copies bench/real_cv.sh made (never part of the repository):
  IMAGES/ID.jpg    the test copies: plain with the dotted copy's masks for 42/44/50, the
                   repaired dotted copy for the rest; also the training images
  REPAIRED/ID.jpg  the repaired dotted copies of 42, 44, 50
  COORDS           extract's coords.csv (train_id,class,x,y)

usage: python3 gpu_point_cv.py --images DIR --repaired DIR --coords CSV --fold K
         --variant NAME --crops N --deadline UNIX_TIME --out FILE.json [--views 8]
Variants: base (point_net.py as is), aa (the input low-passed before the stride-4 stem).
"""
import argparse
import csv
import json
import math
import os
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from point_net import BODY, CLASSES, PointNet  # noqa: E402

FOLDS = [[42, 2, 10], [44, 3, 21], [50, 8, 49], [41, 45, 9]]
PLAIN = {42, 44, 50}
THRESHOLDS = [round(0.10 + 0.025 * i, 3) for i in range(23)]  # 0.10 .. 0.65
SUPPRESSION = 0.2
CANDIDATE_FLOOR = 0.10
MAX_CANDIDATES = 20000  # an untrained network peaks everywhere; a trained one a few thousand
MAX_MATCHED = 3000  # more detections than this at a threshold: not matched (counts only)
PAD = 320  # pixels of zero weight around each photo, so that windows never leave the tensor


class LowPassInput(nn.Module):
    """A fixed binomial [1 4 6 4 1]/16 blur of the input (sigma 1 px) before the stride-4 stem."""

    def __init__(self):
        super().__init__()
        k = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16
        self.register_buffer("kernel", (k[:, None] * k[None, :]).expand(3, 1, 5, 5).clone())

    def forward(self, x):
        return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="replicate"), self.kernel, groups=3)


class Net(nn.Module):
    def __init__(self, variant):
        super().__init__()
        self.low_pass = LowPassInput() if variant.startswith("aa") else None
        self.net = PointNet()

    def forward(self, x):
        if self.low_pass is not None:
            x = self.low_pass(x)
        return self.net(x)


def read_coords(path):
    by_id = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            by_id.setdefault(int(row["train_id"]), []).append(
                (float(row["x"]), float(row["y"]), CLASSES.index(row["class"])))
    return by_id


def load_photo(path, device):
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        raise RuntimeError(f"{path}: cannot read the image")
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    # The dotted copies' black masks (R+G+B < 40 after JPEG), small dark spots dropped.
    masked = (rgb.astype(np.int32).sum(2) < 40).astype(np.uint8)
    masked = cv2.morphologyEx(masked, cv2.MORPH_OPEN, np.ones((9, 9), np.uint8))
    return rgb, masked


def class_weights(counts):
    counts = np.asarray(counts, np.float64)
    present = counts > 0
    weights = np.ones(5)
    if counts.sum() == 0:
        return weights
    mean = counts.sum() / present.sum()
    weights[present] = np.sqrt(mean / counts[present])
    weights *= counts.sum() / (weights * counts).sum()
    return np.clip(weights, 0.25, 4.0)


class GpuCrops:
    """Augmented training crops and their targets, made on the device in batches."""

    def __init__(self, photos, animals, crop, device, seed):
        self.crop, self.device = crop, device
        self.gen = torch.Generator(device=device)
        self.gen.manual_seed(seed)
        self.images, self.valid, self.sizes = [], [], []
        for rgb, masked in photos:
            h, w = masked.shape
            image = torch.zeros(3, h + 2 * PAD, w + 2 * PAD, dtype=torch.uint8, device=device)
            image[:, PAD:PAD + h, PAD:PAD + w] = torch.from_numpy(rgb).to(device).permute(2, 0, 1)
            valid = torch.zeros(1, h + 2 * PAD, w + 2 * PAD, dtype=torch.uint8, device=device)
            valid[0, PAD:PAD + h, PAD:PAD + w] = torch.from_numpy(1 - masked).to(device)
            self.images.append(image)
            self.valid.append(valid)
            self.sizes.append((w, h))
        most = max(1, max(len(a) for a in animals))
        self.animals = torch.full((len(animals), most, 3), -1.0, device=device)
        self.counts = torch.tensor([len(a) for a in animals], device=device)
        for k, a in enumerate(animals):
            if a:
                self.animals[k, :len(a)] = torch.tensor(a, device=device)
        self.window = int(math.ceil(crop * 1.3)) + 8
        o = torch.arange(crop, device=device, dtype=torch.float32) + 0.5 - crop / 2
        self.offsets = torch.stack(torch.meshgrid(o, o, indexing="xy"), -1)  # crop x crop x (x, y)
        # The 8 signed permutations: quarter turns and flips.
        mats = []
        for transpose in (0, 1):
            for fx in (1, -1):
                for fy in (1, -1):
                    m = torch.tensor([[fx, 0], [0, fy]], dtype=torch.float32)
                    if transpose:
                        m = m[[1, 0]]
                    mats.append(m)
        self.turns = torch.stack(mats).to(device)
        self.body = torch.tensor(BODY, dtype=torch.float32, device=device)

    def rand(self, *shape):
        return torch.rand(*shape, generator=self.gen, device=self.device)

    def batch(self, n):
        crop, dev = self.crop, self.device
        photo = torch.randint(len(self.images), (n,), generator=self.gen, device=dev)
        sizes = torch.tensor(self.sizes, device=dev, dtype=torch.float32)[photo]
        near = (self.rand(n) < 0.6) & (self.counts[photo] > 0)
        pick = (self.rand(n) * self.counts[photo].clamp(min=1)).long()
        chosen = self.animals[photo, pick, :2]
        anywhere = self.rand(n, 2) * sizes
        jitter = (self.rand(n, 2) - 0.5) * 0.8 * crop
        centre = torch.where(near[:, None], chosen + jitter, anywhere)
        reach = math.log(1.3)
        scale = torch.exp((self.rand(n) * 2 - 1) * reach)
        turn = self.turns[torch.randint(8, (n,), generator=self.gen, device=dev)]
        # Windows of the padded photos around each centre, then one resampling for all.
        origin = (centre + PAD - self.window / 2).floor()
        windows, valids = [], []
        cpu_origin = origin.long().tolist()
        for i, k in enumerate(photo.tolist()):
            x0, y0 = cpu_origin[i]
            windows.append(self.images[k][:, y0:y0 + self.window, x0:x0 + self.window])
            valids.append(self.valid[k][:, y0:y0 + self.window, x0:x0 + self.window])
        windows = torch.stack(windows).float()
        valids = torch.stack(valids).float()
        centre_in_window = centre + PAD - origin
        src = centre_in_window[:, None, None, :] + scale[:, None, None, None] * torch.einsum(
            "hwj,bij->bhwi", self.offsets, turn)
        grid = src * 2 / self.window - 1
        images = F.grid_sample(windows, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        valid = F.grid_sample(valids, grid, mode="nearest", padding_mode="zeros", align_corners=False)
        images = self.photometric(images)
        weight = (F.avg_pool2d(valid, 4)[:, 0] > 0.5).float()
        # Targets: each animal's point in crop pixels, out = c/2 + M^T (p - centre) / s.
        points = self.animals[photo]  # n x A x 3
        rel = (points[..., :2] - centre[:, None, :]) / scale[:, None, None]
        out = torch.einsum("baj,bji->bai", rel, turn) + crop / 2
        cls = points[..., 2].long()
        inside = (cls >= 0) & (out >= 0).all(-1) & (out < crop).all(-1)
        heat, classes = self.targets(out, cls, inside, n)
        return images, heat, weight, classes

    def targets(self, out, cls, inside, n):
        cells = self.crop // 4
        cell = (out / 4).floor()
        sigma = (self.body[cls.clamp(min=0)] / 8 / 4)  # n x A
        radius = torch.ceil(3 * sigma)
        g = torch.arange(cells, device=self.device, dtype=torch.float32)
        dx = g[None, None, :] - cell[..., 0:1]  # n x A x cells
        dy = g[None, None, :] - cell[..., 1:2]
        fx = torch.exp(-dx * dx / (2 * sigma[..., None] ** 2)) * (dx.abs() <= radius[..., None])
        fy = torch.exp(-dy * dy / (2 * sigma[..., None] ** 2)) * (dy.abs() <= radius[..., None])
        fx = fx * inside[..., None]
        heat = torch.einsum("bay,bax->bayx", fy, fx).amax(1) if out.shape[1] else \
            torch.zeros(n, cells, cells, device=self.device)
        classes = torch.full((n * cells * cells,), -1, dtype=torch.long, device=self.device)
        b = torch.arange(n, device=self.device)[:, None].expand_as(cls)
        cx, cy = cell[..., 0].long(), cell[..., 1].long()
        for ddx, ddy in ((1, 0), (-1, 0), (0, 1), (0, -1), (0, 0)):
            x, y = cx + ddx, cy + ddy
            ok = inside & (x >= 0) & (y >= 0) & (x < cells) & (y < cells)
            index = (b * cells * cells + y * cells + x)[ok]
            classes[index] = cls[ok]
        return heat, classes.view(n, cells, cells)

    def photometric(self, images):
        n, dev = images.shape[0], self.device
        gain = torch.exp((self.rand(n, 1) * 2 - 1) * 0.3) * torch.exp(
            torch.randn(n, 3, generator=self.gen, device=dev) * 0.06)
        images = (images * gain[:, :, None, None]).clamp(0, 255).round()
        haze = (self.rand(n) < 0.15)[:, None, None, None]
        amount = (0.05 + 0.30 * self.rand(n))[:, None, None, None]
        grey = (170 + 60 * self.rand(n))[:, None, None, None]
        images = torch.where(haze, images * (1 - amount) + grey * amount, images)
        blur = self.rand(n) < 0.15
        if blur.any():
            images[blur] = gaussian_blur(images[blur], 0.5 + 1.5 * self.rand(int(blur.sum())))
        jpeg = self.rand(n) < 0.3
        if jpeg.any():
            quality = torch.randint(20, 96, (int(jpeg.sum()),), generator=self.gen, device=dev)
            images[jpeg] = jpeg_like(images[jpeg].clamp(0, 255).round(), quality)
        return images.clamp(0, 255).round()


def gaussian_blur(images, sigma):
    n, c, h, w = images.shape
    r = 6
    t = torch.arange(-r, r + 1, device=images.device, dtype=torch.float32)
    k = torch.exp(-t[None, :] ** 2 / (2 * sigma[:, None] ** 2))
    k = (k / k.sum(1, keepdim=True)).repeat_interleave(c, 0)  # (n*c) x taps
    x = F.pad(images.reshape(1, n * c, h, w), (r, r, r, r), mode="reflect")
    x = F.conv2d(x, k[:, None, None, :], groups=n * c)
    x = F.conv2d(x, k[:, None, :, None], groups=n * c)
    return x.reshape(n, c, h, w)


_LUMA = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
         14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
         49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99]
_CHROMA = [17, 18, 24, 47] + [99] * 4 + [18, 21, 26, 66] + [99] * 4 + [24, 26, 56] + [99] * 5 + \
          [47, 66] + [99] * 6 + [99] * 32


def jpeg_like(images, quality):
    """Baseline JPEG's loss on the device: YCbCr, 4:2:0 chroma, 8x8 DCT quantised with the IJG
    tables scaled for each image's quality, and back (no entropy coding: it is lossless)."""
    dev = images.device
    n, _, h, w = images.shape
    q = quality.float()
    scale = torch.where(q < 50, 5000 / q, 200 - 2 * q)[:, None]
    tables = []
    for base in (_LUMA, _CHROMA):
        t = torch.tensor(base, dtype=torch.float32, device=dev)[None, :]
        tables.append(((t * scale + 50) / 100).floor().clamp(1, 255).view(n, 1, 1, 8, 8))
    r, g, b = images[:, 0], images[:, 1], images[:, 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128
    d = torch.zeros(8, 8, device=dev)
    for u in range(8):
        for x in range(8):
            d[u, x] = (math.sqrt(1 / 8) if u == 0 else math.sqrt(2 / 8)) * math.cos((2 * x + 1) * u * math.pi / 16)

    def code(plane, table):
        m, hh, ww = plane.shape
        blocks = (plane - 128).view(m, hh // 8, 8, ww // 8, 8).permute(0, 1, 3, 2, 4)
        coeff = d @ blocks @ d.T
        coeff = torch.round(coeff / table) * table
        back = (d.T @ coeff @ d).permute(0, 1, 3, 2, 4).reshape(m, hh, ww)
        return back + 128

    y = code(y, tables[0])
    chroma = [code(F.avg_pool2d(p[:, None], 2)[:, 0], tables[1]) for p in (cb, cr)]
    cb, cr = (F.interpolate(p[:, None], scale_factor=2, mode="bilinear", align_corners=False)[:, 0]
              for p in chroma)
    r = y + 1.402 * (cr - 128)
    g = y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128)
    b = y + 1.772 * (cb - 128)
    return torch.stack([r, g, b], 1).clamp(0, 255).round()


def point_loss(out, heat, weight, classes, class_w):
    out = out.float()
    logits = out[:, 0]
    p = torch.sigmoid(logits)
    positive = (heat == 1).float() * weight
    negative = (heat != 1).float() * weight
    loss = -(F.logsigmoid(logits) * (1 - p) ** 2 * positive).sum()
    loss = loss - (F.logsigmoid(-logits) * p ** 2 * (1 - heat) ** 4 * negative).sum()
    loss = loss / positive.sum().clamp(min=1)
    labelled = (classes >= 0) & (weight > 0)
    if labelled.any():
        class_logits = out[:, 1:].permute(0, 2, 3, 1)[labelled]
        target = classes[labelled]
        ce = F.cross_entropy(class_logits, target, weight=class_w, reduction="sum")
        loss = loss + ce / class_w[target].sum()
    return loss


@torch.no_grad()
def candidates(net, rgb, views, device):
    """Peaks of the view-averaged heatmap at or above the floor: x, y, class, score."""
    h, w = rgb.shape[:2]
    ph, pw = (h + 31) // 32 * 32, (w + 31) // 32 * 32
    x = torch.from_numpy(rgb).to(device).permute(2, 0, 1)[None].float()
    x = F.pad(x, (0, pw - w, 0, ph - h), mode="replicate") / 255 - 0.5
    total = None
    for view in range(views):
        v = x
        if view & 1:
            v = v.flip(3)
        if view & 2:
            v = v.flip(2)
        if view & 4:
            v = v.transpose(2, 3)
        o = net(v.contiguous(memory_format=torch.channels_last)).float()
        if view & 4:
            o = o.transpose(2, 3)
        if view & 2:
            o = o.flip(2)
        if view & 1:
            o = o.flip(3)
        total = o if total is None else total + o
    out = total[0] / views
    heat = torch.sigmoid(out[0])
    peaks = (heat == F.max_pool2d(heat[None], 3, 1, 1)[0]) & (heat >= CANDIDATE_FLOOR)
    prob = F.avg_pool2d(torch.softmax(out[1:], 0)[None], 3, 1, 1, count_include_pad=False)[0]
    cy, cx = peaks.nonzero(as_tuple=True)
    xs, ys = cx.float() * 4 + 1.5, cy.float() * 4 + 1.5
    keep = (xs < w) & (ys < h)
    cls = prob[:, cy, cx].argmax(0)
    rows = torch.stack([xs, ys, cls.float(), heat[cy, cx]], 1)[keep]
    return suppress(rows.cpu().numpy())


def suppress(rows):
    """Strongest first; a peak within SUPPRESSION x the larger body length of a kept one goes
    (as src/sealion/nn/point_inference.cc, by buckets of the largest reach). Thresholding the
    result at t equals suppressing the candidates above t."""
    rows = rows[np.argsort(-rows[:, 3], kind="stable")][:MAX_CANDIDATES]
    bucket = max(1.0, SUPPRESSION * max(BODY))
    kept, by_bucket = [], {}
    for x, y, c, s in rows.tolist():
        bx, by = int(x // bucket), int(y // bucket)
        suppressed = False
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for ox, oy, oc in by_bucket.get((bx + dx, by + dy), ()):
                    r = SUPPRESSION * max(BODY[int(c)], BODY[oc])
                    if (ox - x) ** 2 + (oy - y) ** 2 < r * r:
                        suppressed = True
                        break
                if suppressed:
                    break
            if suppressed:
                break
        if not suppressed:
            by_bucket.setdefault((bx, by), []).append((x, y, int(c)))
            kept.append((x, y, c, s))
    return np.asarray(kept, np.float64).reshape(-1, 4)


def match(detections, truth):
    """Per-class true positives (class-aware) and class-blind matches, strongest first, each
    detection to the nearest unmatched true animal within half its class's body length."""
    tp = [0] * 5
    blind = 0
    if not len(truth):
        return tp, blind
    t = np.asarray(truth, np.float64)
    reach2 = (np.asarray(BODY, np.float64)[t[:, 2].astype(int)] / 2) ** 2
    for aware in (True, False):
        used = np.zeros(len(t), bool)
        for x, y, c, _ in detections:
            d2 = (t[:, 0] - x) ** 2 + (t[:, 1] - y) ** 2
            ok = ~used & (d2 <= reach2)
            if aware:
                ok &= t[:, 2] == c
            if not ok.any():
                continue
            best = int(np.argmin(np.where(ok, d2, np.inf)))
            used[best] = True
            if aware:
                tp[int(t[best, 2])] += 1
            else:
                blind += 1
    return tp, blind


def evaluate(net, rgb, truth, views, device):
    rows = candidates(net, rgb, views, device)
    result = {}
    for t in THRESHOLDS:
        d = rows[rows[:, 3] >= t]
        counts = [int((d[:, 2] == c).sum()) for c in range(5)]
        entry = {"counts": counts}
        if truth is not None and len(d) <= MAX_MATCHED:
            tp, blind = match(d, truth)
            entry.update(tp=tp, blind=blind)
        result[str(t)] = entry
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", required=True)
    ap.add_argument("--repaired", required=True)
    ap.add_argument("--coords", required=True)
    ap.add_argument("--fold", type=int, required=True)
    ap.add_argument("--variant", default="base")
    ap.add_argument("--crops", type=int, required=True)
    ap.add_argument("--deadline", type=float, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--views", type=int, default=8)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stability", type=int, default=1)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(args.seed)
    start = time.time()
    coords = read_coords(args.coords)
    held_out = FOLDS[args.fold]
    train_ids = [i for f in FOLDS for i in f if i not in held_out]
    photos, animals = [], []
    for pid in train_ids:
        photos.append(load_photo(os.path.join(args.images, f"{pid}.jpg"), device))
        animals.append(coords.get(pid, []))
    per_class = [sum(1 for a in animals for p in a if p[2] == c) for c in range(5)]
    class_w = torch.tensor(class_weights(per_class), dtype=torch.float32, device=device)
    maker = GpuCrops(photos, animals, args.crop, device, args.seed * 1000 + args.fold)
    del photos
    net = Net(args.variant).to(device).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(net.parameters(), args.lr, fused=device == "cuda")
    steps = max(1, args.crops // args.batch)
    t0 = time.time()
    step, losses = 0, []
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device == "cuda" else None
    while True:
        progress = max(step / steps, (time.time() - t0) / max(1e-6, args.deadline - t0))
        if progress >= 1:
            break
        for group in opt.param_groups:
            group["lr"] = args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))
        images, heat, weight, classes = maker.batch(args.batch)
        x = (images / 255 - 0.5).contiguous(memory_format=torch.channels_last)
        if autocast is not None:
            with autocast:
                out = net(x)
        else:
            out = net(x)
        loss = point_loss(out, heat, weight, classes, class_w)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % 200 == 0:
            losses.append(round(loss.item(), 4))
    trained_s = time.time() - t0
    del maker
    net.eval()
    results = {"variant": args.variant, "fold": args.fold, "crops": step * args.batch,
               "crops_budget": args.crops, "train_s": round(trained_s, 1),
               "crops_per_s": round(step * args.batch / max(trained_s, 1e-6), 1),
               "losses": losses, "train_per_class": per_class, "images": {}}
    for pid in held_out:
        rgb, _ = load_photo(os.path.join(args.images, f"{pid}.jpg"), device)
        truth = coords.get(pid, [])
        results["images"][f"{pid}"] = evaluate(net, rgb, truth, args.views, device)
        if pid in PLAIN and args.stability:
            repaired, _ = load_photo(os.path.join(args.repaired, f"{pid}.jpg"), device)
            results["images"][f"{pid}:repaired"] = evaluate(net, repaired, None, args.views, device)
            for d in (1, 2, 4, 8, 16):
                results["images"][f"{pid}:crop{d}"] = evaluate(
                    net, np.ascontiguousarray(rgb[d:, d:]), None, args.views, device)
            ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                                    [cv2.IMWRITE_JPEG_QUALITY, 90])
            jpeg90 = cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
            results["images"][f"{pid}:jpeg90"] = evaluate(net, jpeg90, None, args.views, device)
    results["total_s"] = round(time.time() - start, 1)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(results, f)
    os.replace(tmp, args.out)
    torch.save({k: v.half() if v.is_floating_point() else v for k, v in net.state_dict().items()}, args.out.replace(".json", ".pt"))
    print(f"{args.variant} fold {args.fold}: {step * args.batch} crops in {trained_s:.0f} s, "
          f"total {results['total_s']} s", flush=True)


if __name__ == "__main__":
    main()
