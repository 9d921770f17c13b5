// A `transform` plugin that validates JSON messages against a JSON Schema
// (draft 2020-12 or draft-07 keywords, and the `ajv-formats` formats such as
// `email`, `date-time`, `uuid`), with Ajv: the standard validator of the
// JavaScript ecosystem, bundled into the component by esbuild.
//
// Configuration:
//
// | key      | example                                                  | effect |
// |----------|----------------------------------------------------------|--------|
// | `schema` | `{"type": "object", "required": ["id"]}`                 | the JSON Schema every message must match (required) |
// | `invalid`| `refuse` (default) or `drop`                             | what happens to a message that does not match |
//
// A matching message passes unchanged, with `x-validated-by: validate-ts`;
// one that does not is refused with every violation (`/amount: must be >= 0`)
// or, with `invalid = drop`, filtered out. A payload that is not JSON is
// always refused.

import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { PluginError } from "@polyplug/sdk";
import * as log from "@polyplug/sdk/log";
import { definePlugin, type Message } from "@polyplug/sdk/worlds/transform";

let validate: ValidateFunction | undefined;
let dropInvalid = false;

/** One violation in words: where (a JSON pointer into the message) and what. */
function violation(error: ErrorObject): string {
  const where = error.instancePath === "" ? "/" : error.instancePath;
  const extra =
    error.keyword === "additionalProperties"
      ? ` (\`${(error.params as { additionalProperty: string }).additionalProperty}\`)`
      : error.keyword === "enum"
        ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")})`
        : "";
  return `${where}: ${error.message ?? error.keyword}${extra}`;
}

export default definePlugin({
  name: "validate-ts",
  version: "0.1.0",
  description: "Passes on JSON messages that match a JSON Schema and refuses the others, saying where and why",

  init(config) {
    for (const key of Object.keys(config)) {
      if (key !== "schema" && key !== "invalid") throw new PluginError(`unknown config key \`${key}\`; known keys: schema, invalid`);
    }
    const text = config.schema;
    if (text === undefined) throw new PluginError("set `schema` to the JSON Schema messages must match");
    let schema: unknown;
    try {
      schema = JSON.parse(text);
    } catch (e) {
      throw new PluginError(`config \`schema\` is not JSON: ${(e as Error).message}`);
    }
    const invalid = config.invalid ?? "refuse";
    if (invalid !== "refuse" && invalid !== "drop") throw new PluginError(`config \`invalid\` is \`${invalid}\`; use \`refuse\` or \`drop\``);
    dropInvalid = invalid === "drop";
    const ajv = new Ajv.default({ allErrors: true, strict: true });
    addFormats.default(ajv);
    try {
      validate = ajv.compile(schema as object);
    } catch (e) {
      throw new PluginError(`config \`schema\` is not a valid JSON Schema: ${(e as Error).message}`);
    }
    log.debug("schema compiled");
  },

  transform(input: Message): Message | undefined {
    if (validate === undefined) throw new PluginError("no schema: the host never called init");
    let value: unknown;
    try {
      value = JSON.parse(input.payload);
    } catch (e) {
      throw new PluginError(`payload is not JSON: ${(e as Error).message}`);
    }
    if (validate(value)) {
      return { ...input, headers: [...input.headers, ["x-validated-by", this.name]] };
    }
    const violations = (validate.errors ?? []).map(violation);
    if (dropInvalid) {
      log.info(`dropped a message: ${violations.join("; ")}`);
      return undefined;
    }
    throw new PluginError(`the message does not match the schema: ${violations.join("; ")}`);
  },
});
