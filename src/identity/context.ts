/** Who is asking: the result of authenticating a request, used by every catalog rule. */
export interface RequestContext {
  userId: string;
  projectId: string;
  roles: string[];
  isAdmin: boolean;
}

/** Turns a request's token into a context, or null when the token is missing or not acceptable. */
export interface Authenticator {
  authenticate(token: string | undefined): RequestContext | null;
}
