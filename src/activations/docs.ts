// The README's tables of the elementwise activations, written from the table: `npm run docs`
// rewrites them between their markers, and a unit test fails when the README is out of date.
import { ELEMENTWISE, ELEMENTWISE_NAMES, type ParamSpec } from './table.js';

const escape = (text: string): string => text.replace(/\|/g, '\\|');

function describeParam(key: string, spec: ParamSpec): string {
  return `\`${key}\` (${spec.default}): ${spec.expected}`;
}

/** | name | f(z) | f'(z) | parameters (default) | */
export function activationTable(): string {
  const rows = ELEMENTWISE_NAMES.map((name) => {
    const act = ELEMENTWISE[name];
    const params = Object.entries(act.params).map(([key, spec]) => describeParam(key, spec)).join('; ') || '—';
    return `| \`${name}\` | ${escape(act.formula)} | ${escape(act.derivativeFormula)} | ${escape(params)} |`;
  });
  return ['| name | f(z) | f\'(z) | parameters (default): accepted values |', '|---|---|---|---|', ...rows].join('\n');
}

/** | name | bound in every mode | from: 'output' | */
export function contractTable(): string {
  const rows = ELEMENTWISE_NAMES.map((name) => {
    const act = ELEMENTWISE[name];
    const fromOutput = act.fromOutput
      ? `dy·(${escape(act.fromOutput.formula)})${act.fromOutput.requires ? `, for ${act.fromOutput.requires.expected.split(',')[0]}` : ''}`
      : '—';
    return `| \`${name}\` | ${escape(act.ulpBoundText)} | ${fromOutput} |`;
  });
  return ['| name | forward, derivative, backward | backward `from: \'output\'` |', '|---|---|---|', ...rows].join('\n');
}

/** The generated sections by marker name. */
export const README_SECTIONS: Readonly<Record<string, () => string>> = {
  activations: activationTable,
  contract: contractTable,
};
