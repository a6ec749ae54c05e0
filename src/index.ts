export { createActivations, Activations, type CreateOptions, type CallOptions, type Params } from './api.js';
export { GpuTensor } from './tensor.js';
export { reference, type Values } from './reference.js';
export { ELEMENTWISE, ACTIVATION_NAMES, type ActivationName, type Mode } from './activations.js';
export { WebGpuUnavailableError } from './device.js';
export * as accuracy from './accuracy.js';
