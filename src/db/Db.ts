/**
 * Herald's whole database seam: one method to run a statement with bound values, one to run a
 * multi-statement script (migrations). Implemented over node-postgres (production, tests) and
 * PGlite (the embedded demo). Whoever opens a Db closes it.
 */
export interface Db {
  query<R = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<{ rows: R[] }>;
  /** Runs a script of several statements (simple protocol); no bound values. */
  exec(sql: string): Promise<void>;
  /** Runs fn on one connection inside BEGIN … COMMIT (ROLLBACK when it throws). */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
