// The elementwise ops on the GPU: how a call is cut into chunks that fit a binding, which kernel
// variant each runs, and the dispatches. The WGSL is shaders/elementwise.wgsl, filled by
// src/gpu/kernels.ts with the activation's functions from shaders/activations.wgsl.
import type { ElementwiseCall, Operands } from '../activations/call.js';
import { mergeShared, planChunks, planDispatch, sharedSpread } from './dispatch.js';
import {
  SMALL_WORKGROUP_SIZE, elementsPerGroup, elementsPerStep, elementwiseKey, elementwiseParams, elementwiseShader, functionArgs, type ElementwiseVariant,
} from './kernels.js';
import type { GpuRuntime } from './runtime.js';
import type { GpuTensor } from './tensor.js';

/** Records `call` on `operands` (checked) into out or a new tensor, which it returns. */
export function runElementwise(rt: GpuRuntime, call: ElementwiseCall, { x, dy, out }: Operands): GpuTensor {
  const { verb, name, mode, act } = call;
  const y = out ?? rt.allocate(x.length, verb, false, x.dtype);
  if (x.length === 0) return y;
  const operands = [x, y, ...(dy ? [dy] : [])];
  const placements = operands.map((t) => ({ byteOffset: t.byteOffset, bufferSize: t.buffer.size }));
  // Inputs in y's buffer (in place, or elsewhere in an arena) are read through y's binding.
  const shared = operands.map((t) => t.buffer === y.buffer);
  const plan = planChunks(
    x.length, placements, rt.bindingRoom(verb, sharedSpread(placements, shared)),
    rt.device.limits.minStorageBufferOffsetAlignment, x.bytesPerElement,
  );
  const perStep = elementsPerStep(plan.vector);
  const variant: ElementwiseVariant = {
    vector: plan.vector,
    xIsY: shared[0]!,
    dyIsY: dy !== undefined && shared[2]!,
    fromOutput: call.from === 'output',
    small: x.length <= SMALL_WORKGROUP_SIZE * perStep,
  };
  const perGroup = elementsPerGroup(plan.vector, variant.small);
  const uniforms = elementwiseParams(act, mode, variant.fromOutput);
  const args = Object.fromEntries(functionArgs(act, mode, variant.fromOutput).map(([k, c]) => [k, c.value(call.params)]));
  rt.record(verb, dy ? [x, dy] : [x], [y], call.encoder, (pass, errors) => {
    const { pipeline, tail, layout } = rt.pipeline(
      elementwiseKey(name, mode, variant), () => elementwiseShader(act, mode, variant),
      () => [[2, true], ...(variant.xIsY ? [] : [[1, false] as const]), ...(dy && !variant.dyIsY ? [[3, false] as const] : [])],
      errors, plan.vector !== 'scalar',
    );
    for (const chunk of plan.chunks) {
      const [bx, by, bdy] = mergeShared(chunk.bindings, shared, plan.unit);
      const entries: GPUBindGroupEntry[] = [{ binding: 2, resource: { buffer: y.buffer, offset: by!.offset, size: by!.size } }];
      if (!variant.xIsY) entries.push({ binding: 1, resource: { buffer: x.buffer, offset: bx!.offset, size: bx!.size } });
      if (dy && !variant.dyIsY) entries.push({ binding: 3, resource: { buffer: dy.buffer, offset: bdy!.offset, size: bdy!.size } });
      const values = {
        ...args, n: chunk.length, x_off: bx!.elementOffset, dy_off: bdy?.elementOffset ?? 0, y_off: by!.elementOffset,
      };
      rt.setBindGroup(pass, verb, layout, y.buffer, uniforms, values, entries, errors);
      // The vec4 and f16vec4 main entries cover the whole steps; the partial last one is the tail's.
      // f16: main covers whole steps of four from y's first even position; the tail the rest.
      const head = plan.vector === 'f16' ? by!.elementOffset % 2 : 0;
      const partial = head + ((chunk.length - head) % perStep);
      if (chunk.length > partial) {
        const grid = planDispatch(chunk.length - partial, perGroup, rt.maxWorkgroupsPerDimension);
        pass.setPipeline(pipeline);
        pass.dispatchWorkgroups(grid.x, grid.y);
      }
      if (partial) {
        pass.setPipeline(tail!);
        pass.dispatchWorkgroups(1);
      }
    }
  });
  return y;
}
