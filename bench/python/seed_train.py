#!/usr/bin/python3
"""Training baseline for bench/train_vs_python.sh: the seed's network, Adam, batches of 32, over
the same thumbnails (manifest.csv of sealion patches), channels-last, 2 threads, for EPOCHS
epochs (default 2). Prints 'samples N seconds S' for the last epoch (the first one warms up)."""
import csv
import sys
import time

import cv2
import numpy as np
import torch

from seed_net import SeedCnn, to_input

CLASSES = ["adult_males", "subadult_males", "adult_females", "juveniles", "pups", "non_seal"]


def main():
    patch_dir, batch = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 32
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    torch.set_num_threads(2)
    rows = list(csv.DictReader(open(f"{patch_dir}/manifest.csv")))
    images = np.stack([cv2.cvtColor(cv2.imread(f"{patch_dir}/{r['file']}"), cv2.COLOR_BGR2RGB) for r in rows])
    labels = torch.tensor([CLASSES.index(r["class"]) for r in rows])
    images = torch.from_numpy(images)
    torch.manual_seed(1)
    net = SeedCnn().to(memory_format=torch.channels_last).train()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(epochs):
        order = torch.randperm(len(rows))
        start = time.perf_counter()
        for i in range(0, len(rows), batch):
            index = order[i:i + batch]
            loss = torch.nn.functional.cross_entropy(net(to_input(images[index])), labels[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        seconds = time.perf_counter() - start
    print(f"samples {len(rows)} seconds {seconds:.3f}")


if __name__ == "__main__":
    main()
