// The accuracy report of `npm run accuracy`: the README section written from the committed results
// (bench/results/accuracy.json), shared by bench/accuracy-run.mjs and a unit test that keeps the README
// in step with the results file.

import { readFileSync } from 'node:fs';

/** The results file as JSON, with the infinities it stores as strings. */
export function readAccuracy(path) {
  return JSON.parse(readFileSync(path, 'utf8'), (_, v) => (v === 'Infinity' ? Infinity : v));
}

const fmt = (x) => (x === null ? '' : String(Number(x.toPrecision(6))));

/** One cell: "3 (z = -7.06)", "0", "2.1e9 (z = -12.5); 4 NaN/∞", or "n/a [k]" with a footnote. */
function cell(m, notes) {
  if (m.status !== 'ok') {
    let k = notes.indexOf(m.reason);
    if (k < 0) k = notes.push(m.reason) - 1;
    return `n/a [${k + 1}]`;
  }
  const ulps = m.maxUlps === Infinity ? '∞' : m.maxUlps >= 1e6 ? m.maxUlps.toExponential(1) : String(m.maxUlps);
  const at = m.maxUlps > 0 && m.x !== null ? ` (z = ${fmt(m.x)})` : '';
  const nonFinite = m.nonFinite ? `; ${m.nonFinite} NaN/∞` : '';
  const special = m.special ? `; ${m.special} wrong at ±∞/NaN` : '';
  const failures = m.failures ? `; **${m.failures} outside the bound**` : '';
  return `${ulps}${at}${nonFinite}${special}${failures}`;
}

/** The README section: how the figures were made, then one row per op. */
export function accuracySection(results) {
  const notes = [];
  const rows = results.ops.map((op) => {
    const params = Object.entries(op.params).map(([k, v]) => `${k} = ${fmt(v)}`).join(', ');
    return `| \`${op.name}\`${params ? ` (${params})` : ''} | ${cell(op.ours.forward, notes)} | ${cell(op.ours.derivative, notes)} | ` +
      `${cell(op.ours.backward, notes)} | ${cell(op.tfjs, notes)} | ${cell(op.ort, notes)} |`;
  });
  const { adapter, versions } = results;
  return [
    `\`npm run accuracy\` on ${results.date.slice(0, 10)}: adapter **${adapter.vendor} / ${adapter.architecture}**, ` +
      `tfjs-backend-webgpu ${versions['@tensorflow/tfjs-core']}, onnxruntime-web ${versions['onnxruntime-web']} (WebGPU EP). ` +
      `Inputs, the same for every contender (${results.count} per op): ${results.inputs}.`,
    '',
    'Largest error in ULP of the correctly rounded f32 result over the finite inputs, and the input where it occurs; ' +
      '"NaN/∞" counts results that are NaN or infinite where the input and the exact f32 result are finite (left out of ' +
      'the maximum); "wrong at ±∞/NaN" counts the inputs ±∞ and NaN whose result is more than 16 ULP off the limit, or ' +
      'not NaN. Ours is checked against its contract on every input, ±∞ and NaN included. Peers run forward only.',
    '',
    '| op | ours f | ours f′ | ours dy·f′ | tfjs f | ORT f |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    ...notes.map((n, i) => `[${i + 1}] ${n}  `),
  ].join('\n').trimEnd();
}

/** The measured maxima of one op, "f / f′ / dy·f′", for the README's contract table. */
export function measuredMaxima(results, name) {
  const op = results.ops.find((o) => o.name === name);
  if (!op) return '—';
  return ['forward', 'derivative', 'backward'].map((m) => (op.ours[m].status === 'ok' ? op.ours[m].maxUlps : '—')).join(' / ');
}
