import { wgsl, type ElementwiseName } from 'webgpu-activations';

/**
 * A matmul with the activation fused into its store: C = f(A·B + bias), A m×k, B k×n, and Z = A·B + bias
 * kept for the backward pass. width 4 computes four outputs of a row per invocation (n a multiple of 4).
 */
export function fusedMatmul(name: ElementwiseName, params: Record<string, number> = {}, width: 1 | 4 = 4): string {
  const f = wgsl.function(name, 'forward', { width });
  const args = wgsl.args(name, 'forward', params); // f32 values, after z
  const T = width === 4 ? 'vec4<f32>' : 'f32';
  return /* wgsl */ `
${f.code}
struct Shape { m: u32, k: u32, cols: u32 } // cols = n / width
@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<${T}>;
@group(0) @binding(3) var<storage, read> bias: array<${T}>;
@group(0) @binding(4) var<storage, read_write> z: array<${T}>;
@group(0) @binding(5) var<storage, read_write> c: array<${T}>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let row = id.x / shape.cols;
  let col = id.x % shape.cols;
  if (row >= shape.m) { return; }
  var acc = ${T}(0.0);
  for (var i = 0u; i < shape.k; i++) {
    acc += a[row * shape.k + i] * b[i * shape.cols + col];
  }
  let pre = acc + bias[col];
  z[id.x] = pre;
  c[id.x] = ${f.entry}(${['pre', ...args.map(String)].join(', ')});
}`;
}
