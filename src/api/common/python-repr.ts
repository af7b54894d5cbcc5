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

/**
 * Python's `pprint.pformat(value, width, depth=MAX_DEPTH)` (CPython 3.11, sorted dicts, non-compact):
 * jsonschema quotes the failing schema and instance this way in the validation errors the reference's
 * image service returns. The reference passes no depth and so meets Python's recursion limit on deep
 * instances, while a body may nest far deeper; the bound gives every depth one answer, as in `pyRepr`.
 */
export function pyPformat(value: unknown, width = 80): string {
  const out: string[] = [];
  format(value, 0, 0, 0);
  return out.join('');

  function format(object: unknown, indent: number, allowance: number, level: number): void {
    const rep = pyReprSorted(object, level);
    if (rep.length > width - indent - allowance && level < MAX_DEPTH) {
      if (typeof object === 'string') return formatString(object, indent, allowance, level + 1, rep);
      if (Array.isArray(object)) return formatList(object, indent, allowance, level + 1);
      if (object !== null && typeof object === 'object') return formatDict(object as Record<string, unknown>, indent, allowance, level + 1);
    }
    out.push(rep);
  }

  function formatDict(object: Record<string, unknown>, indent: number, allowance: number, level: number): void {
    out.push('{');
    const items = Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const inner = indent + 1;
    items.forEach(([key, entry], i) => {
      const last = i === items.length - 1;
      const keyRep = pyRepr(key);
      out.push(keyRep, ': ');
      format(entry, inner + keyRep.length + 2, last ? allowance + 1 : 1, level);
      if (!last) out.push(',\n' + ' '.repeat(inner));
    });
    out.push('}');
  }

  function formatList(object: unknown[], indent: number, allowance: number, level: number): void {
    out.push('[');
    const inner = indent + 1;
    object.forEach((entry, i) => {
      const last = i === object.length - 1;
      if (i > 0) out.push(',\n' + ' '.repeat(inner));
      format(entry, inner, last ? allowance + 1 : 1, level);
    });
    out.push(']');
  }

  function formatString(text: string, indent: number, allowance: number, level: number, whole: string): void {
    if (level === 1) {
      indent += 1;
      allowance += 1;
    }
    const maxWidth = width - indent;
    const chunks: string[] = [];
    let current = '';
    const parts = text.match(/\S*\s*/g)!.filter(Boolean);
    parts.forEach((part, j) => {
      const limit = j === parts.length - 1 ? maxWidth - allowance : maxWidth;
      const candidate = current + part;
      if (pyRepr(candidate).length > limit) {
        if (current) chunks.push(pyRepr(current));
        current = part;
      } else current = candidate;
    });
    if (current) chunks.push(pyRepr(current));
    if (chunks.length <= 1) {
      out.push(whole);
      return;
    }
    out.push(level === 1 ? '(' : '', chunks.join('\n' + ' '.repeat(indent)), level === 1 ? ')' : '');
  }
}

/** `repr()` with dict keys sorted, as pprint writes what fits on one line. */
function pyReprSorted(value: unknown, depth: number): string {
  if (value === null || typeof value !== 'object') return pyRepr(value);
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? '[...]' : '{...}';
  if (Array.isArray(value)) return `[${value.map((item) => pyReprSorted(item, depth + 1)).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${pyRepr(k)}: ${pyReprSorted(v, depth + 1)}`)
    .join(', ')}}`;
}
