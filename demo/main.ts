// The demo page: starts WebGPU, or explains why it cannot, then fills in the panels.
//
// URL options: ?seed=N repeats a verification run exactly; ?verify=manual waits for the button
// instead of verifying on load.
import { mountAdapter } from './adapter-panel.js';
import { errorMessage, replaceChildren } from './dom.js';
import { startWebGpu, watchDeviceLoss, type Unavailable } from './gpu.js';
import { mountPlots } from './plots.js';
import { mountSoftmax } from './softmax-panel.js';
import { mountThroughput } from './throughput.js';
import { mountVerification } from './verification-panel.js';

const byId = (id: string): HTMLElement => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`demo: the page has no #${id}`);
  return element;
};

/** Why the page cannot show GPU results: WebGPU is missing, or the demo itself failed. */
type Problem = Pick<Unavailable, 'detail'> & { readonly reason: Unavailable['reason'] | 'failed' };

const TITLES: Readonly<Record<Problem['reason'], string>> = {
  'no-webgpu': 'WebGPU is not available in this browser',
  'no-adapter': 'WebGPU found no GPU adapter',
  'no-device': 'WebGPU could not open a GPU device',
  'device-lost': 'The GPU device was lost',
  failed: 'The demo failed to start',
};

function showProblem(problem: Problem): void {
  const box = byId('no-webgpu');
  box.dataset.reason = problem.reason;
  replaceChildren(byId('no-webgpu-title'), TITLES[problem.reason]);
  replaceChildren(byId('no-webgpu-detail'), problem.detail);
  box.hidden = false;
  const status = byId('gpu-status');
  status.dataset.state = 'unavailable';
  replaceChildren(status, TITLES[problem.reason]);
  // Before the GPU started, the panels have nothing to show: hide them rather than leave them empty.
  // After a loss, the results already shown stay, under the message.
  if (problem.reason !== 'device-lost') document.body.classList.add('no-gpu');
  box.scrollIntoView({ block: 'start' });
}

async function main(): Promise<void> {
  // Every panel is laid out before WebGPU starts, so nothing moves when results arrive.
  const plots = mountPlots(byId('plot-grid'));
  const softmax = mountSoftmax(byId('softmax-panel'));
  const throughput = mountThroughput(byId('throughput-panel'), byId('throughput-lede'));
  const verification = mountVerification(byId('verification-panel'), byId('verification-lede'));

  const started = await startWebGpu();
  if (!started.ok) {
    showProblem(started);
    return;
  }
  const { act, adapter } = started;
  watchDeviceLoss(act, showProblem);
  const status = byId('gpu-status');
  status.dataset.state = 'ready';
  const name = [adapter.info.vendor, adapter.info.architecture, adapter.info.description].filter(Boolean).join(' · ');
  replaceChildren(status, `Running on ${name || 'an unnamed adapter'}`);

  const params = new URLSearchParams(location.search);
  const seedParam = Number(params.get('seed'));
  const seed = Number.isSafeInteger(seedParam) && seedParam > 0 ? seedParam : Math.floor(Math.random() * 1e9) + 1;

  mountAdapter(byId('adapter-panel'), adapter, act);
  plots.start(act);
  softmax.start(act);
  throughput.start(act);
  verification.start(act, seed);
  if (params.get('verify') !== 'manual') await verification.run();
}

main().catch((e: unknown) => {
  // Anything unexpected still reaches the page, not only the console.
  showProblem({ reason: 'failed', detail: errorMessage(e) });
  console.error(e);
});
