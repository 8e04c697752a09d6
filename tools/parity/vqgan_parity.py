"""Writes a parity case for dimo's Vqgan from the PyTorch mirror (vqgan_mirror.py).

    python3 tools/parity/vqgan_parity.py OUT_DIR ['{"channels": 32, ...}']
    deno run --allow-read=OUT_DIR --allow-env=DIMO_BACKEND,DIMO_THREADS tools/parity/vqgan_parity.ts OUT_DIR

OUT_DIR/model.safetensors holds the mirror's weights in dimo's layout (convolutions
[kh, kw, in, out]) with the config under the metadata key `dimo.vqgan`, as a converted
checkpoint is; OUT_DIR/data.safetensors holds NHWC images, token ids (with ids past the codebook,
which decode as the last code) and the mirror's tokens and images, all float32. The weights are
random, GroupNorm's included, so every path of the network changes the result.
"""

import json
import os
import struct
import sys

import numpy as np
import torch
from vqgan_mirror import build_vqgan

TINY = {"channels": 32, "channelMultipliers": [1, 2, 2], "resBlocks": 2, "attentionResolutions": [16, 8],
        "resolution": 32, "latentChannels": 8, "embedDim": 4, "codebookSize": 32}


def save(path, arrays, metadata):
    """A safetensors file of float32 arrays (written here, so the check needs no safetensors package)."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, array in arrays.items():
        data = np.ascontiguousarray(array, dtype=np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(np.shape(array)), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as file:
        file.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main(out_dir, config):
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    model = build_vqgan(config)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if ".norm" in name:  # GroupNorm starts at weight 1, bias 0: make it matter
                low, high = (0.5, 1.5) if name.endswith(".weight") else (-0.5, 0.5)
                tensor.copy_(torch.from_numpy(rng.uniform(low, high, tuple(tensor.shape))).float())
    f = 2 ** (len(model.config["channelMultipliers"]) - 1)
    size = model.config["resolution"]
    square = rng.uniform(0, 1, (3, 3, size, size)).astype(np.float32)
    wide = rng.uniform(0, 1, (1, 3, size, size + size // 2)).astype(np.float32)
    ids = rng.integers(0, model.config["codebookSize"] + 2, (2, (size // f) ** 2))
    tokens_square = model.encode_tokens(torch.from_numpy(square))
    tokens_wide = model.encode_tokens(torch.from_numpy(wide))
    images = model.decode_tokens(torch.from_numpy(ids))
    images_wide = model.decode_tokens(tokens_wide, grid=(size // f, (size + size // 2) // f))
    nhwc = lambda t: np.transpose(np.asarray(t), (0, 2, 3, 1))
    layout = lambda t: np.transpose(np.asarray(t), (2, 3, 1, 0)) if np.ndim(t) == 4 else np.asarray(t)
    os.makedirs(out_dir, exist_ok=True)
    save(os.path.join(out_dir, "model.safetensors"), {k: layout(v) for k, v in model.state_dict().items()},
         {"dimo.vqgan": json.dumps(model.config)})
    save(os.path.join(out_dir, "data.safetensors"), {
        "square": nhwc(square), "wide": nhwc(wide), "tokens_square": np.asarray(tokens_square),
        "tokens_wide": np.asarray(tokens_wide), "ids": ids, "images": nhwc(images),
        "images_wide": nhwc(images_wide)}, {})
    print(f"wrote {out_dir}: {len(model.state_dict())} tensors, grid {size // f}, tokens {np.asarray(tokens_square)[0][:8]}")


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else TINY)
