// The Jacobians of softmax or log-softmax: one len×len matrix per row, from y = softmax(x) as the
// forward kernel wrote it (in x's layout, see softmax.wgsl). Output element t is entry (j, k) =
// ∂fⱼ/∂xₖ of row t / len². src/gpu/kernels.ts fills in the placeholders: {{ENTRY}} is the activation's formula in yj, yk.

// Params (JACOBIAN_PARAMS in src/gpu/kernels.ts): total output elements (rows·len²); len; inner; y_off
// and out_off, where y and the output start, in elements (f32s; halves for an f16 output) from their
// bindings' starts. The probabilities are f32; the ACCESS placeholder defines write_y for the output's storage.
{{PARAMS}}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> probs: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<{{OUTPUT}}>;
{{ACCESS}}

const WG: u32 = {{WORKGROUP_SIZE}}u;
const PER_THREAD: u32 = {{PER_THREAD}}u;

fn prob(row: u32, j: u32) -> f32 {
  let o = row / params.inner;
  let i = row - o * params.inner;
  return probs[params.y_off + (o * params.len + j) * params.inner + i];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let first = (wid.y * groups.x + wid.x) * WG * PER_THREAD + lid;
  let square = params.len * params.len;
  for (var n = 0u; n < PER_THREAD; n++) {
    let t = first + n * WG;
    if (t >= params.total) {
      return;
    }
    let row = t / square;
    let entry = t - row * square;
    let j = entry / params.len;
    let k = entry - j * params.len;
    let yj = prob(row, j);
    let yk = prob(row, k);
    write_y(params.out_off + t, {{ENTRY}});
  }
}
