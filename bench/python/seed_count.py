#!/usr/bin/python3
"""Counting baselines for bench/count_vs_python.sh, on the same photos and weights as sealion:
  loop:    the seed's loop as the blog post wrote it: one forward call per 64x64 tile;
  batched: the same network in batches of 64, channels-last, no_grad: what a competent user writes.
usage: seed_count.py MODE MODEL PHOTO... ; prints 'photos N tiles T seconds S' and the counts."""
import sys
import time

import cv2
import torch

from seed_net import load_sealion_model, to_input


def tiles_of(photo):
    h, w = photo.shape[0] // 64, photo.shape[1] // 64
    t = torch.from_numpy(photo[: h * 64, : w * 64]).reshape(h, 64, w, 64, 3).permute(0, 2, 1, 3, 4)
    return t.reshape(h * w, 64, 64, 3)


def main():
    mode, model_path, photos = sys.argv[1], sys.argv[2], sys.argv[3:]
    torch.set_num_threads(2)
    net, _ = load_sealion_model(model_path)
    net.eval()
    if mode == "batched":
        net = net.to(memory_format=torch.channels_last)
    start = time.perf_counter()
    total_tiles = 0
    for path in photos:
        photo = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
        tiles = tiles_of(photo)
        counts = [0] * 6
        with torch.no_grad():
            if mode == "loop":
                for i in range(tiles.shape[0]):
                    counts[int(net(to_input(tiles[i:i + 1], False)).argmax(1))] += 1
            else:
                for i in range(0, tiles.shape[0], 64):
                    for c in net(to_input(tiles[i:i + 64])).argmax(1).tolist():
                        counts[c] += 1
        total_tiles += tiles.shape[0]
        print(path, counts[:5], flush=True)
    print(f"photos {len(photos)} tiles {total_tiles} seconds {time.perf_counter() - start:.3f}", flush=True)


if __name__ == "__main__":
    main()
