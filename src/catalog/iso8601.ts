/**
 * ISO 8601 parsing with exactly the accept/reject set of OpenStack's `timeutils.parse_isotime`
 * (python `iso8601` 1.0.2), which both reference services use for time filters.
 * Node's Date parser accepts a different set (e.g. it rejects the basic format), so it is not used here.
 */

const ISO8601 = new RegExp(
  '^(?<year>[0-9]{4})' +
    '(' +
    '(' +
    '(-(?<monthdash>[0-9]{1,2}))|((?<month>[0-9]{2})(?!$))' +
    ')' +
    '(' +
    '(' +
    '(-(?<daydash>[0-9]{1,2}))|(?<day>[0-9]{2})' +
    ')' +
    '(' +
    '(?<separator>[ T])' +
    '(?<hour>[0-9]{2})' +
    '(:?(?<minute>[0-9]{2}))?' +
    '(:?(?<second>[0-9]{1,2})([.,](?<fraction>[0-9]+))?)?' +
    '(?<timezone>Z|((?<tzsign>[-+])(?<tzhour>[0-9]{2}):?(?<tzminute>[0-9]{2})?))?' +
    ')?' +
    ')?' +
    ')?$',
);

/** Parses an ISO 8601 string to the catalog's timestamp form (UTC, microseconds), or returns null. */
export function parseIsoTime(text: string): string | null {
  const m = ISO8601.exec(text);
  if (!m?.groups) return null;
  const g = m.groups;
  const year = Number(g.year);
  const month = Number(g.month ?? g.monthdash ?? 1);
  const day = Number(g.day ?? g.daydash ?? 1);
  const hour = Number(g.hour ?? 0);
  const minute = Number(g.minute ?? 0);
  const second = Number(g.second ?? 0);
  // Truncated (not rounded) to microseconds, as the reference does.
  const micros = g.fraction ? Number(g.fraction.slice(0, 6).padEnd(6, '0')) : 0;
  if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  if (day < 1 || day > daysInMonth(year, month)) return null;
  let offsetMinutes = 0;
  if (g.tzsign) {
    const tzHour = Number(g.tzhour);
    const tzMinute = Number(g.tzminute ?? 0);
    if (tzHour > 23 || tzMinute > 59) return null;
    offsetMinutes = (g.tzsign === '-' ? -1 : 1) * (tzHour * 60 + tzMinute);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offsetMinutes, second, 0);
  // The reference turns the time into a naive UTC datetime, which ends at year 9999 (and starts at 1): an
  // offset that carries past either end fails there. Past the end, the text would also sort before every time.
  const utcYear = date.getUTCFullYear();
  if (utcYear < 1 || utcYear > 9999) return null;
  return formatTimestamp(date, micros);
}

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

/** Formats a UTC instant as the catalog's sortable timestamp `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
export function formatTimestamp(date: Date, micros = date.getUTCMilliseconds() * 1000): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(micros, 6)}Z`
  );
}

let lastMicros = 0;

/**
 * The current time as a catalog timestamp, to the microsecond and strictly increasing within the
 * process: an image's `updated_at` then changes with every write, however close two writes come.
 */
/** A stored timestamp to whole seconds, as both APIs render it (Nova's `isotime`, Glance's images): `…T12:34:56Z`. */
export function isoSeconds(timestamp: string): string {
  return `${timestamp.slice(0, 19)}Z`;
}

export function now(): string {
  let micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  if (micros <= lastMicros) micros = lastMicros + 1;
  lastMicros = micros;
  return formatTimestamp(new Date(Math.floor(micros / 1000)), micros % 1_000_000);
}
