// Vector access for the softmax kernels: the reduced axis is the last one (inner = 1), every operand
// is f32 and starts at a multiple of 16 bytes, and rows are a multiple of 4 long. x, y and dy are then
// arrays of vec4<f32>, and lane q takes the four neighbouring columns 4q .. 4q + 3 of each step in one
// load and one store (neighbouring lanes still read neighbouring memory). Blocks start at multiples of
// 4·lanes and rows end at multiples of 4, so a step lies wholly inside its block or wholly past it:
// nothing is filled in or masked.
const SIDE_BY_SIDE: u32 = 4u;

// The vec4 of columns j .. j + 3 of an operand that starts `off` elements into its binding.
fn at4(w: Work, off: u32, j: u32) -> u32 {
  return (off + w.base + j - params.col0) >> 2u;
}

fn load4_x(w: Work, j: u32, fill: f32) -> vec4<f32> {
  return {{X}}[at4(w, params.x_off, j)];
}

fn load4_dy(w: Work, j: u32, fill: f32) -> vec4<f32> {
  return {{DY}}[at4(w, params.dy_off, j)];
}

fn store4_y(w: Work, j: u32, value: vec4<f32>) {
  y[at4(w, params.y_off, j)] = value;
}
