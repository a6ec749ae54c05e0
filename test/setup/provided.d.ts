// Values vite.config.ts provides to the GPU suite per stack (read with vitest's inject()).
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Iterations of memory.test.ts's soak loop per size on this stack. */
    loopIterations: number;
  }
}
