// Every GPU test runs with a listener for `uncapturederror` on every device it makes: library work
// must never raise one (errors belong in the calls' results), so any error fails the test it
// surfaces in. Tests that provoke errors with their own WebGPU calls capture them in error scopes.
import { afterAll, afterEach, expect } from 'vitest';

// The state lives on globalThis: a test file importing takeUncaptured may get its own copy of this
// module, and must neither wrap requestDevice twice nor look at another list.
const KEY = Symbol.for('webgpu-activations.test.uncaptured');
const store = globalThis as { [KEY]?: string[] };

if (!store[KEY]) {
  const uncaptured: string[] = (store[KEY] = []);
  const live = new Set<GPUDevice>();
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, descriptor?: GPUDeviceDescriptor): Promise<GPUDevice> {
    const device = await requestDevice.call(this, descriptor);
    live.add(device);
    void device.lost.then(() => live.delete(device));
    device.addEventListener('uncapturederror', (event) => {
      const { error } = event as GPUUncapturedErrorEvent;
      uncaptured.push(`${error.constructor.name}: ${error.message}`);
    });
    return device;
  };

  // Chromium reports a device's errors once work on it completes: wait for that on every live
  // device, then give the events a moment to arrive.
  const settle = async (): Promise<void> => {
    const timeout = new Promise((resolve) => setTimeout(resolve, 2000));
    await Promise.race([Promise.allSettled([...live].map((d) => d.queue.onSubmittedWorkDone())), timeout]);
    await new Promise((resolve) => setTimeout(resolve, 10));
  };
  const expectNone = async (): Promise<void> => {
    await settle();
    expect(uncaptured.splice(0), 'uncaptured WebGPU errors').toEqual([]);
  };
  afterEach(expectNone);
  afterAll(expectNone);
}

/** The uncaptured errors seen so far, which then no longer fail the test (for the listener's own test). */
export function takeUncaptured(): string[] {
  return store[KEY]!.splice(0);
}
