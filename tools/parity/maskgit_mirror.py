"""A PyTorch mirror of Maskgit-pytorch's ImageNet transformer, for parity checks only.

Written from the architecture (not copied): its state_dict has the official checkpoint's names and
shapes, so what it saves converts and loads like MaskGIT_ImageNet_256.pth. Also the official
sampler's unmasking rule, with the draws given, so two implementations can be compared token for token.
"""

import math

import torch
from torch import nn


class _PreNorm(nn.Module):
    def __init__(self, width, fn):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.fn = fn

    def forward(self, x):
        return self.fn(self.norm(x))


class _Attention(nn.Module):
    def __init__(self, width, heads, dropout):
        super().__init__()
        self.mha = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True, bias=True)

    def forward(self, x):
        return self.mha(x, x, x, need_weights=False)[0]


class _FeedForward(nn.Module):
    def __init__(self, width, hidden, dropout):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, width),
                                 nn.Dropout(dropout))

    def forward(self, x):
        return self.net(x)


class _Blocks(nn.Module):
    def __init__(self, width, layers, heads, hidden, dropout):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.ModuleList([_PreNorm(width, _Attention(width, heads, dropout)),
                           _PreNorm(width, _FeedForward(width, hidden, dropout))]) for _ in range(layers))

    def forward(self, x):
        for attention, feed_forward in self.layers:
            x = x + attention(x)
            x = x + feed_forward(x)
        return x


class MaskGitMirror(nn.Module):
    """Codes 0..K-1, mask K, classes K+1.., null class K+1+C in one table; class token after the image."""

    def __init__(self, codebook_size=1024, num_classes=1000, seq_len=256, width=768, layers=24, heads=16,
                 mlp_ratio=4, dropout=0.1):
        super().__init__()
        self.codebook_size, self.num_classes, self.seq_len = codebook_size, num_classes, seq_len
        rows = codebook_size + 1 + num_classes + 1
        self.tok_emb = nn.Embedding(rows, width)
        self.pos_emb = nn.Parameter(torch.randn(1, seq_len + 1, width) * 0.02)
        norm = lambda: nn.LayerNorm(width, eps=1e-12)  # noqa: E731
        self.first_layer = nn.Sequential(norm(), nn.Dropout(dropout), nn.Linear(width, width), nn.GELU(), norm(),
                                         nn.Dropout(dropout), nn.Linear(width, width))
        self.transformer = _Blocks(width, layers, heads, mlp_ratio * width, dropout)
        self.last_layer = nn.Sequential(norm(), nn.Dropout(dropout), nn.Linear(width, width), nn.GELU(), norm())
        self.bias = nn.Parameter(torch.zeros(seq_len + 1, rows))

    def forward(self, tokens, labels):
        """tokens [B, L] in [0, K]; labels [B] in [0, C] (C: the null class). Logits [B, L, K + 1]."""
        class_ids = labels.view(-1, 1) + self.codebook_size + 1
        x = self.tok_emb(torch.cat([tokens, class_ids], 1)) + self.pos_emb
        x = self.last_layer(self.transformer(self.first_layer(x)))
        logits = x @ self.tok_emb.weight.T + self.bias
        return logits[:, :self.seq_len, :self.codebook_size + 1]

    def randomize(self, generator):
        """Every parameter drawn at random (LayerNorm gains around 1), so no part of the network is trivial."""
        with torch.no_grad():
            for name, value in self.named_parameters():
                noise = torch.randn(value.shape, generator=generator)
                if name == "tok_emb.weight":
                    # Logits h·tok_embᵀ of standard deviation about 3, as a trained model's are: with
                    # N(0, 1) rows they would be √width, and the sampler's probabilities would
                    # saturate at 1 in float32, tying its confidences.
                    value.copy_(noise * 3 / math.sqrt(value.shape[1]))
                elif name == "bias" or "bias" in name.rsplit(".", 1)[-1]:
                    value.copy_(0.02 * noise)
                elif value.dim() == 1:
                    value.copy_(1 + 0.1 * noise)
                else:
                    value.copy_(noise / math.sqrt(value.shape[-1]))


def arccos_plan(steps, seq_len):
    """Tokens revealed at each step: the official arccos schedule (adap_sche)."""
    r = torch.linspace(1, 0, steps)
    v = torch.arccos(r) / (math.pi * 0.5)
    plan = ((v / v.sum()) * seq_len).round()
    plan[plan == 0] = 1
    plan[-1] += seq_len - plan.sum()
    return [int(k) for k in plan]


@torch.no_grad()
def official_sample(model, labels, uniforms, w):
    """The official unmasking rule at len(uniforms) steps, without Gumbel noise (r_temp = 0).

    At step i: logits (1 + w_i)·cond − w_i·uncond with w_i = w·i/(S−1); one token drawn per position
    from the softmax by inverse CDF with the given uniform (uniforms[i], [B, L]); confidence = the
    drawn token's probability; the plan[i] most confident still-masked positions are revealed. As in
    dimo, classes ≥ K (the mask) are not drawn.
    """
    steps, (batch, seq_len) = len(uniforms), uniforms[0].shape
    plan = arccos_plan(steps, seq_len)
    k = model.codebook_size
    tokens = torch.full((batch, seq_len), k, dtype=torch.long, device=labels.device)
    masked = torch.ones(batch, seq_len, dtype=torch.bool, device=labels.device)
    null = torch.full_like(labels, model.num_classes)
    for i in range(steps):
        cond, uncond = model(torch.cat([tokens, tokens]), torch.cat([labels, null])).chunk(2)
        scale = w * i / (steps - 1) if steps > 1 else 0.0
        logits = ((1 + scale) * cond - scale * uncond)[..., :k]
        prob = torch.softmax(logits, -1)
        cdf = prob.cumsum(-1)
        drawn = (cdf - uniforms[i].to(cdf.device)[..., None] * cdf[..., -1:] < 0).sum(-1).clamp(max=k - 1)
        confidence = prob.gather(-1, drawn[..., None])[..., 0].masked_fill(~masked, -math.inf)
        chosen = confidence.topk(plan[i], -1).indices
        reveal = torch.zeros_like(masked).scatter_(1, chosen, True)
        tokens = torch.where(reveal, drawn, tokens)
        masked &= ~reveal
    return tokens
