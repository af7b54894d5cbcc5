/**
 * Random secrets (tokens, generated passwords, keys) made of letters and digits only: a value that
 * starts with `-` is taken for an option by command-line clients (`--os-token -x…`).
 */
import { randomBytes } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` characters drawn uniformly from `alphabet` (at most 256 characters). */
export function randomText(length: number, alphabet = ALPHANUMERIC): string {
  // Bytes at or above the largest multiple of the alphabet's size are dropped, so no character is favoured.
  const limit = 256 - (256 % alphabet.length);
  let text = '';
  while (text.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && text.length < length) text += alphabet[byte % alphabet.length];
    }
  }
  return text;
}
