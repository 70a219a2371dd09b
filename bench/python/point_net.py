"""The point counter's network and loss in Python PyTorch: the same layers as
src/sealion/nn/point_net.cc and the same loss as src/sealion/nn/point_targets.cc, for the
training-throughput baseline of bench/points_vs_tiles.sh. Prints crops/s of the last of
`steps` training steps groups on random crops (no data pipeline: the baseline gets its crops
for free, sealion's figure includes cutting and augmenting them).

usage: /usr/bin/python3 point_net.py CROP BATCH THREADS SECONDS
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


def main():
    crop, batch, threads, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
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
