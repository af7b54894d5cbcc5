/**
 * Python's `repr()` and `str()` of JSON values: the reference's validation messages quote
 * request values this way, and clients show those messages to people.
 */

function reprString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\' || ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** Nesting deeper than this is shown as `...`, as Python's reprlib abbreviates; bodies can nest without bound. */
const MAX_DEPTH = 20;

export function pyRepr(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return reprString(value);
  if (typeof value === 'number') return String(value);
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? '[...]' : '{...}';
  if (Array.isArray(value)) return `[${value.map((item) => pyRepr(item, depth + 1)).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${reprString(k)}: ${pyRepr(v, depth + 1)}`)
    .join(', ')}}`;
}

export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}
