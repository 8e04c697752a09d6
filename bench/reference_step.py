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

import torch
import torch.nn.functional as F
from torch import nn

CODEBOOK, CLASSES, SEQ_LEN, WIDTH, HEADS, LAYERS, MLP_RATIO, DROPOUT = 1024, 10, 64, 256, 4, 4, 4, 0.1
MASK_ID = CODEBOOK
VOCAB = CODEBOOK + 1  # the head scores the codes and the mask
CLASS_OFFSET = CODEBOOK + 1
TABLE_ROWS = CODEBOOK + 1 + CLASSES + 1  # codes, mask, classes, null class
MASK_RATIO = 0.15


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)
        self.qkv, self.proj = nn.Linear(WIDTH, 3 * WIDTH), nn.Linear(WIDTH, WIDTH)
        self.fc1, self.fc2 = nn.Linear(WIDTH, MLP_RATIO * WIDTH), nn.Linear(MLP_RATIO * WIDTH, WIDTH)
        self.drop = nn.Dropout(DROPOUT)

    def attention(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, HEADS, WIDTH // HEADS).permute(2, 0, 3, 1, 4)
        weights = self.drop(torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(WIDTH // HEADS), dim=-1))
        return self.proj((weights @ v).transpose(1, 2).reshape(b, t, WIDTH))

    def forward(self, x):
        h = x + self.attention(self.ln1(x))
        return h + self.drop(self.fc2(self.drop(F.gelu(self.fc1(self.ln2(h))))))


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok_emb = nn.Embedding(TABLE_ROWS, WIDTH)
        self.pos_emb = nn.Parameter(torch.zeros(SEQ_LEN + 1, WIDTH))
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.ln_f = nn.LayerNorm(WIDTH)
        self.head_bias = nn.Parameter(torch.zeros(SEQ_LEN, VOCAB))
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.trunc_normal_(p, std=0.02)

    def forward(self, tokens, labels):
        x = torch.cat([self.tok_emb(tokens), self.tok_emb(labels + CLASS_OFFSET)[:, None]], 1) + self.pos_emb
        for block in self.blocks:
            x = block(x)
        h = self.ln_f(x[:, :SEQ_LEN])
        return h @ self.tok_emb.weight[:VOCAB].T + self.head_bias


def bench(batch, steps, device):
    g = torch.Generator(device="cpu").manual_seed(0)
    model = Transformer().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    tokens = torch.randint(0, CODEBOOK, (batch, SEQ_LEN), generator=g).to(device)
    labels = torch.randint(0, CLASSES, (batch,), generator=g).to(device)
    masked = torch.zeros(batch, SEQ_LEN, dtype=torch.bool)
    count = round(SEQ_LEN * MASK_RATIO)
    for row in range(batch):
        masked[row, torch.randperm(SEQ_LEN, generator=g)[:count]] = True
    masked = masked.to(device)
    xt = torch.where(masked, torch.full_like(tokens, MASK_ID), tokens)

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--batches", default="32,256,1024")
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)
    if args.device == "cuda":
        name = torch.cuda.get_device_name()
    else:
        blas = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
        name = f"threads: {torch.get_num_threads()}, BLAS: {blas.group(1) if blas else 'unknown'}"
    for batch in (int(b) for b in args.batches.split(",")):
        result = bench(batch, args.steps, args.device)
        print(json.dumps({**result, "device": f"{args.device} ({name})", "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
