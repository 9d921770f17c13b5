// `{{name}}`: a datasource plugin serving one in-memory table, `people`
// (id, name, email), to the queries `*` (every row) and `name = ?` (the
// rows of one name, given as a JSON string). A plugin reading a file or a
// database has the same shape: the sources its configuration names, each
// opened on first use.

import { PluginError } from "@polyplug/sdk";
import { definePlugin, type Column, type Connection, type Json, type Rows, type Table } from "@polyplug/sdk/worlds/datasource";

interface Person {
  id: number;
  name: string;
  email: string | null;
}

const SOURCE = "people"; // the one source, and its table
const COLUMNS: Column[] = [
  { name: "id", kind: "integer", nullable: false },
  { name: "name", kind: "text", nullable: false },
  { name: "email", kind: "text", nullable: true },
];
const PEOPLE: Person[] = [
  { id: 1, name: "Ada", email: "ada@example.org" },
  { id: 2, name: "Grace", email: "grace@example.org" },
  { id: 3, name: "Alan", email: null },
];
const NAME_PARAMETER = '`name = ?` takes one parameter, a JSON string such as "Ada"';

/** Throws the error saying which sources there are, unless `source` is one. */
function known(source: string): void {
  if (source !== SOURCE) throw new PluginError(`no source \`${source}\`; this plugin has: ${SOURCE}`);
}

/** The JSON text `text` as a value, or undefined when it is not JSON. */
function parse(text: Json): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export default definePlugin({
  name: "{{name}}",
  version: "0.1.0",
  description: "Serves an in-memory table of people, queried by name",

  supportedTypes(): string[] {
    return ["memory"];
  },

  connect(source: string): Connection {
    known(source);
    return { source, id: `memory:${source}` };
  },

  query(connection: Connection, query: string, parameters: Json[]): Rows {
    known(connection.source);
    let people: Person[];
    if (query === "*") {
      people = PEOPLE;
    } else if (query === "name = ?") {
      const name = parameters.length === 1 ? parse(parameters[0]) : undefined;
      if (typeof name !== "string") throw new PluginError(NAME_PARAMETER);
      people = PEOPLE.filter((person) => person.name === name);
    } else {
      throw new PluginError(`\`${query}\` is not a query this plugin reads: write \`*\`, or \`name = ?\` with one parameter`);
    }
    const rows = people.map((person) => [person.id, person.name, person.email].map((value) => JSON.stringify(value)));
    return { columns: COLUMNS, rows };
  },

  schema(connection: Connection): Table[] {
    known(connection.source);
    return [{ name: SOURCE, columns: COLUMNS }];
  },

  testConnection(connection: Connection): void {
    known(connection.source);
  },
});
