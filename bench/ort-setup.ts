// onnxruntime-web's WebGPU build, configured for a page served by Vite: the bench and the interop
// tests import ORT from here.
import * as ort from 'onnxruntime-web/webgpu';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';

// The page is not cross-origin isolated, so ORT could not start worker threads anyway; say so up front.
ort.env.wasm.numThreads = 1;
// Vite serves the .wasm at its own URL; the JavaScript glue is embedded in the bundle.
ort.env.wasm.wasmPaths = { wasm: wasmUrl };

export { ort };
