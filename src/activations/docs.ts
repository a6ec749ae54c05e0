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

/** The measured maxima of an activation as the contract table quotes them ("1 / 2 / 2"), or '—'. */
export type MeasuredMaxima = (name: string) => string;

/** | name | bound in every mode | from: 'output' | measured max | */
export function contractTable(measured: MeasuredMaxima = () => '—'): string {
  const rows = ELEMENTWISE_NAMES.map((name) => {
    const act = ELEMENTWISE[name];
    const fromOutput = act.fromOutput
      ? `dy·(${escape(act.fromOutput.formula)})${act.fromOutput.requires ? `, for ${act.fromOutput.requires.expected.split(',')[0]}` : ''}`
      : '—';
    const bound = act.absoluteBound ? `${act.ulpBoundText}; or, for ${act.absoluteBound.text}` : act.ulpBoundText;
    return `| \`${name}\` | ${escape(bound)} | ${fromOutput} | ${measured(name)} |`;
  });
  return [
    '| name | forward, derivative, backward | backward `from: \'output\'` | measured max, f / f′ / dy·f′ (ULP) |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The generated sections by marker name; the contract table quotes the maxima of `npm run accuracy`. */
export const README_SECTIONS: Readonly<Record<string, (measured?: MeasuredMaxima) => string>> = {
  activations: () => activationTable(),
  contract: (measured) => contractTable(measured),
};
