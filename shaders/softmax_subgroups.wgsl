// The subgroup variant of the softmax kernels (src/kernels.ts puts `enable subgroups;` first). The
// lanes of a row that share a subgroup merge their statistics with shuffles instead of workgroup
// memory and barriers.
//
// WGSL promises neither that a subgroup is a run of consecutive local_invocation_index values nor
// that it is full. So each subgroup takes a slot from a counter and its lanes are numbered
// v = slot·size + subgroup_invocation_id: then lane v ^ b (b < size) is shuffle partner b. Where a
// subgroup is partial or the sizes differ, the workgroup falls back to v = local index and merges
// in workgroup memory only (step = 1).

var<workgroup> subgroup_slots: atomic<u32>;
var<workgroup> subgroup_sizes: atomic<u32>;  // the OR of every subgroup's size
var<workgroup> partial_subgroups: atomic<u32>;
var<workgroup> lane_step: u32;

fn subgroup_merge(st: vec4<f32>, q_mask: u32, step: u32) -> vec4<f32> {
  var r = st;
  for (var b = 1u; b < step; b <<= 1u) {
    if ((q_mask & b) != 0u) {
      r = merge(r, subgroupShuffleXor(r, b));
    }
  }
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) sid: u32,
        @builtin(subgroup_size) size: u32) {
  let present = subgroupAdd(1u);
  var slot = 0u;
  if (subgroupElect()) {
    slot = atomicAdd(&subgroup_slots, 1u);
    atomicOr(&subgroup_sizes, size);
    if (present != size) {
      atomicStore(&partial_subgroups, 1u);
    }
  }
  slot = subgroupBroadcastFirst(slot);
  workgroupBarrier();
  if (lid == 0u) {
    let sizes = atomicLoad(&subgroup_sizes);
    let full_and_equal = atomicLoad(&partial_subgroups) == 0u && countOneBits(sizes) == 1u;
    lane_step = select(1u, sizes, full_and_equal);
  }
  let step = workgroupUniformLoad(&lane_step);
  kernel(wid.y * groups.x + wid.x, select(lid, slot * size + sid, step > 1u), step);
}
