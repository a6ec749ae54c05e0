export {
  createActivations, Activations, type ActivationsStats, type CallOptions, type CreateOptions, type DeviceLoss, type Params,
} from './api.js';
export { GpuTensor } from './tensor.js';
export { reference, type Values } from './reference.js';
export { ELEMENTWISE, ACTIVATION_NAMES, type ActivationName, type Mode } from './activations.js';
export { DeviceLostError, WebGpuUnavailableError } from './device.js';
export * as accuracy from './accuracy.js';
