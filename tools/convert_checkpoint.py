#!/usr/bin/env python3
"""Converts the official MaskGIT ImageNet checkpoints to dimo's safetensors files.

Two kinds of checkpoint, as Maskgit-pytorch (v1) publishes them:

  maskgit  MaskGIT_ImageNet_256.pth: the transformer, under 'model_state_dict'
  vqgan    last.ckpt: the taming-transformers VQGAN, under 'state_dict'

Usage:
  python3 tools/convert_checkpoint.py maskgit MaskGIT_ImageNet_256.pth maskgit.safetensors
  python3 tools/convert_checkpoint.py vqgan last.ckpt vqgan.safetensors

The output holds dimo's names and layouts (dense weights [in, out], convolutions [kh, kw, in, out])
and the configuration as JSON in the metadata ('dimo.transformer' or 'dimo.vqgan'), so that
loadTransformer / loadVqgan read it in one call. The configuration is read off the tensors' shapes,
except what no shape holds: the transformer's attention heads (--heads, 16 for MaskGIT ImageNet) and
codebook size (--codebook-size, 1024; the classes are the rest of the embedding table), and the
VQGAN's input resolution (--resolution, 256; where its attention sits depends on it).

Needs torch (to unpickle) and numpy. Tensors are written as float32.
"""

import argparse
import json
import os
import re
import struct
import sys

import numpy as np


def fail(message):
    sys.exit(f"convert_checkpoint: {message}")


def load_state_dict(path, key, unsafe_pickle):
    import torch

    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=not unsafe_pickle)
    except Exception as error:  # noqa: BLE001 - torch raises many kinds for a file it cannot read
        hint = "" if unsafe_pickle else " (if you trust the file, --unsafe-pickle loads Python objects too)"
        fail(f"cannot read '{path}': {error}{hint}")
    state = checkpoint.get(key, checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        fail(f"'{path}' holds no state dict (looked under '{key}' and at the top level)")
    # Saved from a DataParallel / DDP wrapper, names carry a 'module.' prefix.
    return {re.sub(r"^module\.", "", name): value.detach().float().numpy() for name, value in state.items()
            if hasattr(value, "detach")}


def take(state, name, shape=None):
    """The tensor called name, checked against its expected shape; records that it was used."""
    if name not in state:
        fail(f"the checkpoint has no tensor '{name}'")
    value = state[name]
    if shape is not None and tuple(value.shape) != tuple(shape):
        fail(f"tensor '{name}' has shape {list(value.shape)}, expected {list(shape)}")
    USED.add(name)
    return value


USED = set()


def check_all_used(state):
    """Fails on a tensor the mapping never read: the checkpoint is not the architecture assumed."""
    left = sorted(set(state) - USED)
    if left:
        fail(f"{len(left)} tensors of the checkpoint map to nothing in dimo, e.g. {left[:5]}")


def maskgit_tensors(state, heads, codebook_size, dropout):
    """dimo's Transformer weights and config (maskgitLayers) from MaskGIT's MaskTransformer."""
    rows, width = take(state, "tok_emb.weight").shape
    positions = take(state, "pos_emb").shape[1]
    seq_len = positions - 1
    classes = rows - codebook_size - 2
    if classes < 1:
        fail(f"tok_emb has {rows} rows: too few for --codebook-size {codebook_size} plus a mask, a class and a null class")
    layers = len({m.group(1) for m in map(re.compile(r"transformer\.layers\.(\d+)\.").match, state) if m})
    if layers == 0:
        fail("the checkpoint has no 'transformer.layers.*' tensors: is it a MaskGIT transformer?")
    hidden = take(state, "transformer.layers.0.1.fn.net.0.weight").shape[0]
    if hidden % width or width % heads:
        fail(f"the MLP width {hidden} or --heads {heads} does not divide evenly into the width {width}")
    vocab = codebook_size + 1
    out = {
        "tok_emb.weight": take(state, "tok_emb.weight"),
        "pos_emb": take(state, "pos_emb", (1, positions, width))[0],
        # MaskGIT's bias covers every table row at every position; only the visual positions and the
        # codes plus the mask are ever read, so dimo keeps those.
        "head.bias": take(state, "bias", (positions, rows))[:seq_len, :vocab],
    }

    def norm(src, dst):
        out[f"{dst}.weight"] = take(state, f"{src}.weight", (width,))
        out[f"{dst}.bias"] = take(state, f"{src}.bias", (width,))

    def dense(src, dst, inputs, outputs, weight="weight", bias="bias"):
        out[f"{dst}.weight"] = take(state, f"{src}.{weight}", (outputs, inputs)).T
        out[f"{dst}.bias"] = take(state, f"{src}.{bias}", (outputs,))

    norm("first_layer.0", "first.norm1")
    dense("first_layer.2", "first.fc1", width, width)
    norm("first_layer.4", "first.norm2")
    dense("first_layer.6", "first.fc2", width, width)
    for i in range(layers):
        src, dst = f"transformer.layers.{i}", f"blocks.{i}"
        norm(f"{src}.0.norm", f"{dst}.ln1")
        dense(f"{src}.0.fn.mha", f"{dst}.attn.qkv", width, 3 * width, "in_proj_weight", "in_proj_bias")
        dense(f"{src}.0.fn.mha.out_proj", f"{dst}.attn.proj", width, width)
        norm(f"{src}.1.norm", f"{dst}.ln2")
        dense(f"{src}.1.fn.net.0", f"{dst}.mlp.fc1", width, hidden)
        dense(f"{src}.1.fn.net.3", f"{dst}.mlp.fc2", hidden, width)
    norm("last_layer.0", "last.norm1")
    dense("last_layer.2", "last.fc", width, width)
    norm("last_layer.4", "last.norm2")
    check_all_used(state)
    config = {
        "codebookSize": codebook_size,
        "numClasses": classes,
        "seqLen": seq_len,
        "width": width,
        "heads": heads,
        "layers": layers,
        "mlpRatio": hidden // width,
        "dropout": dropout,
        "tiedHead": True,
        "outputMaskClass": True,
        "maskgitLayers": True,
    }
    return out, config, len(state)


VQGAN_PREFIXES = ("encoder.", "decoder.", "quantize.", "quant_conv.", "post_quant_conv.")


def vqgan_tensors(state, resolution):
    """dimo's Vqgan weights (the official names, convolutions as [kh, kw, in, out]) and config."""
    kept = {name: value for name, value in state.items() if name.startswith(VQGAN_PREFIXES)}
    channels = take(kept, "encoder.conv_in.weight").shape[0]
    levels = sorted({int(m.group(1)) for m in map(re.compile(r"encoder\.down\.(\d+)\.").match, kept) if m})
    if not levels:
        fail("the checkpoint has no 'encoder.down.*' tensors: is it a taming-transformers VQGAN?")
    res_blocks = len({m.group(1) for m in map(re.compile(r"encoder\.down\.0\.block\.(\d+)\.").match, kept) if m})
    multipliers = [take(kept, f"encoder.down.{i}.block.0.conv1.weight").shape[0] // channels for i in levels]
    attention = [resolution // 2**i for i in levels if f"encoder.down.{i}.attn.0.q.weight" in kept]
    if any(f"encoder.down.{i}.attn.0.q.weight" in kept for i in levels) and not attention:
        fail(f"--resolution {resolution} places no attention level")
    config = {
        "channels": channels,
        "channelMultipliers": multipliers,
        "resBlocks": res_blocks,
        "attentionResolutions": attention,
        "resolution": resolution,
        "inChannels": take(kept, "encoder.conv_in.weight").shape[1],
        "outChannels": take(kept, "decoder.conv_out.weight").shape[0],
        "latentChannels": take(kept, "encoder.conv_out.weight").shape[0],
        "embedDim": take(kept, "quant_conv.weight").shape[0],
        "codebookSize": take(kept, "quantize.embedding.weight").shape[0],
    }
    out = {name: value.transpose(2, 3, 1, 0) if value.ndim == 4 else value for name, value in kept.items()}
    # What dimo's Vqgan expects is checked when it loads the file (a missing or mis-shaped tensor named).
    return out, config, len(state)


SAFETENSORS_DTYPES = {np.dtype("float32"): "F32", np.dtype("int32"): "I32"}


def write_safetensors(path, tensors, metadata):
    """The safetensors format: an 8-byte little-endian header size, a JSON header, raw little-endian data.

    float32 and int32 arrays keep their type; any other is written as float32.
    """
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        array = np.asarray(tensors[name])
        dtype = array.dtype if array.dtype in SAFETENSORS_DTYPES else np.dtype("float32")
        data = np.ascontiguousarray(array, dtype=dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": SAFETENSORS_DTYPES[dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    temporary = f"{path}.partial"
    with open(temporary, "wb") as file:
        file.write(struct.pack("<Q", len(text)))
        file.write(text)
        for blob in blobs:
            file.write(blob)
    os.replace(temporary, path)  # never a half-written file at the output path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["maskgit", "vqgan"])
    parser.add_argument("input", help="the official checkpoint (.pth / .ckpt)")
    parser.add_argument("output", help="the safetensors file to write")
    parser.add_argument("--heads", type=int, default=16, help="maskgit: attention heads (default 16)")
    parser.add_argument("--codebook-size", type=int, default=1024, help="maskgit: codes before the mask (default 1024)")
    parser.add_argument("--dropout", type=float, default=0.1, help="maskgit: dropout when training (default 0.1)")
    parser.add_argument("--resolution", type=int, default=256, help="vqgan: input size (default 256)")
    parser.add_argument("--unsafe-pickle", action="store_true", help="let torch.load run the file's Python objects")
    args = parser.parse_args(argv)
    if args.kind == "maskgit":
        state = load_state_dict(args.input, "model_state_dict", args.unsafe_pickle)
        tensors, config, found = maskgit_tensors(state, args.heads, args.codebook_size, args.dropout)
        key = "dimo.transformer"
    else:
        state = load_state_dict(args.input, "state_dict", args.unsafe_pickle)
        tensors, config, found = vqgan_tensors(state, args.resolution)
        key = "dimo.vqgan"
    write_safetensors(args.output, tensors, {key: json.dumps(config), "dimo.source": args.input.split("/")[-1]})
    count = sum(int(np.prod(t.shape)) for t in tensors.values())
    print(f"{args.output}: {len(tensors)} tensors ({count:,} parameters) from {found} in {args.input}; {key} = {json.dumps(config)}")


if __name__ == "__main__":
    main()
