// A consumer of the elementwise entry alone: its bundle must hold no softmax shader and no WGSL export.
import { createActivations } from 'webgpu-activations/elementwise';

const act = await createActivations();
console.log(await act.forward('relu', new Float32Array([-1, 1])));
