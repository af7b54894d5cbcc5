/** Request ids in OpenStack's form, `req-<uuid4>`, generated once per request and logged with it. */
import { randomUUID } from 'node:crypto';

export function newRequestId(): string {
  return `req-${randomUUID()}`;
}
