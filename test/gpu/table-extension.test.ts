// The table is the single source: a throwaway activation, f(z) = 2z with f'(z) = 2, added through
// the test-only table extension (one entry and its WGSL, nothing else), runs the same GPU suite as
// the table's own activations, in every mode, against its own float64 reference.
import { extendTable } from '../../src/activations/table.js';
import { elementwiseSuite } from './elementwise-suite.js';

extendTable('double', {
  kind: 'elementwise',
  display: 'Double',
  formula: '2·z',
  derivativeFormula: '2',
  params: {},
  wgsl: {
    forward: 'double_forward',
    backward: 'double_backward',
    source: `
fn double_forward(z: vec4<f32>) -> vec4<f32> {
  return keep_nan(2.0 * z, z, z);
}
fn double_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  return keep_nan(2.0 * dy, z, dy);
}`,
  },
  forward: (z) => 2 * z,
  derivative: (z) => (Number.isNaN(z) ? NaN : 2),
  ulpBound: () => 0, // 2z and 2·dy are exact (or overflow to ±∞, which is the correctly rounded result)
  ulpBoundText: 'correctly rounded (0 ULP)',
});

elementwiseSuite(['double']);
