// The library between the engines users already run, on one GPUDevice: a tfjs tensor into an op and
// back into tfjs, and an ONNX Runtime session's GPU output through softmax into a second session
// (the README's examples, docs/examples/interop-*.ts). Values against the float64 reference; no
// readback between the engines and us. Chromium only: both engines need a browser.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ort } from '../../bench/ort-setup.js';
import { singleOpModel } from '../../bench/onnx-model.js';
import { initTfjs } from '../../bench/peer-tfjs.js';
import { softmaxBetween, sessionOnDevice } from '../../docs/examples/interop-ort.js';
import { activationsOnTfjsDevice, geluOfTfjs } from '../../docs/examples/interop-tfjs.js';
import { createActivations, reference, type Activations } from '../../src/index.js';
import { SOFTMAX_CONTRACT } from '../../src/numerics/accuracy.js';
import { checkBounds, checkElementwise, rng } from '../../src/numerics/verify.js';
import { countReadbacks, testAdapter } from '../helpers/gpu.js';

let act: Activations;
beforeAll(async () => {
  const adapter = await testAdapter();
  await initTfjs(await adapter.requestDevice(), adapter.info);
  act = await activationsOnTfjsDevice();
});
afterAll(() => act?.destroy());

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('TensorFlow.js', () => {
  test('a tfjs tensor through gelu and back into tfjs, GPU to GPU: values within the contract, no readback', async () => {
    // 2a for a over [−8, 8] and the tails: gelu's negative tail (−13), its zero crossing of f' (−0.75),
    // 0 and large positive values; tfjs's multiply makes x, so x is tfjs's own GPU data.
    const a = new Float32Array([-13, -6.5, -2, -0.375, -0.25, 0, 1e-3, 0.5, 2, 4, 40, ...Array.from({ length: 53 }, (_, i) => -8 + i * 0.3)]);
    const readbacks = countReadbacks();
    const x = tf.mul(tf.tensor1d(a), 2);
    const { y, release } = geluOfTfjs(act, x);
    const z = tf.mul(y, 3); // tfjs consumes our output where it lies
    await act.device.queue.onSubmittedWorkDone();
    readbacks.stop();
    expect(readbacks.count, 'readbacks between tfjs and the library').toBe(0);

    const xs = Float32Array.from(a, (v) => Math.fround(2 * v)); // ×2 is exact
    const ys = await y.data<'float32'>();
    const check = checkElementwise('gelu', 'forward', {}, xs, undefined, ys);
    expect(check.failures).toEqual([]);
    expect(bits(await z.data<'float32'>())).toEqual(bits(Float32Array.from(ys, (v) => Math.fround(3 * v))));
    z.dispose();
    x.dispose();
    release();
  });

  test('a tfjs buffer wrapped by an instance on another device: a clear error from wrap\'s check', async () => {
    const elsewhere = await createActivations({ device: await (await testAdapter()).requestDevice() });
    const x = tf.mul(tf.tensor1d([1, 2, 3]), 1); // on tfjs's GPU (an upload alone stays on the CPU until used)
    const data = x.dataToGPU();
    const y = elsewhere.forward('relu', elsewhere.wrap(data.buffer!, { length: 3 }));
    await expect(y.read()).rejects.toThrow(/belongs to another GPUDevice/);
    data.tensorRef.dispose();
    x.dispose();
    elsewhere.destroy();
    elsewhere.device.destroy();
  });
});

describe('ONNX Runtime Web (WebGPU EP)', () => {
  test('a session\'s GPU output through softmax into a second session: values within the contract, no readback', async () => {
    // Logits of 6 rows × 37 (not a multiple of 4 or of a subgroup), spread over [−20, 20] so that
    // some probabilities are tiny; the first model doubles them (exact in f32), the second triples
    // softmax's output (one rounding, checked bit for bit).
    const rows = 6;
    const cols = 37;
    const random = rng(1414);
    const logits = Float32Array.from({ length: rows * cols }, () => -10 + 20 * random());
    const first = await sessionOnDevice(act, singleOpModel({ opType: 'Mul', shape: [rows, cols], scalarInitializer: 2 }));
    const second = await sessionOnDevice(act, singleOpModel({ opType: 'Mul', shape: [rows, cols], scalarInitializer: 3 }));
    const x = new ort.Tensor('float32', logits, [rows, cols]);
    const readbacks = countReadbacks();
    const out = await softmaxBetween(act, first, second, x);
    await act.device.queue.onSubmittedWorkDone();
    readbacks.stop();
    expect(readbacks.count, 'readbacks between ONNX Runtime and the library').toBe(0);
    expect(out.location).toBe('gpu-buffer');

    // ORT's ×3 after our softmax: 3p within 3 times softmax's bound, plus the half ULP of ORT's rounding.
    const got = (await out.getData()) as Float32Array;
    const p = reference.forward('softmax', Float32Array.from(logits, (v) => Math.fround(2 * v)), { shape: [rows, cols] });
    const check = checkBounds('3·softmax(2x)', got, p.map((v) => 3 * v), (i) => 3 * SOFTMAX_CONTRACT.probability(p[i]!) + 2 ** -24 * 3 * p[i]!);
    expect(check.failures).toEqual([]);
    out.dispose();
    await first.release();
    await second.release();
  });
});
