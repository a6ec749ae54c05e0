// The workgroup-memory variant of the softmax kernels, for devices without subgroups (and forced by
// createActivations({ subgroups: false })): lane v is the local invocation index, and reduce does
// every merge step in workgroup memory.

fn subgroup_merge(st: vec4<f32>, q_mask: u32, step: u32) -> vec4<f32> {
  return st; // step is 1: no lanes to combine before the workgroup tree
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  kernel(wid.y * groups.x + wid.x, lid, 1u);
}
