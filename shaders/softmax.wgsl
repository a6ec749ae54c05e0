// Softmax and log-softmax along one axis, forward and backward. src/gpu/kernels.ts builds each kernel as
//   math.wgsl + this file + softmax_subgroups.wgsl or softmax_workgroup.wgsl + fn kernel(group, v)
// where `kernel` chains the lane statistics and the writer below that the mode needs (see the wgsl
// programs of SOFTMAX in src/activations/table.ts), and the variant file defines the entry point and how
// a row's lanes merge: `share` (what a lane gathers) and `reduce`. The ACCESS placeholder defines
// load4_x, load4_dy and store4_y (see Work below), for f32 or packed f16 storage: x and dy are read
// through y's binding when the call is in place. The statistics are f32 either way.
//
// Layout. The tensor is seen as [outer, len, inner], the reduced axis in the middle: row r is
// (o, i) = (r / inner, r % inner) and its element j sits at o·len·inner + j·inner + i. A non-last
// axis is read in place with stride inner; nothing is transposed.
//
// Work. A row, or for long rows each of its `blocks` blocks of columns, is a unit. A workgroup of
// WG invocations serves WG >> lane_bits units with 1 << lane_bits lanes each: one lane for short
// rows, a subgroup's worth on the subgroup path, up to WG on the workgroup path. Lane id v (the
// local invocation index) holds the unit's slot and the lane's place q among the unit's lanes:
//   v = slot·lanes + q (lane_shift = 0): a unit's lanes are neighbours, and read neighbouring columns;
//   v = q·units + slot (row_shift = 0): strided rows on the workgroup path, where neighbouring lanes
//       then read rows i and i + 1, neighbours in memory.
// A lane takes four of the unit's columns per step, as one vec4 of math: q, q + lanes, q + 2·lanes,
// q + 3·lanes (softmax_elements.wgsl), or 4q .. 4q + 3 where the rows allow vec4 loads
// (softmax_vec4.wgsl); the ACCESS placeholder is one of those files, which define the loads and the
// store, and SIDE_BY_SIDE, how many columns a lane's first step starts past the previous lane's.
// Blocks pass their statistics on through `partials` to the next dispatch. A row longer than a
// storage binding is cut into runs of whole blocks, each bound on its own (from column col0).
//
// Statistics. A row statistic is a vec4 (m, s, d, 0): m the max, s = Σ e^(x − m), d a plain sum
// (Σ dy, or Σ dy·y). An empty lane holds the identity (−∞, 0, 0). m = +∞ marks a row that holds NaN
// or +∞, and m = −∞ a row without an entry above −∞: softmax of either is NaN, as in PyTorch and JAX.

// Params (SOFTMAX_ROWS_PARAMS in src/gpu/kernels.ts): rows in this dispatch; len, elements per row;
// inner, the distance between neighbouring elements of a row; blocks per row (1, or more for long
// rows) and block_len, the columns per block; this dispatch's blocks, [first_block, block_end) (all
// of them unless a row is longer than a binding); col0, the column the operands' bindings start at;
// lane_bits, log2 of the lanes per unit; lane_shift and row_shift, where q and the unit's slot sit
// in the lane id; x_off, dy_off, y_off, where each operand starts, in elements (f32s or halves)
// from its binding's start.
{{PARAMS}}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<{{INPUT}}>;
@group(0) @binding(2) var<storage, read_write> y: array<{{OUTPUT}}>;
@group(0) @binding(3) var<storage, read> dy: array<{{INPUT}}>;
@group(0) @binding(4) var<storage, read_write> partials: array<vec4<f32>>;

const WG: u32 = {{WORKGROUP_SIZE}}u;
{{ACCESS}}

// A lane keeps its running sum relative to a reference r <= its max, and moves r up only when an
// element exceeds it by more than REBASE. The rescaling by e^(r_old − r_new) <= e^-32 is then rare
// and shrinks everything summed before, so its rounding does not pile up even over a sorted row,
// while Σ e^(x − r) <= 2^24·e^32 stays far below f32's max.
const REBASE: f32 = 32.0;

// ---- The lanes and their elements ----

struct Work {
  live: bool,   // the lane's unit exists (not past the last one, nor in a 2D grid's overshoot)
  row: u32,
  base: u32,    // the row's element 0, counted from the operands' offsets
  q: u32,       // the lane's place among its unit's lanes
  lanes: u32,
  block: u32,
  first: u32,   // the lane's first column; the block ends before column `end`
  end: u32,
}

fn work_of(group: u32, v: u32) -> Work {
  let lanes = 1u << params.lane_bits;
  let units_per_group = WG >> params.lane_bits;
  let slot = (v >> params.row_shift) & (units_per_group - 1u);
  let q = (v >> params.lane_shift) & (lanes - 1u);
  // Units run block by block, so that neighbouring slots hold neighbouring rows.
  let unit = group * units_per_group + slot;
  let block = params.first_block + unit / params.rows;
  let row = unit % params.rows;
  let o = row / params.inner;
  let i = row - o * params.inner;
  let first = block * params.block_len;
  let end = min(params.len, first + params.block_len);
  return Work(block < params.block_end, row, o * params.len * params.inner + i, q, lanes, block, first + q * SIDE_BY_SIDE, end);
}

// ---- Statistics of one lane ----

struct Running {
  r: f32,       // the reference: s sums e^(x − r)
  m: f32,       // the max so far (NaN or any value once a NaN was seen)
  s: vec2<f32>, // Σ e^(x − r), compensated
  d: vec2<f32>, // Σ dy, compensated, where the kernel needs it
}

// r starts at −FLT_MAX, not −∞: x − r is then −∞ for a masked element (x = −∞), whose term is 0, and
// never −∞ − (−∞).
const LOWEST: f32 = -0x1.fffffep+127f;

fn running_start() -> Running {
  return Running(LOWEST, neg_inf(), vec2(0.0), vec2(0.0));
}

// The online max-and-sum step for four elements (−∞ for the missing ones). NaN and +∞ need no test:
// x − r is NaN for either (+∞ first moves r to +∞), and so the sum is NaN, which `finish` turns into
// the mark m = +∞.
fn add_x(run: ptr<function, Running>, x4: vec4<f32>) {
  let top = max(max(x4.x, x4.y), max(x4.z, x4.w));
  (*run).m = max((*run).m, top);
  if (top > (*run).r + REBASE) {
    (*run).s *= exp_diff1((*run).r, top);
    (*run).r = top;
  }
  (*run).s = add_compensated((*run).s, sum4(split_value(exp_diff_split(x4, vec4((*run).r)), vec4(0))));
}

fn sum4(v: vec4<f32>) -> f32 {
  return (v.x + v.y) + (v.z + v.w);
}

// The lane's statistic, its sum moved from the reference r to its max m (m − r <= REBASE). A NaN sum
// marks a row with a NaN or +∞: m = +∞.
fn finish(run: Running) -> vec4<f32> {
  var s = run.s.x + run.s.y;
  if (is_nan1(s)) {
    return vec4(pos_inf(), s, run.d.x + run.d.y, 0.0);
  }
  if (run.r < run.m) {
    s *= exp_diff1(run.r, run.m);
  }
  return vec4(run.m, s, run.d.x + run.d.y, 0.0);
}

// (max, Σ e^(x − max), 0) over the lane's elements of x.
fn lane_stats(w: Work) -> vec4<f32> {
  var run = running_start();
  if (w.live) {
    for (var j = w.first; j < w.end; j += 4u * w.lanes) {
      add_x(&run, load4_x(w, j, neg_inf()));
    }
  }
  return finish(run);
}

// lane_stats with Σ dy as d, in the same pass (log-softmax backward).
fn lane_stats_dy_sum(w: Work) -> vec4<f32> {
  var run = running_start();
  if (w.live) {
    for (var j = w.first; j < w.end; j += 4u * w.lanes) {
      add_x(&run, load4_x(w, j, neg_inf()));
      let g = load4_dy(w, j, 0.0);
      run.d = add_compensated(run.d, sum4(g));
    }
  }
  return finish(run);
}

// (−∞, 0, Σ dy) over the lane's elements (log-softmax backward from its output).
fn lane_dy_sum(w: Work) -> vec4<f32> {
  var d = vec2(0.0);
  if (w.live) {
    for (var j = w.first; j < w.end; j += 4u * w.lanes) {
      let g = load4_dy(w, j, 0.0);
      d = add_compensated(d, sum4(g));
    }
  }
  return vec4(neg_inf(), 0.0, d.x + d.y, 0.0);
}

// (−∞, 0, Σ dy·y) with y = softmax(x) from the row's statistic st (softmax backward). Each product is
// formed from y's mantissa and exponent, so a huge dy times a y below 2^-126 is not lost.
fn lane_dot_softmax(w: Work, st: vec4<f32>) -> vec4<f32> {
  let s = frexp(st.y);
  var d = vec2(0.0);
  if (w.live) {
    for (var j = w.first; j < w.end; j += 4u * w.lanes) {
      let p = exp_diff(load4_x(w, j, neg_inf()), vec4(st.x));
      let g = load4_dy(w, j, 0.0);
      let t = select(mul_scaled(g, p.m / s.fract, p.e - s.exp), g, is_nan(g));
      d = add_compensated(d, sum4(t));
    }
  }
  return vec4(neg_inf(), 0.0, d.x + d.y, 0.0);
}

// (−∞, 0, Σ dy·y) with y the caller's saved softmax output, read as x.
fn lane_dot_given(w: Work) -> vec4<f32> {
  var d = vec2(0.0);
  if (w.live) {
    for (var j = w.first; j < w.end; j += 4u * w.lanes) {
      let t = load4_x(w, j, 0.0) * load4_dy(w, j, 0.0);
      d = add_compensated(d, sum4(t));
    }
  }
  return vec4(neg_inf(), 0.0, d.x + d.y, 0.0);
}

// ---- Merging statistics over a row ----

// (m1, s1, d1) and (m2, s2, d2) → (M, s1·e^(m1 − M) + s2·e^(m2 − M), d1 + d2), M = max(m1, m2).
// The same bits whichever argument comes first, so every lane of a row ends with the same result.
fn merge(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  let a_top = a.x >= b.x;
  let hi = select(b, a, a_top);
  let lo = select(a, b, a_top);
  return vec4(hi.x, hi.y + lo.y * exp_diff1(lo.x, hi.x), a.z + b.z, 0.0);
}

// ---- Long rows in blocks: statistics through `partials` between dispatches ----

// Statistic `region` of the lane's block, from the lane that holds q = 0.
fn store_partial(w: Work, region: u32, st: vec4<f32>) {
  if (w.live && w.q == 0u) {
    partials[(region * params.rows + w.row) * params.blocks + w.block] = st;
  }
}

// The lane's share of its row's per-block statistics `region`; reduce merges the shares.
fn load_partials(w: Work, region: u32) -> vec4<f32> {
  var st = vec4(neg_inf(), 0.0, 0.0, 0.0);
  if (w.live) {
    for (var b = w.q; b < params.blocks; b += w.lanes) {
      st = merge(st, partials[(region * params.rows + w.row) * params.blocks + b]);
    }
  }
  return st;
}

// ---- Writers: one pass over the lane's elements with the row's statistics ----

// y = e^(x − m) / s = ((1 + q)·(1/s))·2^k: 1 <= s, so (1 + q)/s is normal, and the last factor
// scales it exactly unless y itself is below 2^-126.
fn write_softmax(w: Work, st: vec4<f32>) {
  if (!w.live) {
    return;
  }
  // NaN for a row without a max (m = ±∞): every product below is then NaN, 2^k = 0 included.
  let inv_s = select(1.0 / st.y, nan(), not_finite(st.x));
  for (var j = w.first; j < w.end; j += 4u * w.lanes) {
    let p = exp_diff_split(load4_x(w, j, neg_inf()), vec4(st.x));
    store4_y(w, j, ((1.0 + p.q) * inv_s) * pow2_shifted(p.t, vec4(0)));
  }
}

// ln s = e·ln 2 + ln(f) for s = f·2^e with f in [√½, √2): the built-in log only sees f, where its
// error is absolute (2^-21 at most, by the WGSL spec) and ln 1 = 0 exactly; e·LN2_HI is exact.
fn log_of(s: f32) -> f32 {
  let parts = frexp(s);
  let low = parts.fract < 0.70710678;
  let f = select(parts.fract, 2.0 * parts.fract, low);
  let e = f32(parts.exp - select(0, 1, low));
  return (e * LN2_HI + log(f)) + e * LN2_LO;
}

// l = (x − m) − ln s, with the exact rounding error of x − m added back last.
fn write_log_softmax(w: Work, st: vec4<f32>) {
  if (!w.live) {
    return;
  }
  let bad = not_finite(st.x);
  let log_s = log_of(st.y);
  for (var j = w.first; j < w.end; j += 4u * w.lanes) {
    let d = exact_diff(load4_x(w, j, neg_inf()), vec4(st.x));
    store4_y(w, j, select((d.hi - log_s) + d.lo, vec4(nan()), bad));
  }
}

// dx = y·(dy − g), g = Σ dy·y, with y as mantissa and exponent (mul_scaled): no underflow before
// the product with a huge dy − g.
fn write_softmax_backward(w: Work, st: vec4<f32>, g: f32) {
  if (!w.live) {
    return;
  }
  let bad = not_finite(st.x) || is_nan1(g);
  let s = frexp(st.y);
  for (var j = w.first; j < w.end; j += 4u * w.lanes) {
    let p = exp_diff(load4_x(w, j, neg_inf()), vec4(st.x));
    let t = load4_dy(w, j, 0.0) - g;
    let dx = select(mul_scaled(t, p.m / s.fract, p.e - s.exp), t, is_nan(t));
    store4_y(w, j, select(dx, vec4(nan()), bad));
  }
}

// dx = dy − y·Σ dy with y = softmax(x) and Σ dy in st.z.
fn write_log_softmax_backward(w: Work, st: vec4<f32>) {
  if (!w.live) {
    return;
  }
  let bad = not_finite(st.x) || is_nan1(st.z);
  let s = frexp(st.y);
  for (var j = w.first; j < w.end; j += 4u * w.lanes) {
    let p = exp_diff(load4_x(w, j, neg_inf()), vec4(st.x));
    let g = load4_dy(w, j, 0.0);
    let dx = g - mul_scaled(vec4(st.z), p.m / s.fract, p.e - s.exp);
    store4_y(w, j, select(select(dx, g, is_nan(g)), vec4(nan()), bad));
  }
}

// dx = y·(dy − g) from the caller's y, g = Σ dy·y.
fn write_softmax_backward_given(w: Work, g: f32) {
  if (!w.live) {
    return;
  }
  let bad = is_nan1(g);
  for (var j = w.first; j < w.end; j += 4u * w.lanes) {
    let y4 = load4_x(w, j, 0.0);
    let t = load4_dy(w, j, 0.0) - g;
    store4_y(w, j, select(y4 * t, vec4(nan()), vec4(bad) | is_nan(y4) | is_nan(t)));
  }
}

// dx = dy − e^l·Σ dy from the caller's l = logSoftmax(x), Σ dy = g.
fn write_log_softmax_backward_given(w: Work, g: f32) {
  if (!w.live) {
    return;
  }
  let bad = is_nan1(g);
  for (var j = w.first; j < w.end; j += 4u * w.lanes) {
    let l = load4_x(w, j, neg_inf());
    let p = exp_parts(l);
    let d = load4_dy(w, j, 0.0);
    // A saved l of +∞ is no log-probability; e^∞·g is then ±∞ or NaN, as the formula says.
    let dx = select(d - mul_scaled(vec4(g), p.m, p.e), d - g * l, is_pos_inf(l));
    store4_y(w, j, select(dx, vec4(nan()), vec4(bad) | is_nan(l) | is_nan(d)));
  }
}
