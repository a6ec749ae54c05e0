// The adapter panel: which GPU this is, the limits that decide how large a tensor one dispatch can
// take, and the optional features the kernels can use.
import type { Activations } from '../src/index.js';
import { formatCount, h, replaceChildren } from './dom.js';

/** The features worth calling out, and why a reader should care. */
const KEY_FEATURES: readonly [GPUFeatureName, string][] = [
  ['shader-f16', 'half-precision arithmetic in shaders'],
  ['subgroups', 'subgroup operations, for faster reductions such as softmax'],
  ['timestamp-query', 'GPU-side timing of passes'],
];

/** Limits that shape the kernels: binding and buffer sizes, grid and workgroup sizes, alignment. */
const KEY_LIMITS: readonly (keyof GPUSupportedLimits & string)[] = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'minStorageBufferOffsetAlignment',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
];

function formatLimit(name: string, value: number): string {
  if (/Size$/.test(name) && name !== 'maxComputeWorkgroupSizeX' && value >= 1024) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = value;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return `${Number(v.toFixed(2))} ${units[u]}`;
  }
  return formatCount(value);
}

export function mountAdapter(panel: HTMLElement, adapter: GPUAdapter, act: Activations): void {
  const info = adapter.info;
  const text = (v: string | undefined) => (v ? v : h('span', { class: 'muted' }, 'not reported'));
  const subgroups = info.subgroupMinSize !== undefined && info.subgroupMaxSize !== undefined
    ? info.subgroupMinSize === info.subgroupMaxSize ? `${info.subgroupMinSize}` : `${info.subgroupMinSize} to ${info.subgroupMaxSize}`
    : undefined;
  const facts: [string, ReturnType<typeof text> | string][] = [
    ['Vendor', text(info.vendor)],
    ['Architecture', text(info.architecture)],
    ['Device', text(info.device)],
    ['Description', text(info.description)],
    ['Subgroup size', text(subgroups)],
    ['Fallback (software) adapter', info.isFallbackAdapter ? 'yes' : 'no'],
  ];
  const otherFeatures = [...adapter.features].filter((f) => !KEY_FEATURES.some(([k]) => k === f)).sort();

  replaceChildren(
    panel,
    h('div', { class: 'adapter-grid' },
      h('div', {},
        h('h3', {}, 'Identity'),
        h('dl', { class: 'facts', id: 'adapter-facts' }, ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
        h('h3', {}, 'Features'),
        h('ul', { class: 'features', id: 'adapter-features' }, ...KEY_FEATURES.map(([name, why]) => {
          const has = adapter.features.has(name);
          const used = act.device.features.has(name);
          return h('li', { 'data-feature': name, 'data-supported': has },
            h('span', { class: `flag ${has ? 'yes' : 'no'}`, 'aria-hidden': 'true' }, has ? '✓' : '✗'),
            h('code', {}, name), ' ', h('span', { class: 'muted' }, `${has ? 'supported' : 'not supported'}${used ? ', enabled by the library' : ''}: ${why}`));
        })),
        otherFeatures.length > 0 && h('p', { class: 'muted small' }, 'Also: ', otherFeatures.join(', ')),
      ),
      h('div', {},
        h('h3', {}, 'Limits'),
        h('div', { class: 'table-scroll' }, h('table', { class: 'results limits', id: 'adapter-limits' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Limit'), h('th', { scope: 'col' }, 'Adapter'), h('th', { scope: 'col', title: 'The limits of the device the library requested' }, 'Device'))),
          h('tbody', {}, ...KEY_LIMITS.map((name) => h('tr', { 'data-limit': name },
            h('th', { scope: 'row' }, h('code', {}, name)),
            h('td', { class: 'num' }, formatLimit(name, adapter.limits[name] as number)),
            h('td', { class: 'num' }, formatLimit(name, act.device.limits[name] as number)))))),
        ),
      ),
    ),
  );
}
