// The workgroup-memory variant of the softmax kernels: the fallback without subgroups (forced by
// createActivations({ subgroups: false })), and the entry point of the one-lane-per-row kernels,
// which merge nothing and so touch no workgroup memory.

var<workgroup> exchange: array<vec4<f32>, WG>;

fn share(w: Work) -> Work {
  return w;
}

// Merges the statistics of each unit's lanes and gives every lane the result: they halve in
// workgroup memory over the bits of v that hold q. Empty lanes hold the identity, so any row length
// works.
fn reduce(st: vec4<f32>, v: u32) -> vec4<f32> {
  let q_mask = ((1u << params.lane_bits) - 1u) << params.lane_shift;
  if (q_mask == 0u) {
    return st;
  }
  workgroupBarrier(); // an earlier reduce may still be reading `exchange`
  exchange[v] = st;
  workgroupBarrier();
  for (var b = 1u; b < WG; b <<= 1u) {
    if ((q_mask & b) != 0u) {
      if ((v & b) == 0u) {
        exchange[v] = merge(exchange[v], exchange[v | b]);
      }
      workgroupBarrier();
    }
  }
  return exchange[v & ~q_mask];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  kernel(wid.y * groups.x + wid.x, lid);
}
