"""Reads or updates the JSON header of a sealion model file (src/sealion/nn/model_file.h: the
magic "SEALIONMODEL", a uint32 format version, a uint64 header length, the JSON, the weights).
The weights are copied byte for byte, so their checksum in the header still holds.

usage: model_header.py MODEL get KEY.PATH       prints the value as JSON (a string bare)
       model_header.py MODEL set KEY.PATH JSON  sets it, rewriting the file atomically
       model_header.py MODEL weights-id         prints a hash of the weights alone (16 hex
                                                digits): the same after any header edit
"""
import hashlib
import json
import os
import struct
import sys

MAGIC = b"SEALIONMODEL"


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 12:
        raise SystemExit(f"{path}: not a sealion model file")
    version, size = struct.unpack_from("<IQ", data, len(MAGIC))
    start = len(MAGIC) + 12
    if start + size > len(data):
        raise SystemExit(f"{path}: truncated model header")
    return version, json.loads(data[start:start + size]), data[start + size:]


def get(path, key):
    value = read(path)[1]
    for part in key.split("."):
        value = value[part]
    return value


def update(path, assignments):
    version, header, weights = read(path)
    for key, value in assignments.items():
        node = header
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    text = json.dumps(header, separators=(",", ":")).encode()
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(MAGIC + struct.pack("<IQ", version, len(text)) + text + weights)
    os.replace(tmp, path)


def main():
    if len(sys.argv) == 4 and sys.argv[2] == "get":
        value = get(sys.argv[1], sys.argv[3])
        print(value if isinstance(value, str) else json.dumps(value))
    elif len(sys.argv) == 3 and sys.argv[2] == "weights-id":
        print(hashlib.sha256(read(sys.argv[1])[2]).hexdigest()[:16])
    elif len(sys.argv) == 5 and sys.argv[2] == "set":
        update(sys.argv[1], {sys.argv[3]: json.loads(sys.argv[4])})
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
