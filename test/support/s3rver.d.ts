// The parts of @20minutes/s3rver (a Koa application, shipped without types) that the test server uses.
declare module '@20minutes/s3rver' {
  import type { AddressInfo } from 'node:net';

  export interface KoaContext {
    method: string;
    /** The request path, still percent-encoded. */
    path: string;
    query: Record<string, string | string[] | undefined>;
    status: number;
    /** A plain object is sent as XML (its `@` member holding the attributes). */
    body: unknown;
    /** A request header. */
    get(field: string): string;
    /** Sets a response header. */
    set(field: string, value: string): void;
    response: { get(field: string): string };
  }

  export type Middleware = (ctx: KoaContext, next: () => Promise<void>) => unknown;

  export default class S3rver {
    constructor(options: {
      address: string;
      port: number;
      silent: boolean;
      directory: string;
      configureBuckets: { name: string }[];
      allowMismatchedSignatures: boolean;
    });
    /** Koa's middleware stack, composed when the server starts. */
    middleware: Middleware[];
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
