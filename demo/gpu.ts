// Starting WebGPU for the page, and telling apart why it may be missing: the page must say which
// step failed and how to fix it, never show a blank screen or a console-only error.
import { createActivations, type Activations } from '../src/index.js';
import { errorMessage } from './dom.js';

export type Unavailable = {
  readonly ok: false;
  /** Which step failed, for the message's heading and the tests. */
  readonly reason: 'no-webgpu' | 'no-adapter' | 'no-device' | 'device-lost';
  readonly detail: string;
};

export type Started = {
  readonly ok: true;
  readonly act: Activations;
  /** The adapter as the page asked for it, for the adapter panel (the library asks for its own). */
  readonly adapter: GPUAdapter;
};

export async function startWebGpu(): Promise<Started | Unavailable> {
  const gpu = navigator.gpu;
  if (!gpu) {
    return {
      ok: false,
      reason: 'no-webgpu',
      detail: window.isSecureContext
        ? 'This browser does not expose WebGPU: navigator.gpu is missing.'
        : 'navigator.gpu is missing because this page is not a secure context: browsers offer WebGPU only on https:// pages and on http://localhost.',
    };
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return { ok: false, reason: 'no-adapter', detail: `navigator.gpu.requestAdapter() failed: ${errorMessage(e)}` };
  }
  if (!adapter) {
    return {
      ok: false,
      reason: 'no-adapter',
      detail:
        'WebGPU is present, but navigator.gpu.requestAdapter() returned no adapter: the browser found no ' +
        'usable GPU, or it blocks the one there is.',
    };
  }
  try {
    return { ok: true, act: await createActivations(), adapter };
  } catch (e) {
    return { ok: false, reason: 'no-device', detail: `The library could not get a GPU device: ${errorMessage(e)}` };
  }
}

/** Calls `onLost` if the device goes away while the page runs (driver reset, GPU process crash). */
export function watchDeviceLoss(act: Activations, onLost: (problem: Unavailable) => void): void {
  void act.lost.then((info) => {
    if (info.reason === 'destroyed') return; // the page destroyed it itself
    onLost({
      ok: false,
      reason: 'device-lost',
      detail: `The GPU device was lost${info.message ? `: ${info.message}` : ''}.`,
    });
  });
}
