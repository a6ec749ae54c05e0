// Node has no navigator.gpu: the error must say so and how to enable WebGPU.
import { expect, test } from 'vitest';
import { WebGpuUnavailableError, createActivations } from '../../src/index.js';

test('createActivations without WebGPU rejects with how to enable it', async () => {
  await expect(createActivations()).rejects.toThrow(WebGpuUnavailableError);
  await expect(createActivations()).rejects.toThrow(/navigator\.gpu is missing.*--enable-unsafe-webgpu/);
});
