// Without WebGPU the error must say so and what to do about it in the runtime at hand (read from its
// globals: Deno, Node, else a browser). These unit tests run in Node, which has no navigator.gpu.
import { expect, test } from 'vitest';
import { enableHint } from '../../src/gpu/device.js';
import { WebGpuUnavailableError, createActivations } from '../../src/index.js';

test('createActivations without WebGPU in Node rejects with how to get it there', async () => {
  await expect(createActivations()).rejects.toThrow(WebGpuUnavailableError);
  await expect(createActivations()).rejects.toThrow(/navigator\.gpu is missing.*install the `webgpu` package.*create\(\[\]\)/);
});

test('the hint names what to do in each runtime', () => {
  expect(enableHint({ Deno: {}, process: { versions: { node: '20.0.0' } } })).toMatch(/Deno has WebGPU built in.*mesa-vulkan-drivers/);
  expect(enableHint({ process: { versions: { node: '20.0.0' } } })).toMatch(/^Node has no navigator\.gpu.*VK_ICD_FILENAMES/);
  expect(enableHint({})).toMatch(/--enable-unsafe-webgpu/);
});

test('a gpu that is not a GPU, or gpu with device, is a TypeError', async () => {
  await expect(createActivations({ gpu: {} as GPU })).rejects.toThrow(/gpu must be a GPU/);
  const gpu = { requestAdapter: async () => null } as unknown as GPU;
  await expect(createActivations({ gpu, device: { createBuffer: () => undefined } as unknown as GPUDevice })).rejects.toThrow(/device or gpu, not both/);
});

test('a gpu without an adapter rejects with the hint', async () => {
  const gpu = { requestAdapter: async () => null } as unknown as GPU;
  await expect(createActivations({ gpu })).rejects.toThrow(/requestAdapter\(\) returned no adapter\. Node has no navigator\.gpu/);
});

test("a caller's device whose workgroups are too small for the kernels is a RangeError naming the limit", async () => {
  // A compatibility-mode device at its default limits: 128 invocations per workgroup.
  const device = {
    createBuffer: () => undefined,
    destroy: () => { throw new Error("the library must not destroy a caller's device"); },
    features: new Set<string>(),
    limits: { maxComputeInvocationsPerWorkgroup: 128, maxComputeWorkgroupSizeX: 128, maxComputeWorkgroupsPerDimension: 65535 },
  } as unknown as GPUDevice;
  await expect(createActivations({ device })).rejects.toThrow(
    /maxComputeInvocationsPerWorkgroup 128 is below the 256 invocations.*request maxComputeInvocationsPerWorkgroup: 256/,
  );
});
