/**
 * Failures of identity operations. The identity API renders them as Keystone does; the messages
 * are Keystone's own, which say no more to an unauthenticated caller than "authentication needed".
 */
export type IdentityErrorKind = 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict';

export class IdentityError extends Error {
  constructor(
    readonly kind: IdentityErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'IdentityError';
  }
}

export const AUTHENTICATION_REQUIRED = 'The request you have made requires authentication.';

export const unauthorized = (message = AUTHENTICATION_REQUIRED) => new IdentityError('unauthorized', message);

/** Keystone's ValidationError wording for a missing attribute. */
export const missingAttribute = (attribute: string, target: string) =>
  new IdentityError(
    'bad_request',
    `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either ` +
      'malformed or otherwise incorrect. The client is assumed to be in error.',
  );

/** Keystone's ForbiddenAction wording, naming the policy rule. */
export const forbiddenAction = (action: string) =>
  new IdentityError('forbidden', `You are not authorized to perform the requested action: ${action}.`);
