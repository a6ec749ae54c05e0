// The elementwise kernel: y[i] = APPLY(x[i], dy[i]) for i < n, with every activation and mode
// substituted by src/gpu/kernels.ts, which fills the placeholders in double braces (a missing one is an error).
//
// Each thread handles PER_THREAD steps (a vec4<f32>, an f32, four f16s packed in two u32s, or eight in a vec4<u32>),
// strided by the workgroup size so that neighbouring threads touch neighbouring addresses. The grid may be 2D when there are more
// than maxComputeWorkgroupsPerDimension groups; the element index comes from the flattened group id.
//
// `main` covers the whole storage elements only: the vec4 and f16vec4 variants' last, partial 16 bytes
// (n % 4 or n % 8 elements) are written by the `tail` entry point, dispatched once after main; the f16
// variant's `tail` writes the halves that share a u32 with a neighbour (see packedAccess in kernels.ts). A per-element
// partial-vec4 test inside main's loop cost ~40% of the copy bandwidth on the software adapter.

// Params: n (elements in this dispatch), x_off, dy_off, y_off (where each operand starts, in
// storage elements from its binding's start: halves for f16), then the activation's parameters by name.
{{PARAMS}}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read_write> y: array<{{STORE}}>;
{{X_BINDING}}
{{DY_BINDING}}

const WG: u32 = {{WORKGROUP_SIZE}}u;
const PER_THREAD: u32 = {{PER_THREAD}}u;

// z is x[i] as a vec4, and g dy[i] (backward; 1 otherwise): the same f32 math for every storage.
// p is the uniforms, read once per invocation by its caller: read here, in every step, they cost the
// one-multiply kernels (linear, leakyRelu) ~0.05 of the copy kernel's bandwidth on the software adapter.
fn apply(z: vec4<f32>, g: vec4<f32>, p: Params) -> vec4<f32> {
  return {{APPLY}};
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let first = (wid.y * groups.x + wid.x) * WG * PER_THREAD + lid;
  let count = {{COUNT}};
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = first + k * WG;
    if (i >= count) {
      return;
    }
    {{STEP}}
  }
}
{{TAIL}}
{{ACCESS}}
