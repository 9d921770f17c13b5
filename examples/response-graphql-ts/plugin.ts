// Example `response` plugin: a GraphQL-shaped mock API. It answers
// `POST <path>` (configuration `path`, default `/graphql`) whose JSON body
// holds a `query` (and optional `variables`), over a fixture of users:
//
//   { users { id name } }                      every user, the fields asked
//   query One($id: Int) { user(id: $id) { email } }   one user by id
//
// The answer is what a GraphQL server sends: `{"data": …}`, or
// `{"errors": [{"message": …}]}` for a query it cannot answer (status 200,
// as GraphQL over HTTP does), or 400 for a body that is not a GraphQL request.

import { PluginError } from "@polyplug/sdk";
import { definePlugin, type HttpRequest, type HttpResponse } from "@polyplug/sdk/worlds/response";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface User {
  [field: string]: Json;
  id: number;
  name: string;
  email: string;
}

const USERS: User[] = [
  { id: 1, name: "Ada Lovelace", email: "ada@example.org" },
  { id: 2, name: "Grace Hopper", email: "grace@example.org" },
  { id: 3, name: "Alan Turing", email: "alan@example.org" },
];

/** A field of a selection set, with its arguments and own selection. */
interface Field {
  name: string;
  args: Record<string, Json>;
  selection: Field[];
}

/** A GraphQL query the plugin cannot answer, in GraphQL's words. */
class QueryError extends Error {}

/** A small GraphQL reader: one operation, fields, arguments, variables. */
class Reader {
  private tokens: string[];
  private at = 0;

  constructor(
    text: string,
    private variables: Record<string, Json>,
  ) {
    this.tokens = text.match(/\$?[A-Za-z_][A-Za-z0-9_]*|-?\d+(?:\.\d+)?|"(?:[^"\\]|\\.)*"|[{}():!,]/g) ?? [];
  }

  operation(): Field[] {
    if (this.peek() === "query") {
      this.next();
      if (this.peek() !== "{" && this.peek() !== "(") this.next();
      if (this.peek() === "(") this.skipDefinitions();
    }
    const selection = this.selection();
    if (this.at < this.tokens.length) throw new QueryError(`Unexpected "${this.peek()}" after the operation.`);
    return selection;
  }

  private selection(): Field[] {
    this.expect("{");
    const fields: Field[] = [];
    while (this.peek() !== "}") {
      if (this.peek() === undefined) throw new QueryError("Expected \"}\" before the end of the query.");
      const name = this.next();
      const args = this.peek() === "(" ? this.arguments() : {};
      const selection = this.peek() === "{" ? this.selection() : [];
      fields.push({ name, args, selection });
      if (this.peek() === ",") this.next();
    }
    this.expect("}");
    return fields;
  }

  private arguments(): Record<string, Json> {
    this.expect("(");
    const args: Record<string, Json> = {};
    while (this.peek() !== ")") {
      const name = this.next();
      this.expect(":");
      args[name] = this.value();
      if (this.peek() === ",") this.next();
    }
    this.expect(")");
    return args;
  }

  private value(): Json {
    const token = this.next();
    if (token.startsWith("$")) {
      const name = token.slice(1);
      if (!(name in this.variables)) throw new QueryError(`Variable "$${name}" is not defined.`);
      return this.variables[name];
    }
    if (token.startsWith("\"")) return JSON.parse(token) as string;
    if (/^-?\d/.test(token)) return Number(token);
    if (token === "true" || token === "false") return token === "true";
    if (token === "null") return null;
    throw new QueryError(`Unexpected "${token}" where a value belongs.`);
  }

  /** `($id: Int!, …)`: the variables' types, which this reader does not check. */
  private skipDefinitions(): void {
    while (this.peek() !== undefined && this.next() !== ")") {}
  }

  private expect(token: string): void {
    const got = this.next();
    if (got !== token) throw new QueryError(`Expected "${token}", found ${got === undefined ? "the end of the query" : `"${got}"`}.`);
  }

  private peek(): string | undefined {
    return this.tokens[this.at];
  }

  private next(): string {
    const token = this.tokens[this.at++];
    if (token === undefined) throw new QueryError("Unexpected end of the query.");
    return token;
  }
}

/** `user`'s fields as `selection` asks for them. */
function pick(user: User, selection: Field[]): Json {
  if (selection.length === 0) throw new QueryError("Field of type \"User\" must have a selection of subfields.");
  const out: { [key: string]: Json } = {};
  for (const field of selection) {
    if (!(field.name in user)) throw new QueryError(`Cannot query field "${field.name}" on type "User".`);
    out[field.name] = user[field.name];
  }
  return out;
}

function resolve(field: Field): Json {
  switch (field.name) {
    case "users":
      return USERS.map((user) => pick(user, field.selection));
    case "user": {
      const user = USERS.find((u) => u.id === field.args.id);
      return user === undefined ? null : pick(user, field.selection);
    }
    default:
      throw new QueryError(`Cannot query field "${field.name}" on type "Query".`);
  }
}

const json = (status: number, body: Json): HttpResponse => ({
  status,
  headers: [["x-mock", "response-graphql-ts"]],
  body: new TextEncoder().encode(JSON.stringify(body)),
  contentType: "application/json",
});

let path = "/graphql";

export default definePlugin({
  name: "response-graphql-ts",
  version: "0.1.0",
  description: "Answers GraphQL queries about users from a fixture, shaped as a GraphQL server answers",

  init(config) {
    for (const key of Object.keys(config)) {
      if (key !== "path") throw new PluginError(`unknown config key \`${key}\`; known keys: path`);
    }
    path = config.path ?? "/graphql";
  },

  priority() {
    return 10;
  },

  canHandle(request: HttpRequest) {
    return request.method === "POST" && request.path === path;
  },

  generate(request: HttpRequest) {
    let body: { query?: unknown; variables?: unknown };
    try {
      body = JSON.parse(new TextDecoder().decode(request.body ?? new Uint8Array()));
    } catch {
      return json(400, { errors: [{ message: "The body is not JSON: send {\"query\": \"…\"}." }] });
    }
    if (typeof body.query !== "string") return json(400, { errors: [{ message: "The body has no \"query\" string." }] });
    const variables = (typeof body.variables === "object" && body.variables !== null ? body.variables : {}) as Record<string, Json>;
    try {
      const data: { [key: string]: Json } = {};
      for (const field of new Reader(body.query, variables).operation()) data[field.name] = resolve(field);
      return json(200, { data });
    } catch (e) {
      if (e instanceof QueryError) return json(200, { errors: [{ message: e.message }] });
      throw e;
    }
  },
});
