/**
 * Herald's whole database seam: one method to run a statement with bound values.
 * Implemented over node-postgres (production, tests) and PGlite (the embedded demo).
 * Whoever opens a Db closes it.
 */
export interface Db {
  query<R = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<{ rows: R[] }>;
  close(): Promise<void>;
}
