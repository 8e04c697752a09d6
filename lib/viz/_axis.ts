/**
 * Axes for the SVG charts: a domain rounded out to "nice" tick values (1, 2 or 5 times a power
 * of ten), tick labels, and the map from data values to pixels.
 *
 * @module
 */

/** One labelled tick. */
export interface Tick {
  readonly value: number;
  readonly label: string;
}

/** An axis: its ticks and where a value lands in pixels. */
export interface Axis {
  readonly ticks: readonly Tick[];
  at(value: number): number;
}

/** Smallest and largest value, or undefined for none (a loop: spreading 10⁵ values overflows the stack). */
function extent(values: readonly number[]): [number, number] | undefined {
  if (values.length === 0) return undefined;
  let lo = values[0], hi = values[0];
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** 1, 2 or 5 times a power of ten, near `span / count`. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * power;
}

/**
 * A tick label: fixed-point with as many decimals as the step needs ("0.2", but "1" rather than
 * "1.0", as plotly writes them), or exponent notation
 * ("2.5e5", "1e-4") when the axis' magnitude is below 10⁻³ or from 10⁵ up.
 */
export function formatTick(value: number, step: number, magnitude: number): string {
  if (Math.abs(value) < step * 1e-6) return "0"; // also turns -0 and float residue into "0"
  if (magnitude >= 1e5 || magnitude < 1e-3) {
    const digits = Math.min(
      6,
      Math.max(0, Math.floor(Math.log10(Math.abs(value))) - Math.floor(Math.log10(step))),
    );
    return value.toExponential(digits).replace(/\.?0+e/, "e").replace("e+", "e");
  }
  return value.toFixed(Math.max(0, -Math.floor(Math.log10(step) + 1e-9))).replace(/\.0+$/, "");
}

/** A linear axis over `values` mapped onto the pixel interval `[from, to]`, with about `count` ticks. */
export function linearAxis(values: readonly number[], from: number, to: number, count: number): Axis {
  let [lo, hi] = extent(values) ?? [0, 1];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  const step = niceStep(hi - lo, count);
  const first = Math.floor(lo / step + 1e-9), last = Math.ceil(hi / step - 1e-9);
  [lo, hi] = [first * step, last * step];
  const magnitude = Math.max(Math.abs(lo), Math.abs(hi));
  const ticks: Tick[] = [];
  for (let k = first; k <= last; k++) {
    ticks.push({ value: k * step, label: formatTick(k * step, step, magnitude) });
  }
  return { ticks, at: (v) => from + ((v - lo) / (hi - lo)) * (to - from) };
}

/**
 * A log₁₀ axis over positive `values`, from the decade below the smallest to the decade above
 * the largest. Ticks sit on decades (every n-th when there are more than `count`), plus 2 and 5
 * times each decade when the axis spans at most two.
 */
export function logAxis(values: readonly number[], from: number, to: number, count: number): Axis {
  const [lo, hi] = extent(values) ?? [1, 10];
  const a = Math.floor(Math.log10(lo) + 1e-9);
  const b = Math.max(a + 1, Math.ceil(Math.log10(hi) - 1e-9));
  const every = Math.ceil((b - a) / count);
  const ticks: Tick[] = [];
  for (let k = a; k <= b; k++) {
    const decade = 10 ** k;
    if ((k - a) % every === 0) ticks.push({ value: decade, label: formatTick(decade, decade, decade) });
    if (b - a <= 2 && k < b) {
      for (const m of [2, 5]) {
        ticks.push({ value: m * decade, label: formatTick(m * decade, decade, decade) });
      }
    }
  }
  return { ticks, at: (v) => from + ((Math.log10(v) - a) / (b - a)) * (to - from) };
}
