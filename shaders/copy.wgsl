// A bitwise copy of n u32s from src[src_off..] to dst[dst_off..]: read() of a caller's buffer that
// lacks COPY_SRC usage goes through it into a buffer of the library's (storage usage is enough).

// Params (COPY_PARAMS in src/gpu/kernels.ts): n, src_off, dst_off.
{{PARAMS}}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

@compute @workgroup_size({{WORKGROUP_SIZE}})
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * groups.x + wid.x) * {{WORKGROUP_SIZE}}u + lid;
  if (i < params.n) {
    dst[params.dst_off + i] = src[params.src_off + i];
  }
}
