// The subgroup variant of the softmax kernels (src/gpu/kernels.ts puts `enable subgroups;` first). A
// unit's lanes (at most the adapter's smallest subgroup size) are neighbouring local invocations in
// one subgroup, and merge their statistics by shuffles: no workgroup memory and no barrier, which
// also spares a CPU adapter such as SwiftShader its costly coroutine mode.
//
// WGSL promises neither that a subgroup is a run of consecutive local invocation indices nor that
// it is full. So each subgroup checks that it is full, consecutive, aligned to its size and at least
// a unit wide: then it holds whole units, and lane v ^ b (b < lanes) is its shuffle partner b. Where
// the check fails, each lane gathers its whole unit alone: the same result, for `lanes` times the reads.

var<private> by_shuffles: bool;

// The work whose statistics this lane gathers: its share of the unit, or all of it.
fn share(w: Work) -> Work {
  var whole = w;
  if (!by_shuffles) {
    whole.first -= w.q * SIDE_BY_SIDE;
    whole.q = 0u;
    whole.lanes = 1u;
  }
  return whole;
}

// Merges the statistics of each unit's lanes (the low lane_bits bits of v); every lane gets the result.
fn reduce(st: vec4<f32>, v: u32) -> vec4<f32> {
  var r = st;
  for (var b = 1u; b < (1u << params.lane_bits); b <<= 1u) {
    r = merge(r, subgroupShuffleXor(r, b));
  }
  return select(st, r, by_shuffles);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) sid: u32,
        @builtin(subgroup_size) size: u32) {
  let base = subgroupBroadcastFirst(lid);
  let consecutive = subgroupAll(lid == base + sid);
  by_shuffles = subgroupAdd(1u) == size && consecutive && (base & (size - 1u)) == 0u &&
    size >= (1u << params.lane_bits);
  kernel(wid.y * groups.x + wid.x, lid);
}
