#!/usr/bin/python3
"""Measures this machine's fp32 matrix-multiply peak (GFLOP/s) with the BLAS PyTorch uses."""
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
n = 2048
a, b = torch.rand(n, n), torch.rand(n, n)
torch.mm(a, b)
best = 0.0
for _ in range(5):
    start = time.perf_counter()
    torch.mm(a, b)
    best = max(best, 2 * n ** 3 / (time.perf_counter() - start) / 1e9)
print(f"{best:.1f}")
