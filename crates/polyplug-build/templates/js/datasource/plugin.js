// `{{name}}`: a datasource plugin serving one in-memory table, `people`
// (id, name, email), to the queries `*` (every row) and `name = ?` (the
// rows of one name, given as a JSON string). A plugin reading a file or a
// database has the same shape: the sources its configuration names, each
// opened on first use.

import { PluginError } from "@polyplug/sdk";
import { definePlugin } from "@polyplug/sdk/worlds/datasource";

/** @typedef {import("@polyplug/sdk/worlds/datasource").Connection} Connection */

const SOURCE = "people"; // the one source, and its table
/** @type {import("@polyplug/sdk/worlds/datasource").Column[]} */
const COLUMNS = [
  { name: "id", kind: "integer", nullable: false },
  { name: "name", kind: "text", nullable: false },
  { name: "email", kind: "text", nullable: true },
];
const PEOPLE = [
  { id: 1, name: "Ada", email: "ada@example.org" },
  { id: 2, name: "Grace", email: "grace@example.org" },
  { id: 3, name: "Alan", email: null },
];
const NAME_PARAMETER = '`name = ?` takes one parameter, a JSON string such as "Ada"';

/**
 * Throws the error saying which sources there are, unless `source` is one.
 * @param {string} source
 */
function known(source) {
  if (source !== SOURCE) throw new PluginError(`no source \`${source}\`; this plugin has: ${SOURCE}`);
}

/** @param {string} text */
function parse(text) {
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

  supportedTypes() {
    return ["memory"];
  },

  /** @param {string} source */
  connect(source) {
    known(source);
    return { source, id: `memory:${source}` };
  },

  /**
   * @param {Connection} connection
   * @param {string} query
   * @param {string[]} parameters
   */
  query(connection, query, parameters) {
    known(connection.source);
    let people;
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

  /** @param {Connection} connection */
  schema(connection) {
    known(connection.source);
    return [{ name: SOURCE, columns: COLUMNS }];
  },

  /** @param {Connection} connection */
  testConnection(connection) {
    known(connection.source);
  },
});
