"""The seed's network in Python PyTorch, loading the weights of a sealion model file."""
import io
import json
import struct

import torch
import torch.nn as nn


class SeedCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.conv3 = nn.Conv2d(64, 128, 3)
        self.dense1 = nn.Linear(128 * 6 * 6, 512)
        self.dense2 = nn.Linear(512, 512)
        self.logits = nn.Linear(512, 6)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu_(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu_(self.conv2(x)), 2)
        x = torch.max_pool2d(torch.relu_(self.conv3(x)), 2)
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
        x = self.dropout(torch.relu_(self.dense1(x)))
        x = self.dropout(torch.relu_(self.dense2(x)))
        return self.logits(x)


def load_sealion_model(path):
    """Reads a sealion model file: magic, version, JSON header, then LibTorch's archive."""
    data = open(path, "rb").read()
    assert data[:12] == b"SEALIONMODEL", "not a sealion model"
    header_size = struct.unpack("<Q", data[16:24])[0]
    metadata = json.loads(data[24:24 + header_size])
    archive = torch.jit.load(io.BytesIO(data[24 + header_size:]))
    net = SeedCnn()
    net.load_state_dict({name: tensor for name, tensor in archive.named_parameters()}, strict=True)
    return net, metadata


def to_input(rgb_uint8_nhwc, channels_last=True):
    x = rgb_uint8_nhwc.permute(0, 3, 1, 2).float().div_(255.0).sub_(0.5)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x.contiguous()
