// The benchmark's table and the issue-10 targets, from a results object (bench/results.json).
// `node bench/report.mjs [results.json] [--markdown]` prints the table of an earlier run again.
// `node bench/report.mjs [results.json] --readme` rewrites the README's sections that the results hold.
import { readFileSync, writeFileSync } from 'node:fs';
import { replaceSection } from '../scripts/readme.mjs';
import { fileURLToPath } from 'node:url';

/**
 * Issue 10's targets on the software adapter: ratios to the faster trivial copy kernel moving the
 * same bytes, and speed-ups over ORT. Elementwise rows count at 2²² and 2²⁴ elements only.
 * - forward: ≥ 0.75 of the copy kernel (sigmoid ≥ 0.85), and ≥ 1.0× ORT where ORT has the op;
 * - derivative and backward: ≥ 0.60 (issue 10 names backward; derivative, which moves the bytes of a
 *   forward, is held to the same floor here);
 * - the cheap ops (relu, leakyRelu, linear): ≥ 0.90 in every mode;
 * - softmax and logSoftmax: forward ≥ 0.35 and ≥ 1.0× ORT, backward ≥ 0.45.
 */
export const TARGETS = {
  elementwise: { forward: 0.75, sigmoidForward: 0.85, derivative: 0.6, backward: 0.6, cheap: 0.9, ort: 1.0, minElements: 2 ** 22 },
  cheapOps: ['relu', 'leakyRelu', 'linear'],
  softmaxForward: { copyKernel: 0.35, ort: 1.0 },
  softmaxBackward: { copyKernel: 0.45 },
};

/**
 * 'met', 'missed: …', or '' where the issue sets no target (elementwise at 2^20; f16 rows, whose
 * target, ≥ 0.90 × the copy kernel, issue 12 sets on a real GPU: bench/native.mjs).
 */
export function targetVerdict(c) {
  const r = c.ratios;
  if (c.dtype === 'f16') return '';
  const wants = [];
  const elements = c.shape.reduce((a, b) => a * b, 1);
  if (c.kind === 'elementwise') {
    const t = TARGETS.elementwise;
    if (elements < t.minElements) return '';
    const copy = TARGETS.cheapOps.includes(c.op) ? t.cheap : c.op === 'sigmoid' && c.mode === 'forward' ? t.sigmoidForward : t[c.mode];
    wants.push(['copy kernel', r.copyKernel, copy]);
    if (c.mode === 'forward' && r.ort !== undefined) wants.push(['ORT', r.ort, t.ort]);
  } else if (c.mode === 'forward') {
    wants.push(['copy kernel', r.copyKernel, TARGETS.softmaxForward.copyKernel]);
    if (r.ort !== undefined) wants.push(['ORT', r.ort, TARGETS.softmaxForward.ort]);
  } else {
    wants.push(['copy kernel', r.copyKernel, TARGETS.softmaxBackward.copyKernel]);
  }
  if (c.contenders.ours.status !== 'ok') return `missed: ours ${c.contenders.ours.status}`;
  const misses = wants.filter(([, got, want]) => !(got >= want)).map(([what, got, want]) => `${what} ${fmt(got, 3)} < ${want}`);
  return misses.length ? `missed: ${misses.join('; ')}` : 'met';
}

function fmt(v, digits) {
  return v === undefined ? '—' : v.toFixed(digits);
}

function ms(v) {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** Rows of cells plus the notes that explain the 'n/a' and 'error' cells. */
export function tableRows(results) {
  const notes = [];
  const note = (text) => {
    let i = notes.indexOf(text);
    if (i < 0) i = notes.push(text) - 1;
    return `[${i + 1}]`;
  };
  const cell = (v, value) => (v.status === 'ok' ? value(v) : `${v.status === 'error' ? 'error' : 'n/a'} ${note(v.reason)}`);
  // f16 rows (issue 12) add elements/s and × our f32 (f32 time ÷ f16 time for the same elements).
  const f16 = results.cases.some((c) => c.dtype === 'f16');
  const header = [
    'case', 'ours ms', 'GB/s', ...(f16 ? ['Gelem/s'] : []), '× copy kernel', '× memcpy', ...(f16 ? ['× our f32'] : []),
    'tfjs ms', 'speed-up vs tfjs', 'ORT ms', 'speed-up vs ORT', 'target',
  ];
  const rows = results.cases.map((c) => {
    const { ours, tfjs, ort } = c.contenders;
    const r = c.ratios;
    const elements = c.shape.reduce((a, b) => a * b, 1);
    if (ours.status !== 'ok') {
      const text = `${ours.status === 'unavailable' ? 'not available' : 'error'}: ${ours.reason}`;
      return [c.id, text, '', ...(f16 ? [''] : []), '', '', ...(f16 ? [''] : []), cell(tfjs, (v) => ms(v.medianMs)), '', cell(ort, (v) => ms(v.medianMs)), '', targetVerdict(c)];
    }
    return [
      c.id,
      ms(ours.medianMs),
      ours.gbps.toFixed(2),
      ...(f16 ? [(elements / ours.medianMs / 1e6).toFixed(2)] : []),
      fmt(r.copyKernel, 2),
      fmt(r.memcpy, 2),
      ...(f16 ? [c.dtype === 'f16' ? fmt(r.f32, 2) : ''] : []),
      cell(tfjs, (v) => ms(v.medianMs)),
      tfjs.status === 'ok' ? `${fmt(r.tfjs, 2)}×` : '',
      cell(ort, (v) => ms(v.medianMs)),
      ort.status === 'ok' ? `${fmt(r.ort, 2)}×` : '',
      targetVerdict(c),
    ];
  });
  return { header, rows, notes };
}

export function formatTable(results, { markdown = false } = {}) {
  const { header, rows, notes } = tableRows(results);
  const lines = [];
  if (markdown) {
    lines.push(`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 || i === header.length - 1 ? '---' : '---:')).join('|')}|`);
    for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
    lines.push('');
    notes.forEach((n, i) => lines.push(`[${i + 1}] ${n}  `));
  } else {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
    lines.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of rows) lines.push(line(row));
    lines.push('');
    notes.forEach((n, i) => lines.push(`[${i + 1}] ${n}`));
  }
  return lines.join('\n');
}

/** Issue 16's per-call targets at n = 256, GPU-resident with out. */
export const OVERHEAD_TARGETS = { n: 256, cpuUs: 5, wallVsUser: 1.2 };

/** The overhead section's verdicts: ours against the targets, and the ratios they rest on. */
export function overheadVerdicts(overhead) {
  const at = (n, label) => overhead.rows.find((r) => r.n === n && r.label === label);
  const { n, cpuUs, wallVsUser } = OVERHEAD_TARGETS;
  const ours = at(n, 'ours');
  const user = at(n, 'user dispatch');
  const tfjs = at(n, 'tfjs');
  const verdicts = [];
  if (ours) verdicts.push(`CPU ${ours.cpuUs.toFixed(1)} µs per call (target ≤ ${cpuUs}): ${ours.cpuUs <= cpuUs ? 'met' : 'missed'}`);
  if (ours && user) {
    const ratio = ours.wallUs / user.wallUs;
    verdicts.push(`wall ${ratio.toFixed(2)}× the user's one-dispatch-per-encoder loop (target ≤ ${wallVsUser}): ${ratio <= wallVsUser ? 'met' : 'missed'}`);
  }
  if (ours && tfjs) {
    const speedUp = tfjs.wallUs / ours.wallUs;
    verdicts.push(`wall ${speedUp.toFixed(2)}× faster than tfjs tf.relu (target > 1): ${speedUp > 1 ? 'met' : 'missed'}`);
    const fresh = at(n, 'ours, new output each call');
    if (fresh) verdicts.push(`with a new output each call, as tfjs's loop has: ${(tfjs.wallUs / fresh.wallUs).toFixed(2)}× faster than tfjs in wall time`);
  }
  return verdicts.map((v) => `n = ${n}: ${v}`);
}

/** The per-call overhead table (µs per call) and its verdicts. */
export function formatOverhead(results, { markdown = false } = {}) {
  const { overhead } = results;
  const sizes = [...new Set(overhead.rows.map((r) => r.n))];
  const labels = [...new Set(overhead.rows.map((r) => r.label))];
  const header = ['relu with out, µs per call', ...sizes.flatMap((n) => [`n = ${n}, CPU`, `n = ${n}, wall`])];
  const rows = labels.map((label) => [label, ...sizes.flatMap((n) => {
    const r = overhead.rows.find((row) => row.n === n && row.label === label);
    return r ? [r.cpuUs.toFixed(1), r.wallUs.toFixed(1)] : ['—', '—'];
  })]);
  const lines = [];
  const caption = `Per-call overhead: median of ${overhead.reps} loops of ${overhead.calls} calls; CPU = the loop, wall = the loop until the queue is idle.`;
  if (markdown) {
    lines.push(caption, '', `| ${header.join(' | ')} |`, `|---|${header.slice(1).map(() => '---:').join('|')}|`);
    for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
    lines.push('', ...overheadVerdicts(overhead).map((v) => `- ${v}`));
  } else {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
    lines.push(caption, line(header), widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of rows) lines.push(line(row));
    lines.push(...overheadVerdicts(overhead));
  }
  return lines.join('\n');
}

/** "adapter **google / swiftshader**, **Chromium 156… headless**": where a run ran, for the README. */
function ranOn(results) {
  const a = results.adapter;
  const browser = (results.browser ?? results.userAgent).replace(/ \(headless.*/, ' headless');
  return `adapter **${[a.vendor, a.architecture].filter(Boolean).join(' / ')}**, **${browser}**`;
}

/** The README's overhead section, from the results of a run that has one: the run, the table, the verdicts. */
export function overheadSection(results) {
  return [
    `\`npm run bench\` on ${results.date.slice(0, 10)}: ${ranOn(results)}, tfjs-core ${results.versions['@tensorflow/tfjs-core']}.`,
    '',
    formatOverhead(results, { markdown: true }),
  ].join('\n');
}

/** The README's throughput section: the run, then its table. */
export function benchSection(results) {
  return [
    `Produced by \`npm run bench\` on ${results.date.slice(0, 10)} (${results.date.slice(11, 16)} UTC): ${ranOn(results)}, ` +
      `timing by **${results.timing}**, ${results.samples} samples after ${results.warmups} warm-up. Raw figures: \`bench/results.json\`.`,
    '',
    formatTable(results, { markdown: true }),
  ].join('\n');
}

/** The README sections a results file holds, by marker name. */
export function readmeSections(results) {
  return {
    ...(results.cases.length ? { bench: benchSection(results) } : {}),
    ...(results.overhead ? { overhead: overheadSection(results) } : {}),
  };
}

export function describeRun(results) {
  const a = results.adapter;
  return [
    `adapter: ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ')}`,
    `browser: ${results.browser ?? results.userAgent}`,
    `date: ${results.date}`,
    `timing: ${results.timing}; median of ${results.samples} samples after ${results.warmups} warm-up; ${results.opsPerSample}`,
    `peers: ${Object.entries(results.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    'ratios are paired within one round of one run: × copy kernel = the faster trivial copy kernel\'s time ÷ ours on the same bytes;',
    'speed-up = peer time ÷ our time. GB/s = (bytes read + bytes written) ÷ time.',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? new URL('./results.json', import.meta.url);
  const results = JSON.parse(readFileSync(path, 'utf8'));
  if (process.argv.includes('--readme')) {
    const readme = new URL('../README.md', import.meta.url);
    let text = readFileSync(readme, 'utf8');
    const sections = readmeSections(results);
    for (const [name, body] of Object.entries(sections)) text = replaceSection(text, name, body);
    writeFileSync(readme, text);
    console.log(`README.md: rewrote ${Object.keys(sections).join(', ')}`);
  } else {
    const markdown = process.argv.includes('--markdown');
    console.log(`${describeRun(results)}\n\n${formatTable(results, { markdown })}`);
    if (results.overhead) console.log(`\n${formatOverhead(results, { markdown })}`);
  }
}
