// A consumer of the elementwise ops alone (no wgsl, no softmax by name).
import { createActivations } from 'webgpu-activations';

const act = await createActivations();
console.log(await act.forward('relu', new Float32Array([-1, 1])));
