// The WGSL export's text: what it declares, what it leaves out, and what it refuses. Whether it
// compiles and computes within the contract is test/gpu/wgsl-export.test.ts's.
import { describe, expect, test } from 'vitest';
import { ELEMENTWISE, ELEMENTWISE_NAMES, type Mode } from '../../src/activations/table.js';
import { wgsl } from '../../src/index.js';
import { parseDeclarations } from '../../src/wgsl-export.js';

const MODES: readonly Mode[] = ['forward', 'derivative', 'backward'];
const declared = (code: string) => parseDeclarations(code).map((d) => d.name);

describe('wgsl.function', () => {
  test.each(ELEMENTWISE_NAMES)('%s: every module-scope name starts with the prefix; no bindings, enable or overrides', (name) => {
    for (const mode of MODES) {
      for (const width of [1, 4] as const) {
        for (const prefix of ['act_', 'My7_']) {
          const f = wgsl.function(name, mode, { prefix, width });
          const names = declared(f.code);
          expect(names).toContain(f.entry);
          for (const n of names) expect(n.startsWith(prefix), `${n} in ${name} ${mode}`).toBe(true);
          expect(new Set(names).size, 'each declared once').toBe(names.length);
          const code = f.code.split('\n').map((l) => l.split('//')[0]).join('\n');
          expect(code).not.toMatch(/@group|@binding|\benable\b|\boverride\b|\brequires\b|\bdiagnostic\b/);
        }
      }
    }
  });

  test('the entry\'s signature and params: z (and dy for backward), then the arguments in order with their f32 defaults', () => {
    const leaky = wgsl.function('leakyRelu', 'backward', { width: 1 });
    expect(leaky.entry).toBe('act_leakyRelu_backward_f32');
    expect(leaky.params).toEqual([{ name: 'alpha', default: Math.fround(0.01) }]);
    expect(leaky.code).toContain('fn act_leakyRelu_backward_f32(z: f32, dy: f32, alpha: f32) -> f32 {');
    expect(wgsl.function('hardSigmoid', 'forward').params.map((p) => p.name)).toEqual(['alpha', 'beta']);
    const elu = wgsl.function('elu', 'derivative');
    expect(elu.code).toContain('fn act_elu_derivative_vec4(z: vec4<f32>, alpha: f32) -> vec4<f32> {');
    expect(wgsl.function('gelu', 'forward').params).toEqual([]);
  });

  test('the derivative is the table\'s own derivative form where it has one, as the kernels run it, else backward with dy = 1', () => {
    expect(wgsl.function('celu', 'derivative').code).toContain('return act_celu_derivative(z, alpha);');
    expect(wgsl.function('softsign', 'derivative', { width: 1 }).code).toContain('return act_softsign_derivative(vec4(z)).x;');
    expect(wgsl.function('elu', 'derivative').code).toContain('return act_elu_derivative_params(z, alpha);');
    expect(wgsl.function('selu', 'derivative').code).toContain('return act_selu_derivative_params(z);');
    expect(wgsl.function('sigmoid', 'derivative').code).toContain('return act_sigmoid_backward(z, vec4(1.0));');
    expect(wgsl.function('hardSigmoid', 'derivative').code).toContain('return act_hard_sigmoid_backward(z, vec4(1.0), alpha, z_below, z_above);');
    const withForm = ELEMENTWISE_NAMES.filter((n) => ELEMENTWISE[n].wgsl.derivative);
    expect(withForm).toEqual(['elu', 'selu', 'celu', 'softplus', 'logSigmoid', 'softsign'].sort((a, b) =>
      ELEMENTWISE_NAMES.indexOf(a as never) - ELEMENTWISE_NAMES.indexOf(b as never)));
    for (const name of withForm) expect(wgsl.function(name, 'derivative').code).not.toMatch(/return act_\w+\(z, vec4\(1\.0\)/);
  });

  test('modes with host constants: elu and selu make them in WGSL from the parameters; hardSigmoid takes them, from wgsl.args', () => {
    const withConstants = ELEMENTWISE_NAMES.filter((n) => ELEMENTWISE[n].hostConstants);
    expect(withConstants).toEqual(['elu', 'selu', 'hardSigmoid']);
    for (const name of ['elu', 'selu'] as const) {
      const fn = ELEMENTWISE[name].wgsl.fromParams!.backward!;
      expect(wgsl.function(name, 'backward').code).toContain(`return act_${fn}(`);
      expect(wgsl.function(name, 'backward').params).toEqual(wgsl.function(name, 'forward').params);
    }
    const hs = wgsl.function('hardSigmoid', 'derivative');
    expect(hs.params.map((p) => p.name)).toEqual(['alpha', 'z_below', 'z_above']);
    // The default slope 1/6·z + 1/2 is inside (0, 1) for z in (−3, 3): the neighbours outside are the f32 at or past ±3.
    expect(hs.params.map((p) => p.default)).toEqual(wgsl.args('hardSigmoid', 'derivative'));
    const [alpha, below, above] = wgsl.args('hardSigmoid', 'backward', { alpha: 0.2, beta: 0.5 });
    expect(alpha).toBe(Math.fround(0.2));
    expect(Math.fround(0.2) * below! + 0.5).toBeLessThanOrEqual(0);
    expect(Math.fround(0.2) * above! + 0.5).toBeGreaterThanOrEqual(1);
  });

  test('wgsl.args checks the parameters as the library\'s calls do, and rounds them to f32', () => {
    expect(wgsl.args('elu', 'forward', { alpha: 0.1 })).toEqual([Math.fround(0.1)]);
    expect(wgsl.args('linear', 'backward')).toEqual([1]);
    expect(() => wgsl.args('elu', 'forward', { alpha: -1 })).toThrow(/parameter alpha = -1 is invalid/);
    expect(() => wgsl.args('softmax' as 'gelu', 'forward')).toThrow(/is a reduction over a row/);
  });

  test('softmax and logSoftmax: a clear error, not a function', () => {
    for (const name of ['softmax', 'logSoftmax']) {
      expect(() => wgsl.function(name as 'gelu', 'forward')).toThrow(`wgsl.functions: ${name} is a reduction over a row`);
    }
  });

  test('bad arguments name themselves', () => {
    expect(() => wgsl.function('nope' as 'gelu', 'forward')).toThrow(/unknown activation "nope"/);
    expect(() => wgsl.function('gelu', 'sideways' as Mode)).toThrow(/mode "sideways" is invalid/);
    expect(() => wgsl.function('gelu', 'forward', { width: 2 as 4 })).toThrow(/width 2 is invalid; expected 1 or 4/);
    for (const prefix of ['', '__x', '1a', 'a-b']) expect(() => wgsl.function('gelu', 'forward', { prefix })).toThrow(/prefix .* is invalid/);
  });

  test('member accesses keep their names: only module-scope names get the prefix', () => {
    const codes = ELEMENTWISE_NAMES.flatMap((name) => MODES.map((mode) => wgsl.function(name, mode).code));
    // Some export reads a member of one of the shaders' structs, so the check below has something to check.
    expect(codes.some((c) => /struct act_\w+/.test(c) && /\w\.[a-z]\w*/.test(c))).toBe(true);
    for (const code of codes) expect(code).not.toMatch(/\.act_/);
  });
});

describe('wgsl.functions: several activations in one text, each helper once', () => {
  test('shared helpers are declared once, and each entry is in the text', () => {
    const { code, entries } = wgsl.functions([
      { name: 'gelu', mode: 'forward' }, { name: 'silu', mode: 'backward', width: 1 }, { name: 'gelu', mode: 'forward' },
    ]);
    const names = declared(code);
    expect(new Set(names).size).toBe(names.length);
    expect(entries.map((e) => e.entry)).toEqual(['act_gelu_forward_vec4', 'act_silu_backward_f32', 'act_gelu_forward_vec4']);
    for (const e of entries) expect(names).toContain(e.entry);
  });

  test('two wgsl.function texts with one prefix would declare their shared helpers twice: the reason for wgsl.functions', () => {
    const gelu = declared(wgsl.function('gelu', 'backward').code);
    const silu = declared(wgsl.function('silu', 'backward').code);
    const shared = gelu.filter((n) => silu.includes(n));
    expect(shared.length).toBeGreaterThan(0);
    const together = declared(wgsl.functions([{ name: 'gelu', mode: 'backward' }, { name: 'silu', mode: 'backward' }]).code);
    expect(new Set(together).size).toBe(together.length);
    for (const n of shared) expect(together.filter((m) => m === n)).toHaveLength(1);
    const apart = declared(wgsl.function('gelu', 'backward', { prefix: 'a_' }).code + wgsl.function('silu', 'backward', { prefix: 'b_' }).code);
    expect(new Set(apart).size).toBe(apart.length);
  });
});
