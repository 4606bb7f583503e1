/**
 * A configurable table name cannot be a bound parameter, so it is checked and quoted instead.
 * Accepts `name` or `schema.name` of plain identifier characters.
 */
export function quoteTableName(name: string, field = 'table'): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/.test(name)) {
    throw new Error(`${field}: "${name}" is not a plain table name (letters, digits, _; optionally schema.table)`);
  }
  return name.split('.').map((part) => `"${part}"`).join('.');
}
