"""The bench's reference training step in PyTorch: the same transformer, loss and optimiser.

A comparison for `deno task bench`, not part of the toolkit. The model mirrors dimo's
`Transformer` with `REFERENCE_CONFIG` (bench/train_step.ts): codebook 1024 + mask, 10 classes and
a null class in one embedding table, 64 visual tokens and a class token, width 256, 4 heads,
4 pre-norm layers, MLP x4 with exact GELU, dropout 0.1 on the attention weights and in the MLP,
the tied head with a per-position bias; masked cross-entropy over 15% of the positions, Adam
(lr 1e-4). fp32, TF32 off, eager.

Prints one JSON object per batch: {"batch", "seconds" (median of the timed steps), "steps",
"loss" (of the fourth step), "device", "torch"}.
"""

import argparse
import json
import math
import re
import statistics
import time
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn



class Config(NamedTuple):
    """The sizes of dimo's `TransformerConfig`, as the bench passes them."""

    codebook: int
    classes: int
    seq_len: int
    width: int
    heads: int
    layers: int
    mlp_ratio: int
    dropout: float

    @property
    def vocab(self):
        return self.codebook + 1  # the head scores the codes and the mask

    @property
    def class_offset(self):
        return self.codebook + 1

    @property
    def table_rows(self):
        return self.codebook + 1 + self.classes + 1  # codes, mask, classes, null class


REFERENCE = Config(codebook=1024, classes=10, seq_len=64, width=256, heads=4, layers=4, mlp_ratio=4, dropout=0.1)
MASK_RATIO = 0.15


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads, self.width = c.heads, c.width
        self.ln1, self.ln2 = nn.LayerNorm(c.width), nn.LayerNorm(c.width)
        self.qkv, self.proj = nn.Linear(c.width, 3 * c.width), nn.Linear(c.width, c.width)
        self.fc1, self.fc2 = nn.Linear(c.width, c.mlp_ratio * c.width), nn.Linear(c.mlp_ratio * c.width, c.width)
        self.drop = nn.Dropout(c.dropout)

    def attention(self, x):
        b, t, _ = x.shape
        head_width = self.width // self.heads
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, head_width).permute(2, 0, 3, 1, 4)
        weights = self.drop(torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(head_width), dim=-1))
        return self.proj((weights @ v).transpose(1, 2).reshape(b, t, self.width))

    def forward(self, x):
        h = x + self.attention(self.ln1(x))
        return h + self.drop(self.fc2(self.drop(F.gelu(self.fc1(self.ln2(h))))))


class Transformer(nn.Module):
    def __init__(self, c=REFERENCE):
        super().__init__()
        self.config = c
        self.tok_emb = nn.Embedding(c.table_rows, c.width)
        self.pos_emb = nn.Parameter(torch.zeros(c.seq_len + 1, c.width))
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.layers))
        self.ln_f = nn.LayerNorm(c.width)
        self.head_bias = nn.Parameter(torch.zeros(c.seq_len, c.vocab))
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.trunc_normal_(p, std=0.02)

    def forward(self, tokens, labels, sigma=0.0, noise=None):
        """Logits; with `noise`, the visual embeddings become sigma * noise + sqrt(1 - sigma^2) * e."""
        c = self.config
        visual = self.tok_emb(tokens)
        if noise is not None:
            visual = noise * sigma + visual * math.sqrt(1 - sigma * sigma)
        x = torch.cat([visual, self.tok_emb(labels + c.class_offset)[:, None]], 1) + self.pos_emb
        for block in self.blocks:
            x = block(x)
        h = self.ln_f(x[:, : c.seq_len])
        return h @ self.tok_emb.weight[: c.vocab].T + self.head_bias


def bench(batch, steps, device):
    g = torch.Generator(device="cpu").manual_seed(0)
    model = Transformer().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    c = REFERENCE
    tokens = torch.randint(0, c.codebook, (batch, c.seq_len), generator=g).to(device)
    labels = torch.randint(0, c.classes, (batch,), generator=g).to(device)
    masked = torch.zeros(batch, c.seq_len, dtype=torch.bool)
    count = round(c.seq_len * MASK_RATIO)
    for row in range(batch):
        masked[row, torch.randperm(c.seq_len, generator=g)[:count]] = True
    masked = masked.to(device)
    xt = torch.where(masked, torch.full_like(tokens, c.codebook), tokens)

    def step():
        optimizer.zero_grad(set_to_none=True)
        logits = model(xt, labels)
        loss = F.cross_entropy(logits[masked], tokens[masked])
        loss.backward()
        optimizer.step()
        return loss.item()  # waits for the device, as dimo's step reads its loss back

    step()  # warm-up
    times, loss = [], math.nan
    for i in range(steps):
        start = time.perf_counter()
        value = step()
        times.append(time.perf_counter() - start)
        if i < 3:
            loss = value
    return {"batch": batch, "seconds": statistics.median(times), "steps": steps, "loss": loss}


def setup(device):
    """fp32 without TF32, seed 0; returns the device's description."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)
    if device == "cuda":
        return torch.cuda.get_device_name()
    blas = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    return f"threads: {torch.get_num_threads()}, BLAS: {blas.group(1) if blas else 'unknown'}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--batches", default="32,256,1024")
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    name = setup(args.device)
    for batch in (int(b) for b in args.batches.split(",")):
        result = bench(batch, args.steps, args.device)
        print(json.dumps({**result, "device": f"{args.device} ({name})", "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
