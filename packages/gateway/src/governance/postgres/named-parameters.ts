/**
 * Named parameters (`:name`) for `pg`, which only takes positional ones (`$1`): a
 * statement is written once with names, as the SQLite stores write theirs, and compiled
 * to positional SQL plus the order in which to pass the values. Only the names a
 * statement uses become parameters, since PostgreSQL refuses a parameter whose type it
 * cannot infer from the text. `::` casts are left alone.
 */

export interface NamedStatement {
  text: string;
  names: readonly string[];
}

const NAME = /(?<!:):([A-Za-z][A-Za-z0-9]*)/g;

export function namedStatement(sql: string): NamedStatement {
  const names: string[] = [];
  const text = sql.replace(NAME, (_match, name: string) => {
    let index = names.indexOf(name);
    if (index < 0) index = names.push(name) - 1;
    return `$${index + 1}`;
  });
  return { text, names };
}

/** The values of a statement's parameters, in order; a missing one is an error in the caller. */
export function namedValues(
  statement: NamedStatement,
  values: Readonly<Record<string, unknown>>,
): unknown[] {
  return statement.names.map((name) => {
    if (!(name in values)) throw new TypeError(`No value for the SQL parameter :${name}`);
    return values[name];
  });
}
