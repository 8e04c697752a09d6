"""A PyTorch mirror of dimo's Vqgan (lib/models/vqgan.ts), for parity checks only.

An independent implementation of taming-transformers' VQGAN (the tokenizer of MaskGIT's ImageNet
models) whose state_dict() has the official names and PyTorch layouts of the encode/decode part
of a `vqgan_imagenet_f16_1024` checkpoint: `encoder.*`, `decoder.*`, `quantize.embedding.weight`,
`quant_conv.*`, `post_quant_conv.*` (343 tensors for the default config). dimo stores the same
names with convolutions transposed from [out, in, kh, kw] to [kh, kw, in, out] (perm 2, 3, 1, 0).

    model = build_vqgan({"channels": 32, "channelMultipliers": [1, 2], ...})  # dimo's config keys
    model.load_state_dict(official["state_dict"], strict=False)               # or its own weights
    ids = model.encode_tokens(x01)   # float [B, 3, H, W] in [0, 1] -> int64 [B, (H/f)*(W/f)]
    x01 = model.decode_tokens(ids)   # int [B, h*w] -> float [B, 3, h*f, w*f] in [0, 1]

Images are NCHW here (PyTorch's layout) and NHWC in dimo; token order is row-major in both.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

DEFAULT_CONFIG = {
    "channels": 128,
    "channelMultipliers": [1, 1, 2, 2, 4],
    "resBlocks": 2,
    "attentionResolutions": [16],
    "resolution": 256,
    "inChannels": 3,
    "outChannels": 3,
    "latentChannels": 256,
    "embedDim": 256,
    "codebookSize": 1024,
}


def swish(x):
    return x * torch.sigmoid(x)


def group_norm(channels):
    return nn.GroupNorm(32, channels, eps=1e-6)


def conv(cin, cout, kernel, stride=1, padding=None):
    return nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2 if padding is None else padding)


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1 = group_norm(cin)
        self.conv1 = conv(cin, cout, 3)
        self.norm2 = group_norm(cout)
        self.conv2 = conv(cout, cout, 3)
        self.nin_shortcut = conv(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        h = self.conv1(swish(self.norm1(x)))
        h = self.conv2(swish(self.norm2(h)))
        return (x if self.nin_shortcut is None else self.nin_shortcut(x)) + h


class AttnBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.norm = group_norm(channels)
        self.q = conv(channels, channels, 1)
        self.k = conv(channels, channels, 1)
        self.v = conv(channels, channels, 1)
        self.proj_out = conv(channels, channels, 1)

    def forward(self, x):
        b, c, height, width = x.shape
        h = self.norm(x)
        rows = lambda t: t.reshape(b, c, height * width).transpose(1, 2)  # [B, N, C]
        q, k, v = rows(self.q(h)), rows(self.k(h)), rows(self.v(h))
        weights = torch.softmax(torch.bmm(q, k.transpose(1, 2)) * c ** -0.5, dim=2)  # over keys
        mixed = torch.bmm(weights, v).transpose(1, 2).reshape(b, c, height, width)
        return x + self.proj_out(mixed)


class Downsample(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = conv(channels, channels, 3, stride=2, padding=0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))  # one zero column right, one zero row below


class Upsample(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = conv(channels, channels, 3)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Level(nn.Module):
    """One resolution: residual blocks, attention after each where the level has it, a resampling."""

    def __init__(self, widths, attention, resample):
        super().__init__()
        self.block = nn.ModuleList(ResnetBlock(cin, cout) for cin, cout in widths)
        self.attn = nn.ModuleList(AttnBlock(cout) for _, cout in widths) if attention else nn.ModuleList()
        if resample is not None:
            setattr(self, *resample)

    def forward(self, x):
        for i, block in enumerate(self.block):
            x = block(x)
            if len(self.attn) > 0:
                x = self.attn[i](x)
        return x


class Mid(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.block_1 = ResnetBlock(channels, channels)
        self.attn_1 = AttnBlock(channels)
        self.block_2 = ResnetBlock(channels, channels)

    def forward(self, x):
        return self.block_2(self.attn_1(self.block_1(x)))


def has_attention(config, level):
    return config["resolution"] // 2**level in config["attentionResolutions"]


class Encoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        ch, mult, blocks = config["channels"], config["channelMultipliers"], config["resBlocks"]
        self.conv_in = conv(config["inChannels"], ch, 3)
        self.down = nn.ModuleList()
        width = ch
        for level, m in enumerate(mult):
            out = ch * m
            widths = [(width if i == 0 else out, out) for i in range(blocks)]
            resample = ("downsample", Downsample(out)) if level < len(mult) - 1 else None
            self.down.append(Level(widths, has_attention(config, level), resample))
            width = out
        self.mid = Mid(width)
        self.norm_out = group_norm(width)
        self.conv_out = conv(width, config["latentChannels"], 3)

    def forward(self, x):
        h = self.conv_in(x)
        for level in self.down:
            h = level(h)
            if hasattr(level, "downsample"):
                h = level.downsample(h)
        return self.conv_out(swish(self.norm_out(self.mid(h))))


class Decoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        ch, mult, blocks = config["channels"], config["channelMultipliers"], config["resBlocks"]
        top = ch * mult[-1]
        self.conv_in = conv(config["latentChannels"], top, 3)
        self.mid = Mid(top)
        levels = [None] * len(mult)
        width = top
        for level in reversed(range(len(mult))):  # built from the smallest map, indexed by level
            out = ch * mult[level]
            widths = [(width if i == 0 else out, out) for i in range(blocks + 1)]
            resample = ("upsample", Upsample(out)) if level > 0 else None
            levels[level] = Level(widths, has_attention(config, level), resample)
            width = out
        self.up = nn.ModuleList(levels)
        self.norm_out = group_norm(width)
        self.conv_out = conv(width, config["outChannels"], 3)

    def forward(self, z):
        h = self.mid(self.conv_in(z))
        for i in reversed(range(len(self.up))):  # up.{L-1} (smallest map) first, up.0 last
            level = self.up[i]
            h = level(h)
            if hasattr(level, "upsample"):
                h = level.upsample(h)
        return self.conv_out(swish(self.norm_out(h)))


class Quantizer(nn.Module):
    def __init__(self, codebook_size, embed_dim):
        super().__init__()
        self.embedding = nn.Embedding(codebook_size, embed_dim)


class Vqgan(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)
        self.quantize = Quantizer(config["codebookSize"], config["embedDim"])
        self.quant_conv = conv(config["latentChannels"], config["embedDim"], 1)
        self.post_quant_conv = conv(config["embedDim"], config["latentChannels"], 1)

    @torch.no_grad()
    def encode_tokens(self, x01, with_margins=False):
        """Images float [B, inChannels, H, W] in [0, 1] -> nearest-code ids int64 [B, (H/f)*(W/f)], row-major.

        With with_margins, also how decisively each nearest code wins: (d2 - d1) / d1, the second
        smallest squared distance over the smallest, less one ([B, (H/f)*(W/f)]).
        """
        z = self.quant_conv(self.encoder(2 * x01 - 1))
        b, d, height, width = z.shape
        flat = z.permute(0, 2, 3, 1).reshape(-1, d)
        codes = self.quantize.embedding.weight
        distances = flat.pow(2).sum(1, keepdim=True) + codes.pow(2).sum(1) - 2 * flat @ codes.t()
        ids = distances.argmin(1).reshape(b, height * width)  # argmin: first index on ties
        if not with_margins:
            return ids
        two = distances.topk(2, 1, largest=False).values
        return ids, ((two[:, 1] - two[:, 0]) / two[:, 0].clamp(min=1e-12)).reshape(b, height * width)

    @torch.no_grad()
    def decode_tokens(self, ids, grid=None):
        """Ids int [B, h*w] (square grid unless given) -> images float [B, outChannels, h*f, w*f] in [0, 1]."""
        b, length = ids.shape
        height, width = grid if grid is not None else (math.isqrt(length), math.isqrt(length))
        if height * width != length:
            raise ValueError(f"{length} tokens per row do not fill a {height}x{width} grid")
        if (ids < 0).any():
            raise ValueError("token ids must be >= 0")
        ids = ids.long().clamp(max=self.config["codebookSize"] - 1)  # the mask id decodes as the last code
        latents = self.quantize.embedding(ids).reshape(b, height, width, -1).permute(0, 3, 1, 2)
        x = self.decoder(self.post_quant_conv(latents))
        return (x.clamp(-1, 1) + 1) / 2


def build_vqgan(config=None):
    """A Vqgan for dimo's config (the JSON under the safetensors metadata key `dimo.vqgan`); missing keys take the defaults."""
    unknown = set(config or {}) - set(DEFAULT_CONFIG)
    if unknown:
        raise ValueError(f"unknown VQGAN config keys: {sorted(unknown)}")
    return Vqgan({**DEFAULT_CONFIG, **(config or {})}).eval()


if __name__ == "__main__":
    real = build_vqgan()
    state = real.state_dict()
    print(len(state), "tensors,", sum(t.numel() for t in state.values()), "parameters")  # 343, 72141699
