// Per-call overhead of small GPU-resident ops (issue 16): µs per call of relu on n elements, with
// `out`, over a loop of `calls` calls, median of `reps` loops. Two clocks:
// - CPU: the loop itself (the JavaScript and WebGPU calls, nothing awaited);
// - wall: the loop, then until the queue has finished the work (onSubmittedWorkDone).
// Contenders, all on the same device and the same data:
// - ours: the library as documented (batched into one submit per task);
// - ours, new output each call: each output destroyed at once, as tfjs's loop does with its tensors;
// - ours, flush per call: act.flush() after every call — what a caller's own submit between two
//   library calls costs (every library call then has its own submit);
// - ours, caller's encoder: every call recorded into one encoder the caller submits;
// - user dispatch: a hand-written relu kernel, one encoder, pass and submit per dispatch;
// - tfjs: tf.relu on a tensor made from the same GPU buffer, each output disposed.
import * as tf from '@tensorflow/tfjs-core';
import type { Activations, GpuTensor } from '../src/index.js';
import { median } from './measure.js';

export interface OverheadConfig {
  readonly sizes: readonly number[];
  readonly calls: number;
  readonly reps: number;
  /** tfjs was initialised on this device (initTfjs). */
  readonly tfjs: boolean;
}

export type OverheadLabel =
  | 'ours' | 'ours, new output each call' | 'ours, flush per call' | 'ours, caller\'s encoder' | 'user dispatch' | 'tfjs';

export interface OverheadRow {
  readonly n: number;
  readonly label: OverheadLabel;
  /** µs per call, medians over the reps. */
  readonly cpuUs: number;
  readonly wallUs: number;
}

export interface OverheadResults {
  readonly calls: number;
  readonly reps: number;
  readonly rows: readonly OverheadRow[];
}

const RELU_WGSL = `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < arrayLength(&y)) { y[id.x] = max(x[id.x], 0.0); }
}`;

/** A caller's own relu: the pipeline and bind group made once, as a careful user would. */
function userDispatch(device: GPUDevice, x: GPUBuffer, y: GPUBuffer, n: number): () => void {
  const pipeline = device.createComputePipeline({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code: RELU_WGSL }), entryPoint: 'main' },
  });
  const group = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: x, size: 4 * n } }, { binding: 1, resource: { buffer: y, size: 4 * n } }],
  });
  const groups = Math.ceil(n / 256);
  return () => {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(groups);
    pass.end();
    device.queue.submit([encoder.finish()]);
  };
}

interface LoopSetup {
  /** Runs once per loop, before it: returns the call to repeat and what to do after the loop. */
  prepare(): { call: () => void; finish?: () => void };
}

async function timeLoop(device: GPUDevice, setup: LoopSetup, calls: number): Promise<{ cpu: number; wall: number }> {
  await device.queue.onSubmittedWorkDone();
  const { call, finish } = setup.prepare();
  const start = performance.now();
  for (let i = 0; i < calls; i++) call();
  finish?.();
  const cpu = performance.now() - start;
  await device.queue.onSubmittedWorkDone();
  const wall = performance.now() - start;
  return { cpu: (1000 * cpu) / calls, wall: (1000 * wall) / calls };
}

export async function runOverhead(act: Activations, config: OverheadConfig, progress: (line: string) => void): Promise<OverheadResults> {
  const device = act.device;
  const rows: OverheadRow[] = [];
  for (const n of config.sizes) {
    const x = act.tensor(Float32Array.from({ length: n }, (_, i) => (i % 7) - 3));
    const y = act.tensor(new Float32Array(n));
    // A user's buffers for the user's kernel and for tfjs: plain STORAGE buffers of the caller's.
    const tfInput = tf.tensor({ buffer: x.buffer }, [n], 'float32');
    const contenders: [OverheadLabel, LoopSetup][] = [
      ['ours', { prepare: () => ({ call: () => act.forward('relu', x, { out: y }) }) }],
      // tfjs's pattern: a new output each call, destroyed at once (no chain through one buffer).
      ['ours, new output each call', { prepare: () => ({ call: () => act.forward('relu', x).destroy() }) }],
      ['ours, flush per call', {
        prepare: () => ({
          call: () => {
            act.forward('relu', x, { out: y });
            act.flush();
          },
        }),
      }],
      ['ours, caller\'s encoder', {
        prepare: () => {
          const encoder = device.createCommandEncoder();
          return {
            call: () => act.forward('relu', x, { out: y, encoder }),
            finish: () => device.queue.submit([encoder.finish()]),
          };
        },
      }],
      ['user dispatch', { prepare: () => ({ call: userDispatch(device, x.buffer, y.buffer, n) }) }],
    ];
    if (config.tfjs) {
      contenders.push(['tfjs', {
        prepare: () => ({
          call: () => tf.relu(tfInput).dispose(),
          finish: () => tfFlush(),
        }),
      }]);
    }
    // Warm-up: pipelines, bind groups and pools exist before the first timed loop.
    for (const [, setup] of contenders) await timeLoop(device, setup, 100);
    const samples = new Map<OverheadLabel, { cpu: number[]; wall: number[] }>(contenders.map(([label]) => [label, { cpu: [], wall: [] }]));
    // Contenders alternate within each rep, so that machine noise hits them alike.
    for (let rep = 0; rep < config.reps; rep++) {
      for (const [label, setup] of contenders) {
        const t = await timeLoop(device, setup, config.calls);
        samples.get(label)!.cpu.push(t.cpu);
        samples.get(label)!.wall.push(t.wall);
      }
    }
    for (const [label, s] of samples) {
      const row = { n, label, cpuUs: median(s.cpu), wallUs: median(s.wall) };
      rows.push(row);
      progress(`  overhead n=${n} ${label}: CPU ${row.cpuUs.toFixed(1)} µs, wall ${row.wallUs.toFixed(1)} µs per call`);
    }
    tfInput.dispose();
    x.destroy();
    await checkRelu(y, n);
    y.destroy();
  }
  return { calls: config.calls, reps: config.reps, rows };
}

/** The timed loops computed relu of x: a spot check, so that no contender was timed doing nothing. */
async function checkRelu(y: GpuTensor, n: number): Promise<void> {
  const got = await y.read();
  for (let i = 0; i < n; i++) {
    if (got[i] !== Math.max((i % 7) - 3, 0)) throw new Error(`overhead: relu output [${i}] is ${got[i]}`);
  }
}

/** Submits what tfjs has batched (it submits every 15 dispatches, or on a read). */
function tfFlush(): void {
  const backend = tf.backend() as unknown as { endComputePassEncoder(): void; submitQueue(): void; commandEncoder: GPUCommandEncoder | null };
  backend.endComputePassEncoder();
  if (backend.commandEncoder) backend.submitQueue();
}
