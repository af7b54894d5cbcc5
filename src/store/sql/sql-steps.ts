/**
 * Changes of several statements written once for both backends: a change is a generator that yields each
 * statement and is handed its result, so the same code runs inside one SQLite transaction on its synchronous
 * driver (nothing else runs meanwhile) and inside one PostgreSQL transaction on its asynchronous one.
 */

export interface Statement {
  sql: string;
  params: unknown[];
}

export interface StatementResult {
  rows: Record<string, unknown>[];
  /** Rows a statement that is no query changed. */
  changes: number;
}

export type Steps<T> = Generator<Statement, T, StatementResult>;

/** A statement the steps yield: `yield* step(sql, …params)` gives its result. */
export function* step(sql: string, ...params: unknown[]): Steps<StatementResult> {
  return yield { sql, params };
}

/** A write that would have made a second row with the same unique key; its transaction changed nothing. */
export class UniqueViolation extends Error {
  constructor(options?: ErrorOptions) {
    super('a unique key would be taken twice', options);
    this.name = 'UniqueViolation';
  }
}

export interface StepRunner {
  /** Runs the steps in one transaction: all of their statements take effect, or (should the steps throw) none. */
  atomically<T>(steps: () => Steps<T>): Promise<T>;
}

/** Drives steps to their end, each statement run by `run`. */
export function runSteps<T>(steps: Steps<T>, run: (statement: Statement) => StatementResult): T {
  let next = steps.next();
  while (!next.done) next = steps.next(run(next.value));
  return next.value;
}

/** Drives steps to their end, each statement run by the asynchronous `run`. */
export async function runStepsAsync<T>(steps: Steps<T>, run: (statement: Statement) => Promise<StatementResult>): Promise<T> {
  let next = steps.next();
  while (!next.done) next = steps.next(await run(next.value));
  return next.value;
}
