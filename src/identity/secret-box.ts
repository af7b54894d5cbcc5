/**
 * Sealing of secrets Glint must be able to read back (the secret keys of AK/SK credentials, which
 * verifying a signature needs): AES-256-GCM under a key kept in its own file beside the catalog,
 * so a copy of the catalog alone does not give them away.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** The key in `file`, created (readable by the owner only) if there is none yet. */
  static open(file: string): SecretBox {
    try {
      return new SecretBox(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const key = randomBytes(32);
    // With the catalog in PostgreSQL and the data in S3, nothing else may have made the directory yet.
    mkdirSync(dirname(file), { recursive: true });
    // 'wx': should another process create the key first, use that one rather than overwrite it.
    try {
      writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
      return new SecretBox(key);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return SecretBox.open(file);
    }
  }

  /** `iv.tag.ciphertext`, each base64url. */
  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url')).join('.');
  }

  /** The secret, or null when the sealed text was not sealed with this key or was altered. */
  open(sealed: string): string | null {
    const [iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
    if (!iv || !tag || !data) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}
