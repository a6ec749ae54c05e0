// The entry point `webgpu-activations/elementwise`: everything the main entry exports, except that its
// createActivations leaves softmax and logSoftmax out. Calls name their activation by a string, which
// a bundler cannot follow, so an instance of the main entry keeps every kernel; one made here holds
// no reference to the row reductions, and a bundle that imports only this entry drops the softmax
// shaders (test/unit/package.test.ts checks it). A softmax call on it is a TypeError.
import { openActivations, type Activations, type CreateOptions } from './api.js';

export * from './index.js';

/** createActivations of the main entry, without softmax and logSoftmax. */
export function createActivations(options: CreateOptions = {}): Promise<Activations> {
  return openActivations(options, undefined);
}
