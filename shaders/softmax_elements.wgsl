// Element-by-element access for the softmax kernels (src/gpu/kernels.ts puts read_x, read_dy and
// write_y first, for f32 or packed f16 storage): any stride `inner`, any offset, any row length. Lane
// q takes the columns q, q + lanes, q + 2·lanes, q + 3·lanes of each step, so that neighbouring
// lanes read neighbouring columns.
const SIDE_BY_SIDE: u32 = 1u;

// Columns j, j + lanes, j + 2·lanes, j + 3·lanes of the lane's row (j < end).
fn columns(w: Work, j: u32) -> vec4<u32> {
  return vec4(j) + vec4(0u, 1u, 2u, 3u) * w.lanes;
}

// Where those columns are, counted from an operand's offset. Columns past the block's end are not
// clamped (a min per element cost ~10% of softmax's forward time on the software adapter): loads
// there read whatever WebGPU's robust buffer access returns, a value of the binding or 0, and
// load4_* replace it with their fill; store4_y writes only the live columns.
fn places(w: Work, cols: vec4<u32>) -> vec4<u32> {
  return vec4(w.base) + (cols - vec4(params.col0)) * params.inner;
}

// The four elements of x at `columns(w, j)`; `fill` past the block's end.
fn load4_x(w: Work, j: u32, fill: f32) -> vec4<f32> {
  let cols = columns(w, j);
  let at = vec4(params.x_off) + places(w, cols);
  let v = vec4(read_x(at.x), read_x(at.y), read_x(at.z), read_x(at.w));
  return select(vec4(fill), v, cols < vec4(w.end));
}

fn load4_dy(w: Work, j: u32, fill: f32) -> vec4<f32> {
  let cols = columns(w, j);
  let at = vec4(params.dy_off) + places(w, cols);
  let v = vec4(read_dy(at.x), read_dy(at.y), read_dy(at.z), read_dy(at.w));
  return select(vec4(fill), v, cols < vec4(w.end));
}

fn store4_y(w: Work, j: u32, value: vec4<f32>) {
  let cols = columns(w, j);
  let at = vec4(params.y_off) + places(w, cols);
  let live = cols < vec4(w.end);
  write_y(at.x, value.x); // column j < end: the loops guarantee it
  if (live.y) {
    write_y(at.y, value.y);
  }
  if (live.z) {
    write_y(at.z, value.z);
  }
  if (live.w) {
    write_y(at.w, value.w);
  }
}
