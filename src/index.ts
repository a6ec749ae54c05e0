export {
  createActivations, Activations, type ActivationsStats, type CallOptions, type CreateOptions, type DeviceLoss, type Params,
} from './api.js';
export { GpuTensor, type Dtype } from './gpu/tensor.js';
export { reference, type Values } from './numerics/reference.js';
export { ELEMENTWISE, ACTIVATION_NAMES, type ActivationName, type ElementwiseName, type Mode } from './activations/table.js';
export { DeviceLostError, WebGpuUnavailableError } from './gpu/device.js';
export { AllocationError } from './gpu/runtime.js';
export * as accuracy from './numerics/accuracy.js';
export { wgsl, type WgslEntry, type WgslFunction, type WgslFunctions, type WgslOptions, type WgslParam, type WgslRequest, type WgslWidth } from './wgsl-export.js';
