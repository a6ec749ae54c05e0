// A consumer of the WGSL export alone: its bundle must hold no kernel template and no softmax shader.
import { wgsl } from 'webgpu-activations';

console.log(wgsl.function('gelu', 'forward').code);
