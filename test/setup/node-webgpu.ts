// The Node stack's WebGPU: Dawn from the `webgpu` package, installed as navigator.gpu with the
// WebGPU classes and constants as globals, as a browser or Deno has them. The library and the tests
// then run unchanged. scripts/stacks.mjs pins the adapter (SwiftShader) with VK_ICD_FILENAMES.
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
const gpu = create([]);
const g = globalThis as { navigator?: object };
if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
