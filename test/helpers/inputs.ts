// Inputs chosen on purpose. Each says why it is there.
import { rng } from './check.js';

const SUBNORMAL = 1e-40; // below 2^-126: the adapter flushes it to ±0 in arithmetic and comparisons

/** The sweep of special inputs every activation and mode is run on. */
export const CHOSEN_X: readonly number[] = [
  0, -0, // the z <= 0 branch of every derivative; tanh(-0) keeps its sign
  SUBNORMAL, -SUBNORMAL, // flushed or not, the result must match one of the two readings
  1e-30, -1e-30, // tiny normals: expm1 and tanh must not cancel to 0, relu passes them through
  1e-4, -1e-4, // where (1-e)/(1+e) and e^z - 1 lose ~2000 ULP
  0.25, -0.25, 0.4999, -0.4999, 0.5, -0.5, 0.5001, -0.5001, // around expm1's switch from polynomial to exp at -0.5
  1, -1,
  0.3466, -0.3466, 0.3467, -0.3467, // around ln2/2, the Cody–Waite reduction's boundary for k = 0 / ±1
  9, -9, // tanh rounds to ±1 from about 9.01
  16, -16, // s(1-s) and 1-t² lose all relative accuracy from here
  20, -20,
  43.7, -43.7, 44, -44, 44.3, -44.3, // 4e^-2|z| flushes here while tanh'(z) is still normal
  50, -50,
  87.3, -87.3, // e^-|z| reaches the subnormal range: σ(-z) and σ'(z) underflow
  88, -88, 88.8, -88.8, 89, -89, // e^z overflows f32 past 88.72; built-in tanh gives NaN from ~88
  100, -100,
  104, -104, // e^-104 is below half the smallest subnormal
  1e4, -1e4, // huge: only saturated values are right
  3.4e38, -3.4e38, // near FLT_MAX: m·z and 2z overflow
  Infinity, -Infinity, // relu(∞)=∞, σ(±∞)∈{0,1}, tanh(±∞)=±1, elu(-∞)=-α; derivatives 0
  NaN, // NaN in gives NaN out: naive exp(NaN) is +∞ here and max/select drop NaN
];

/** Upstream gradients for backward, crossed with CHOSEN_X. */
export const CHOSEN_DY: readonly number[] = [
  1, -1, // plain: dy·f' must equal f'
  0, -0, // 0·f' = 0, but 0·∞ = NaN
  0.7, -3.25, // ordinary values with full mantissas
  1e30, -1e30, // a huge dy times a derivative that is subnormal in f32 must still be right
  1e-30, // a tiny dy: the product underflows early
  SUBNORMAL, // flushed dy
  3.4e38, // dy·f' overflows where f' > 1 (linear with m > 1)
  Infinity, -Infinity, // ∞·f' is ±∞, or NaN where f' = 0
  NaN, // NaN in dy gives NaN out
];

/** n values uniform in [lo, hi). */
export function uniform(n: number, lo: number, hi: number, seed: number): Float32Array<ArrayBuffer> {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** n values mixing uniform [-20, 20) with every CHOSEN_X value spread through. */
export function mixed(n: number, seed: number): Float32Array {
  const out = uniform(n, -20, 20, seed);
  for (let i = 0; i < n; i += 7) out[i] = CHOSEN_X[(i / 7) % CHOSEN_X.length]!;
  return out;
}

/** The cross product CHOSEN_X × CHOSEN_DY as two aligned arrays. */
export function chosenPairs(): { x: Float32Array; dy: Float32Array } {
  const x = new Float32Array(CHOSEN_X.length * CHOSEN_DY.length);
  const dy = new Float32Array(x.length);
  let i = 0;
  for (const a of CHOSEN_X) {
    for (const b of CHOSEN_DY) {
      x[i] = a;
      dy[i++] = b;
    }
  }
  return { x, dy };
}
