#!/usr/bin/env python3
"""Parity fixtures for dimo's MaskGIT transformer and VQGAN, written by the PyTorch mirrors.

Three steps, the second one dimo's (tools/parity/check.ts):

  python3 tools/parity/write_fixtures.py models --size tiny --out DIR
      random-weight checkpoints in the official formats (maskgit.pth, vqgan.ckpt), converted by
      tools/convert_checkpoint.py (maskgit.safetensors, vqgan.safetensors), and inputs.safetensors
  deno run ... tools/parity/check.ts uniforms DIR
      the uniforms dimo's MaskGIT sampler draws (uniforms.safetensors)
  python3 tools/parity/write_fixtures.py references --dir DIR
      the mirrors' outputs (references.safetensors): logits, the official sampler's tokens at 8
      steps without Gumbel noise, decoded pixels, encoded tokens and their distance margins

Sizes: 'tiny' (the layout at a few layers and small widths, for CI) and 'imagenet' (the real
configurations: 24 layers, width 768, 256 tokens; the ImageNet VQGAN). fp32, TF32 off, on CUDA
when present.
"""

import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import convert_checkpoint  # noqa: E402
from maskgit_mirror import MaskGitMirror, official_sample  # noqa: E402
from vqgan_mirror import build_vqgan  # noqa: E402

SIZES = {
    "tiny": {
        "sampler_batch": 8,
        "maskgit": dict(codebook_size=16, num_classes=3, seq_len=16, width=32, layers=2, heads=4, mlp_ratio=4),
        "vqgan": {"channels": 32, "channelMultipliers": [1, 2], "resBlocks": 1, "attentionResolutions": [4],
                  "resolution": 8, "latentChannels": 8, "embedDim": 8, "codebookSize": 16},
    },
    "imagenet": {
        "sampler_batch": 2,
        "maskgit": dict(codebook_size=1024, num_classes=1000, seq_len=256, width=768, layers=24, heads=16,
                        mlp_ratio=4),
        "vqgan": {},  # the mirror's defaults: vqgan_imagenet_f16_1024
    },
}
BATCH, STEPS, GUIDANCE = 2, 8, 2.0


def read(path):
    """The arrays of a safetensors file and its metadata."""
    with open(path, "rb") as file:
        data = file.read()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    metadata = header.pop("__metadata__", {})
    types = {"F32": "<f4", "I32": "<i4"}
    start = 8 + size
    arrays = {name: np.frombuffer(data[start + h["data_offsets"][0]:start + h["data_offsets"][1]],
                                  types[h["dtype"]]).reshape(h["shape"]) for name, h in header.items()}
    return arrays, metadata


def randomize_vqgan(model, generator):
    """Every VQGAN parameter at random: conv weights at unit gain, GroupNorm gains around 1."""
    with torch.no_grad():
        for name, value in model.named_parameters():
            noise = torch.randn(value.shape, generator=generator)
            if name.endswith("bias"):
                value.copy_(0.02 * noise)
            elif value.dim() == 1:
                value.copy_(1 + 0.1 * noise)
            elif value.dim() == 4:
                value.copy_(noise / np.sqrt(value[0].numel()))
            else:
                value.copy_(noise)


def models(size, out):
    sizes = SIZES[size]
    os.makedirs(out, exist_ok=True)
    generator = torch.Generator().manual_seed(0)
    maskgit = MaskGitMirror(**sizes["maskgit"])
    maskgit.randomize(generator)
    torch.save({"iter": 0, "global_epoch": 0, "model_state_dict": maskgit.state_dict()}, f"{out}/maskgit.pth")
    vqgan = build_vqgan(sizes["vqgan"])
    randomize_vqgan(vqgan, generator)
    v = vqgan.config
    torch.save({"state_dict": vqgan.state_dict()}, f"{out}/vqgan.ckpt")
    m = sizes["maskgit"]
    convert_checkpoint.main(["maskgit", f"{out}/maskgit.pth", f"{out}/maskgit.safetensors", "--heads",
                             str(m["heads"]), "--codebook-size", str(m["codebook_size"])])
    convert_checkpoint.main(["vqgan", f"{out}/vqgan.ckpt", f"{out}/vqgan.safetensors", "--resolution",
                             str(v["resolution"])])
    rng = np.random.default_rng(0)
    k, length, classes = m["codebook_size"], m["seq_len"], m["num_classes"]
    tokens = rng.integers(0, k, (BATCH, length))
    tokens[rng.random((BATCH, length)) < 0.5] = k  # about half masked
    grid = v["resolution"] // 2 ** (len(v["channelMultipliers"]) - 1)
    codes = rng.integers(0, v["codebookSize"], (BATCH, grid * grid))
    codes[0, 0] = v["codebookSize"]  # the mask id, clamped to the last code by the decoder
    # Smooth images (a few random sinusoids), as photos are, rather than per-pixel noise.
    axis = np.linspace(0, 1, v["resolution"])
    images = np.stack([
        np.stack([0.5 + 0.4 * np.sin(2 * np.pi * (rng.random() * 3 * axis[:, None] + rng.random() * 3 * axis[None])
                                     + rng.random() * 6) for _ in range(3)], -1) for _ in range(BATCH)
    ])
    convert_checkpoint.write_safetensors(f"{out}/inputs.safetensors", {
        "maskgit.tokens": tokens.astype(np.int32),
        "maskgit.labels": np.array([0, classes], np.int32)[:BATCH],  # one class, the null class
        "sampler.labels": np.arange(sizes["sampler_batch"], dtype=np.int32) % classes,
        "vqgan.codes": codes.astype(np.int32),
        "vqgan.images": images.astype(np.float32),
    }, {"size": size, "steps": str(STEPS), "guidance": str(GUIDANCE)})


@torch.no_grad()
def references(directory):
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = "cuda" if torch.cuda.is_available() else "cpu"
    inputs, metadata = read(f"{directory}/inputs.safetensors")
    sizes = SIZES[metadata["size"]]
    uniforms = read(f"{directory}/uniforms.safetensors")[0]["uniforms"]
    maskgit = MaskGitMirror(**sizes["maskgit"])
    maskgit.load_state_dict(torch.load(f"{directory}/maskgit.pth")["model_state_dict"], strict=True)
    maskgit = maskgit.to(device).eval()
    vqgan = build_vqgan(sizes["vqgan"])
    vqgan.load_state_dict(torch.load(f"{directory}/vqgan.ckpt")["state_dict"], strict=True)
    vqgan = vqgan.to(device).eval()
    tensor = lambda name: torch.from_numpy(inputs[name].copy()).long().to(device)  # noqa: E731
    logits = maskgit(tensor("maskgit.tokens"), tensor("maskgit.labels"))
    sampled = official_sample(maskgit, tensor("sampler.labels"), torch.from_numpy(uniforms.copy()), GUIDANCE)
    pixels = vqgan.decode_tokens(tensor("vqgan.codes")).permute(0, 2, 3, 1)  # NCHW -> dimo's NHWC
    images = torch.from_numpy(inputs["vqgan.images"].copy()).to(device).permute(0, 3, 1, 2)
    encoded, margins = vqgan.encode_tokens(images, with_margins=True)
    convert_checkpoint.write_safetensors(f"{directory}/references.safetensors", {
        "maskgit.logits": logits.float().cpu().numpy(),
        "sampler.tokens": sampled.int().cpu().numpy(),
        "vqgan.pixels": pixels.float().cpu().numpy(),
        "vqgan.tokens": encoded.int().cpu().numpy(),
        "vqgan.margins": margins.float().cpu().numpy(),
    }, {"device": torch.cuda.get_device_name() if device == "cuda" else "cpu", "torch": torch.__version__})
    print(f"{directory}/references.safetensors written on {device}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="step", required=True)
    first = sub.add_parser("models")
    first.add_argument("--size", choices=sorted(SIZES), required=True)
    first.add_argument("--out", required=True)
    last = sub.add_parser("references")
    last.add_argument("--dir", required=True)
    args = parser.parse_args()
    if args.step == "models":
        models(args.size, args.out)
    else:
        references(args.dir)


if __name__ == "__main__":
    main()
