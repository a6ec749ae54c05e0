// Generated sections of the README: the text between `<!-- name:start -->` and `<!-- name:end -->`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `text` with the lines between the markers of `name` replaced by `body`. */
export function replaceSection(text, name, body) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`no ${start} … ${end} markers`);
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

/** The examples of docs/examples/ that the README shows whole, and the tests run. */
export const EXAMPLES = ['fuse', 'interop-tfjs', 'interop-ort'];

/** An example's section: the file, verbatim, as a TypeScript block. */
export function exampleSection(root, name) {
  return `\`\`\`ts\n${readFileSync(join(root, 'docs', 'examples', `${name}.ts`), 'utf8')}\`\`\``;
}
