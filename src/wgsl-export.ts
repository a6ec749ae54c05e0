// The WGSL export: an activation's function as WGSL text, for fusing into a caller's own kernel (a
// matmul's epilogue). It reads the table and the same shaders as the library's kernels, so the
// exported function computes the same bits and keeps the same contract.
//
// Only the three function libraries are imported here, never src/gpu/kernels.ts: a bundle that uses
// the export alone then holds neither the kernel templates nor the softmax shaders.
import activationsWgsl from '../shaders/activations.wgsl?raw';
import mathWgsl from '../shaders/math.wgsl?raw';
import specialWgsl from '../shaders/special.wgsl?raw';
import { lookupActivation, resolveParams, type ElementwiseActivation, type ElementwiseName, type HostConstant, type Mode } from './activations/table.js';

/** f32 (`width: 1`) or vec4<f32> (`width: 4`): the type of z, dy and the result. */
export type WgslWidth = 1 | 4;

export interface WgslOptions {
  /** Starts every top-level name of the code (default 'act_'): a WGSL identifier, not beginning with '__'. */
  readonly prefix?: string;
  /** Default 4. */
  readonly width?: WgslWidth;
}

/**
 * An argument of an exported function after z (and dy), in order: a parameter of the activation
 * (hardSigmoid's derivative and backward: the constants wgsl.args makes from the parameters).
 */
export interface WgslParam {
  readonly name: string;
  /** Its f32 value at the table's default parameters. */
  readonly default: number;
}

/** One exported function: `entry` is declared in the text it came with. */
export interface WgslEntry {
  readonly name: ElementwiseName;
  readonly mode: Mode;
  readonly width: WgslWidth;
  /**
   * forward and derivative: `entry(z: T, p0: f32, …) -> T`, f(z) and f'(z); backward:
   * `entry(z: T, dy: T, p0: f32, …) -> T`, dy·f'(z). T is f32 or vec4<f32>.
   */
  readonly entry: string;
  readonly params: readonly WgslParam[];
}

export interface WgslFunction extends WgslEntry {
  /** Self-contained WGSL: the function and every helper it needs; no bindings, enable or overrides. */
  readonly code: string;
}

export interface WgslRequest {
  readonly name: ElementwiseName;
  readonly mode: Mode;
  readonly width?: WgslWidth;
}

export interface WgslFunctions {
  /** One text for all the requests: each helper is declared once. */
  readonly code: string;
  /** In the order of the requests. */
  readonly entries: readonly WgslEntry[];
}

const MODES: readonly Mode[] = ['forward', 'derivative', 'backward'];

/** A module-scope declaration of the shaders, with its leading comment. */
interface Declaration {
  readonly name: string;
  readonly lines: readonly string[];
  /** The identifiers its code mentions (comments left out). */
  readonly uses: ReadonlySet<string>;
}

const code = (line: string): string => line.split('//')[0]!;
const identifiers = (text: string): string[] => text.match(/(?<![\w.])[A-Za-z_]\w*/g) ?? [];

/**
 * The module-scope declarations of a WGSL library, in order. Every line at column 0 must be a
 * comment, blank, or the start of a declaration this export knows how to rename: a shader edit that
 * adds another kind fails here, in the tests, rather than as a silent collision in a user's module.
 */
export function parseDeclarations(source: string): Declaration[] {
  const lines = source.split('\n');
  const out: Declaration[] = [];
  let comment: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') {
      comment = [];
      continue;
    }
    if (line.startsWith('//')) {
      comment.push(line);
      continue;
    }
    const head = /^(fn|struct|const|var<private>)\s+(\w+)/.exec(line);
    if (!head) throw new Error(`wgsl: cannot parse the module-scope line ${JSON.stringify(line)}`);
    const braced = head[1] === 'fn' || head[1] === 'struct';
    let depth = 0;
    let end = i;
    for (; end < lines.length; end++) {
      const c = code(lines[end]!);
      depth += (c.match(/\{/g)?.length ?? 0) - (c.match(/\}/g)?.length ?? 0);
      if (depth === 0 && (braced ? c.includes('}') : c.trimEnd().endsWith(';'))) break;
    }
    const body = lines.slice(i, end + 1);
    out.push({ name: head[2]!, lines: [...comment, ...body], uses: new Set(body.flatMap((l) => identifiers(code(l)))) });
    comment = [];
    i = end;
  }
  return out;
}

/** The declarations of the three function libraries, parsed on first use (importing stays free of work). */
let library: Declaration[] | undefined;
const libraryDeclarations = (): Declaration[] => (library ??= [mathWgsl, specialWgsl, activationsWgsl].flatMap(parseDeclarations));

/** Every module-scope name in `lines`' code gets the prefix; member accesses (`.m`) and comments do not. */
function renamed(lines: readonly string[], names: ReadonlySet<string>, prefix: string): string[] {
  return lines.map((line) => {
    const cut = line.indexOf('//');
    const c = cut < 0 ? line : line.slice(0, cut);
    const fixed = c.replace(/(?<![\w.])[A-Za-z_]\w*/g, (id) => (names.has(id) ? prefix + id : id));
    return cut < 0 ? fixed : fixed + line.slice(cut);
  });
}

function checkPrefix(prefix: unknown, caller: string): string {
  if (typeof prefix !== 'string' || !/^[A-Za-z_]\w*$/.test(prefix) || prefix.startsWith('__')) {
    throw new TypeError(`${caller}: prefix ${JSON.stringify(prefix)} is invalid; expected a WGSL identifier that does not begin with "__"`);
  }
  return prefix;
}

function checkRequest(r: WgslRequest, caller: string): { act: ElementwiseActivation; name: ElementwiseName; mode: Mode; width: WgslWidth } {
  const act = lookupActivation(r.name, caller);
  if (act.kind !== 'elementwise') {
    throw new RangeError(
      `${caller}: ${r.name} is a reduction over a row (each output depends on the whole row), not a function of one ` +
      `element, so it has no WGSL function; run it with act.forward('${r.name}', x, { shape, axis })`,
    );
  }
  if (!MODES.includes(r.mode)) {
    throw new RangeError(`${caller}: mode ${JSON.stringify(r.mode)} is invalid; expected one of ${MODES.join(', ')}`);
  }
  const width = r.width ?? 4;
  if (width !== 1 && width !== 4) throw new RangeError(`${caller}: width ${String(width)} is invalid; expected 1 or 4`);
  return { act, name: r.name, mode: r.mode, width };
}

/**
 * The WGSL function of the table that computes `mode` from z (and dy), and its arguments after them
 * with how each is made from the parameters: the parameters themselves in table order, or, for a
 * mode whose table function takes host constants and has no `fromParams` form, those constants.
 * The derivative is the table's own derivative form where it has one (no dy), as the kernels run it,
 * else backward with dy = 1 (`withDy`).
 */
function tableFunction(act: ElementwiseActivation, name: string, mode: Mode): {
  fn: string; args: readonly (readonly [string, HostConstant])[]; withDy: boolean;
} {
  const own = mode === 'derivative' && act.wgsl.derivative !== undefined;
  // Host constants are the forward's or the backward's; the derivative form takes backward's
  // (functionArgs in src/gpu/kernels.ts).
  const side = mode === 'forward' ? 'forward' : 'backward';
  const key = own ? 'derivative' : side;
  const table = own ? act.wgsl.derivative! : act.wgsl[side];
  const withDy = mode === 'backward' || (mode === 'derivative' && !own);
  const params = Object.keys(act.params).map((p) => [p, { type: 'f32', value: (q: Readonly<Record<string, number>>) => q[p]! }] as const);
  const fromParams = act.wgsl.fromParams?.[key];
  if (fromParams) return { fn: fromParams, args: params, withDy };
  const constants = act.hostConstants?.[side];
  if (!constants) return { fn: table, args: params, withDy };
  const args = Object.entries(constants);
  const int = args.find(([, c]) => c.type !== 'f32');
  if (int) throw new Error(`wgsl: ${name} ${key} takes the ${int[1].type} host constant ${int[0]}; give it a wgsl.fromParams.${key}`);
  return { fn: table, args, withDy };
}

/**
 * One text holding the exported functions of every request, each helper declared once; `prefix`
 * starts every top-level name. This is the way to put several activations in one module: two texts
 * of `wgslFunction` with the same prefix declare their shared helpers twice.
 */
export function wgslFunctions(requests: readonly WgslRequest[], options: { readonly prefix?: string } = {}): WgslFunctions {
  const caller = 'wgsl.functions';
  const prefix = checkPrefix(options.prefix ?? 'act_', caller);
  if (!Array.isArray(requests)) throw new TypeError(`${caller}: requests must be an array of { name, mode, width }`);
  const checked = requests.map((r) => checkRequest(r, caller));
  const sources = [...new Set(checked.map((c) => c.act.wgsl.source))].filter((s) => s !== undefined);
  const declarations = [...libraryDeclarations(), ...sources.flatMap(parseDeclarations)];
  const byName = new Map(declarations.map((d) => [d.name, d]));
  const names = new Set(byName.keys());

  const wrappers = new Map<string, { entry: WgslEntry; fn: string; lines: string[] }>();
  for (const { act, name, mode, width } of checked) {
    const T = width === 4 ? 'vec4<f32>' : 'f32';
    const entry = `${prefix}${name}_${mode}_${width === 4 ? 'vec4' : 'f32'}`;
    if (wrappers.has(entry)) continue;
    if (names.has(entry.slice(prefix.length))) throw new Error(`wgsl: the entry ${entry} would collide with the shaders' ${entry.slice(prefix.length)}`);
    const { fn, args: made, withDy } = tableFunction(act, name, mode);
    const defaults = resolveParams(name, {});
    const params = made.map(([p, c]) => ({ name: p, default: Math.fround(c.value(defaults)) }));
    if (!byName.has(fn)) throw new Error(`wgsl: ${name}'s WGSL function ${fn} is not in the shaders`);
    const lift = (v: string) => (width === 4 ? v : `vec4(${v})`);
    const dy = !withDy ? [] : mode === 'backward' ? [lift('dy')] : ['vec4(1.0)'];
    const args = [lift('z'), ...dy, ...params.map((p) => p.name)].join(', ');
    const signature = [`z: ${T}`, ...(mode === 'backward' ? [`dy: ${T}`] : []), ...params.map((p) => `${p.name}: f32`)].join(', ');
    const what = mode === 'forward' ? 'f(z)' : mode === 'derivative' ? "f'(z)" : "dy·f'(z)";
    wrappers.set(entry, {
      entry: { name, mode, width, entry, params },
      fn,
      lines: [
        `// ${name} ${mode}: ${what}, within the contract of webgpu-activations' table.`,
        `fn ${entry}(${signature}) -> ${T} {`,
        `  return ${prefix}${fn}(${args})${width === 4 ? '' : '.x'};`,
        '}',
      ],
    });
  }

  // Every declaration the wrappers reach, in the shaders' order.
  const needed = new Set<string>();
  const visit = (id: string) => {
    const d = byName.get(id);
    if (!d || needed.has(id)) return;
    needed.add(id);
    for (const u of d.uses) visit(u);
  };
  for (const { fn } of wrappers.values()) visit(fn);
  const body = declarations.filter((d) => needed.has(d.name)).flatMap((d) => [...renamed(d.lines, names, prefix), '']);
  const text = [
    `// webgpu-activations: ${[...wrappers.keys()].join(', ')}. Every module-scope name starts with "${prefix}".`,
    '',
    ...body,
    ...[...wrappers.values()].flatMap((w) => [...w.lines, '']),
  ].join('\n');
  return { code: text, entries: checked.map((c) => wrappers.get(`${prefix}${c.name}_${c.mode}_${c.width === 4 ? 'vec4' : 'f32'}`)!.entry) };
}

/** The exported function of one activation and mode: `{ code, entry, params }` (see wgslFunctions for several). */
export function wgslFunction(name: ElementwiseName, mode: Mode, options: WgslOptions = {}): WgslFunction {
  const { code: text, entries } = wgslFunctions([{ name, mode, width: options.width ?? 4 }], { prefix: options.prefix ?? 'act_' });
  return { ...entries[0]!, code: text };
}

/**
 * The values to pass after z (and dy) to the exported function of (name, mode), in `params` order,
 * for these parameters (checked and rounded to f32 as the library's calls do; defaults filled in).
 * They are the parameters themselves, except for hardSigmoid's derivative and backward, whose
 * arguments are (alpha, z_below, z_above): the slope's ends, found on the host exactly.
 */
export function wgslArgs(name: ElementwiseName, mode: Mode, params: object = {}): number[] {
  const { act } = checkRequest({ name, mode }, 'wgsl.args');
  const p = resolveParams(name, params);
  return tableFunction(act, name, mode).args.map(([, c]) => Math.fround(c.value(p)));
}

/** `wgsl.function(name, mode, { prefix, width })`, `wgsl.functions(requests, { prefix })` and `wgsl.args(name, mode, params)`. */
export const wgsl = { function: wgslFunction, functions: wgslFunctions, args: wgslArgs } as const;
