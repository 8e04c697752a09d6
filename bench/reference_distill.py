"""The bench's reference Di[M]O iteration in PyTorch: the same networks and steps as dimo's `distillStep`.

A comparison for `deno task bench`, not part of the toolkit. The networks are reference_step.py's
transformer at the sizes the bench passes (`--model`, dimo's `TransformerConfig` as JSON), and the
iteration follows `distillStep` with the settings of `--distill` (dimo's resolved `DistillConfig`
as JSON); only forward KL (Jeffreys with beta 0), the arccos schedule, a fixed r_init and updateRatio 1
are supported, which is what the bench runs:

1. Student step: x_init (round(L * r_init) positions masked, the rest uniform codes), uniform
   labels y, embedding noise n (when sigma > 0); x_theta ~ softmax(z_theta / tau) without a tape;
   x~_t = x_theta with round(L * gamma(u)) positions masked (M); the guided teacher in one batched
   call (the null class as the unconditional branch); the aux model at x~_t; g = softmax(z_psi) -
   softmax(z_phi) (the forward-KL gradient), zeroed outside M; the per-sample finite checks and
   diagnostics read back; then Adam on the surrogate sum(g * z_theta) / B (its "sum"
   normalisation), z_theta recomputed at the same x_init, y and n, clipped to the global norm, with
   the norm read back.
2. Aux step: a fresh batch from the updated student (its finite check read back), the aux model's
   label-smoothed cross-entropy on the masked tokens, Adam, loss and norm read back.
3. The student's EMA, with decay min(ema_decay, (1 + t)/(10 + t)).

Embeddings, positions and the head's bias are frozen in the student and the aux model
(`freezeEmbeddings`), dropout is active in all three networks (`dropout`), and Adam warms its
learning rate up linearly over `warmupSteps`. fp32, TF32 off, eager.

Prints one JSON object per batch: {"batch", "seconds" (median of the timed iterations), "steps",
"auxLoss" (of the fourth iteration), "peakBytes" (torch.cuda.max_memory_allocated over the timed
iterations; 0 on the CPU), "device", "torch"}.
"""

import argparse
import copy
import json
import math
import statistics
import time

import torch
import torch.nn.functional as F

from reference_step import Config, Transformer, setup

FROZEN = ("tok_emb", "pos_emb", "head_bias")


def model_config(model):
    return Config(
        codebook=model["codebookSize"],
        classes=model["numClasses"],
        seq_len=model["seqLen"],
        width=model["width"],
        heads=model["heads"],
        layers=model["layers"],
        mlp_ratio=model["mlpRatio"],
        dropout=model["dropout"],
    )


def check_supported(distill):
    checks = {
        "divergence": distill["divergence"] == {"kind": "jeffreys", "beta": 0},
        "schedule": distill["schedule"]["name"] == "arccos",
        "init.rInit": distill["init"]["rInit"]["kind"] == "fixed",
        "updateRatio": distill["updateRatio"] == 1,
        "normalization": distill["normalization"] == "sum",
        "freezeEmbeddings": distill["freezeEmbeddings"] and distill["dropout"],
    }
    bad = [name for name, ok in checks.items() if not ok]
    if bad:
        raise ValueError(f"Cannot run the reference iteration as {bad} are not the bench's settings")


class Adam:
    """torch.optim.Adam with dimo's linear warm-up and optional clipping by the global norm."""

    def __init__(self, params, settings):
        self.params, self.settings, self.step_count = params, settings, 0
        betas = (settings["beta1"], settings["beta2"])
        self.optimizer = torch.optim.Adam(params, lr=settings["lr"], betas=betas, eps=settings["eps"])

    def step(self, loss):
        s = self.settings
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        clip = s["clipNorm"] if s["clipNorm"] is not None else math.inf
        norm = torch.nn.utils.clip_grad_norm_(self.params, clip)
        warm = min(1.0, (self.step_count + 1) / s["warmupSteps"]) if s["warmupSteps"] > 0 else 1.0
        for group in self.optimizer.param_groups:
            group["lr"] = s["lr"] * warm
        self.optimizer.step()
        self.step_count += 1
        return norm


def trainable(model):
    return [p for name, p in model.named_parameters() if not name.startswith(FROZEN)]


class Distillation:
    def __init__(self, c, distill, batch, device, g):
        self.c, self.d, self.batch, self.device, self.g = c, distill, batch, device, g
        self.teacher = Transformer(c).to(device)
        self.student, self.aux = copy.deepcopy(self.teacher), copy.deepcopy(self.teacher)
        for model in (self.student, self.aux):
            for name, p in model.named_parameters():
                p.requires_grad_(not name.startswith(FROZEN))
        self.teacher.requires_grad_(False)
        self.student_adam = Adam(trainable(self.student), distill["studentAdam"])
        self.aux_adam = Adam(trainable(self.aux), distill["auxAdam"])
        self.ema = [p.detach().clone() for p in trainable(self.student)]
        self.ema_updates = 0

    def exact_mask(self, ratios):
        """Exactly round(L * r) uniformly chosen positions of each row."""
        c = self.c
        counts = torch.round(ratios * c.seq_len)
        ranks = torch.rand(self.batch, c.seq_len, device=self.device).argsort(1).argsort(1)
        return ranks < counts[:, None]

    def sample(self):
        """Steps 1-4: x_init, y, n; x_theta from the student without a tape; x~_t and M."""
        c, d, b, dev = self.c, self.d, self.batch, self.device
        r_init = torch.full((b,), d["init"]["rInit"]["value"], device=dev)
        codes = torch.randint(0, c.codebook, (b, c.seq_len), device=dev)
        x_init = torch.where(self.exact_mask(r_init), torch.full_like(codes, c.codebook), codes)
        y = torch.randint(0, c.classes, (b,), device=dev)
        sigma = d["init"]["sigma"]
        noise = torch.randn(b, c.seq_len, c.width, device=dev) if sigma > 0 else None
        with torch.no_grad():
            z = self.student(x_init, y, sigma, noise)
            x_theta = torch.multinomial(torch.softmax(z / d["genTemperature"], -1).view(-1, c.vocab), 1)
            x_theta = x_theta.view(b, c.seq_len)
            check = (z * 0).sum((1, 2))
        ratios = torch.arccos(torch.rand(b, device=dev)) / (math.pi / 2)
        masked = self.exact_mask(ratios)
        xt = torch.where(masked, torch.full_like(x_theta, c.codebook), x_theta)
        return x_init, y, noise, x_theta, xt, masked, check

    def student_step(self):
        c, d, b = self.c, self.d, self.batch
        x_init, y, noise, _, xt, masked, check = self.sample()
        with torch.no_grad():
            nulls = torch.full_like(y, c.classes)
            z_c, z_u = self.teacher(torch.cat([xt, xt]), torch.cat([y, nulls])).chunk(2)
            z_phi = z_u + d["teacherGuidance"] * (z_c - z_u)
            z_psi = self.aux(xt, y)
            g = torch.where(masked[..., None], torch.softmax(z_psi, -1) - torch.softmax(z_phi, -1), 0.0)
            per_sample = torch.stack(
                [check + (z_phi * 0).sum((1, 2)) + (z_psi * 0).sum((1, 2)), 0.5 * (g * g).sum((1, 2)), masked.float().mean(1)]
            )
        per_sample.cpu()  # dimo reads the checks back before the update
        z_theta = self.student(x_init, y, d["init"]["sigma"], noise)
        loss = (g / b * z_theta).sum()
        return self.student_adam.step(loss).item()

    def aux_step(self):
        _, y, _, x_theta, xt, masked, check = self.sample()
        check.cpu()
        z_psi = self.aux(xt, y)
        loss = F.cross_entropy(z_psi[masked], x_theta[masked], label_smoothing=self.d["auxLabelSmoothing"])
        norm = self.aux_adam.step(loss)
        return loss.item(), norm.item()

    def ema_update(self):
        t = self.ema_updates
        decay = min(self.d["emaDecay"], (1 + t) / (10 + t))
        with torch.no_grad():
            torch._foreach_lerp_(self.ema, trainable(self.student), 1 - decay)
        self.ema_updates += 1

    def iteration(self):
        self.student_step()
        aux_loss, _ = self.aux_step()
        self.ema_update()
        return aux_loss


def bench(c, distill, batch, steps, device):
    g = torch.Generator(device="cpu").manual_seed(0)
    run = Distillation(c, distill, batch, device, g)
    run.iteration()  # warm-up
    cuda = device == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    times, aux_loss = [], math.nan
    for i in range(steps):
        start = time.perf_counter()
        value = run.iteration()
        times.append(time.perf_counter() - start)
        if i < 3:
            aux_loss = value
    peak = torch.cuda.max_memory_allocated() if cuda else 0
    return {"batch": batch, "seconds": statistics.median(times), "steps": steps, "auxLoss": aux_loss, "peakBytes": peak}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--model", required=True, help="dimo's TransformerConfig as JSON")
    parser.add_argument("--distill", required=True, help="dimo's resolved DistillConfig as JSON")
    parser.add_argument("--batches", required=True)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    c, distill = model_config(json.loads(args.model)), json.loads(args.distill)
    check_supported(distill)
    name = setup(args.device)
    for batch in (int(b) for b in args.batches.split(",")):
        try:
            result = bench(c, distill, batch, args.steps, args.device)
        except torch.cuda.OutOfMemoryError:
            result = {"batch": batch, "error": "out of memory"}
        if args.device == "cuda":
            torch.cuda.empty_cache()
        print(json.dumps({**result, "device": f"{args.device} ({name})", "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
