/**
 * Failures of catalog operations, in the words the reference image service uses.
 * The API layer decides how each API renders them (see api/common/errors.ts).
 */
export type CatalogErrorKind = 'bad_request' | 'forbidden' | 'not_found' | 'conflict' | 'gone' | 'over_limit';

export class CatalogError extends Error {
  constructor(
    readonly kind: CatalogErrorKind,
    message: string,
    /** The reference reports this one as a policy refusal under a generic explanation, not as the message itself. */
    readonly policy = false,
  ) {
    super(message);
    this.name = 'CatalogError';
  }
}

export const badRequest = (message: string) => new CatalogError('bad_request', message);
export const forbidden = (message: string) => new CatalogError('forbidden', message);
export const policyForbids = (message: string) => new CatalogError('forbidden', message, true);
export const notFound = (message: string) => new CatalogError('not_found', message);
export const conflict = (message: string) => new CatalogError('conflict', message);
export const gone = (message: string) => new CatalogError('gone', message);
export const overLimit = (message: string) => new CatalogError('over_limit', message);

/** The image service's bare 404 (webob's own words, no detail): it says nothing of why. */
export const unexplainedNotFound = () => new CatalogError('not_found', '', true);

export function isKind(err: unknown, kind: CatalogErrorKind): boolean {
  return err instanceof CatalogError && err.kind === kind;
}
