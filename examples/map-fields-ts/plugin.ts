// Example `transform@0.2` converter: maps the fields of JSON messages to the
// shape the next system takes, the integration platform's everyday step.
//
// Configuration:
//
// | key        | example                                              | effect                                                  |
// |------------|------------------------------------------------------|---------------------------------------------------------|
// | `mapping`  | `{"orderId": "order.id", "amount": "order.total"}`   | the new payload: each target field, in this order, takes the value at its source path (dots for nesting) |
// | `defaults` | `{"currency": "EUR"}` (optional)                     | the value of a target whose source the message lacks   |
//
// A message whose content type is not JSON, or whose payload is not JSON,
// is rejected, and so is one lacking a source that has no default: the
// pipeline retries it and then dead-letters it with the reason. The new
// payload holds exactly the mapped targets; the envelope keeps everything
// else, with `x-mapped-by` added to its headers.

import { PluginError } from "@polyplug/sdk";
import * as config from "@polyplug/sdk/config";
import * as log from "@polyplug/sdk/log";
import { payloadText, withJsonPayload } from "@polyplug/sdk/payload";
import { definePlugin, type Envelope } from "@polyplug/sdk/worlds/transform-0.2";

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
  [key: string]: Json;
}

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const KNOWN_KEYS = ["mapping", "defaults"];
const EXAMPLE = `{"orderId": "order.id", "amount": "order.total"}`;

/** One target field and where its value comes from. */
interface Field {
  target: string;
  /** The source path as configured (`order.total`), for messages. */
  source: string;
  /** The same, split at its dots. */
  path: string[];
  fallback: Json | undefined;
}

let fields: Field[] = [];

/** The JSON object in config `key`, or an error naming the key. */
function objectConfig(key: string, text: string, shape: string): JsonObject {
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch (e) {
    throw new PluginError(`config \`${key}\` is not JSON (${(e as Error).message}); it is ${shape}`);
  }
  if (!isObject(value)) throw new PluginError(`config \`${key}\` must be a JSON object: ${shape}`);
  return value;
}

/** The fields `mapping` (and `defaults`) configure, in the mapping's order. */
function parseFields(mappingText: string | undefined, defaultsText: string | undefined): Field[] {
  const shape = `a JSON object from target field to source path, e.g. ${EXAMPLE}`;
  if (mappingText === undefined) throw new PluginError(`config \`mapping\` is missing; set it to ${shape}`);
  const mapping = objectConfig("mapping", mappingText, shape);
  const defaults = defaultsText === undefined ? {} : objectConfig("defaults", defaultsText, `a JSON object from target field to its value when the source is missing, e.g. {"currency": "EUR"}`);
  // JSON.parse keeps the order of the keys, but an integer-like one ("7") comes first: JavaScript orders those numerically.
  const out = Object.entries(mapping).map(([target, source]): Field => {
    if (typeof source !== "string" || source.split(".").some((part) => part === "")) {
      throw new PluginError(`config \`mapping\`: the source of \`${target}\` must be a dotted path such as \`order.total\`, not ${JSON.stringify(source)}`);
    }
    return { target, source, path: source.split("."), fallback: Object.hasOwn(defaults, target) ? defaults[target] : undefined };
  });
  if (out.length === 0) throw new PluginError(`config \`mapping\` maps no fields; set it to ${shape}`);
  for (const target of Object.keys(defaults)) {
    if (!Object.hasOwn(mapping, target)) throw new PluginError(`config \`defaults\`: \`${target}\` is not a target of \`mapping\``);
  }
  return out;
}

/** The value at `path` in `value`, or `undefined` when some step of it is not there (`null` is a value). */
function lookup(value: Json, path: string[]): Json | undefined {
  let at: Json | undefined = value;
  for (const name of path) {
    if (!isObject(at) || !Object.hasOwn(at, name)) return undefined;
    at = at[name];
  }
  return at;
}

/** `application/json`, `application/problem+json`, with or without parameters (`; charset=utf-8`). */
function isJson(contentType: string): boolean {
  const type = contentType.split(";")[0].trim().toLowerCase();
  return type === "application/json" || type.endsWith("+json");
}

export default definePlugin({
  name: "map-fields-ts",
  version: "0.1.0",
  description: "Maps the fields of JSON messages to new ones, as its configuration says",

  init() {
    const unknown = Object.keys(config.entries()).filter((key) => !KNOWN_KEYS.includes(key));
    if (unknown.length > 0) throw new PluginError(`unknown config key \`${unknown[0]}\`; known keys: ${KNOWN_KEYS.join(", ")}`);
    fields = parseFields(config.get("mapping"), config.get("defaults"));
    log.debug(`mapping ${fields.length} fields, ${fields.filter((f) => f.fallback !== undefined).length} with a default`);
  },

  convert(message: Envelope): Envelope {
    if (!isJson(message.contentType)) {
      throw new PluginError(`map-fields takes JSON payloads: this message's content type is \`${message.contentType}\``);
    }
    let input: Json;
    try {
      input = JSON.parse(payloadText(message)) as Json;
    } catch (e) {
      throw new PluginError(`map-fields takes JSON payloads: ${(e as Error).message}`);
    }
    const output: JsonObject = {};
    for (const field of fields) {
      // Not `??`: a source that is there with `null` is mapped as `null`, not defaulted.
      const found = lookup(input, field.path);
      const value = found === undefined ? field.fallback : found;
      if (value === undefined) throw new PluginError(`the message has no \`${field.source}\``);
      output[field.target] = value;
    }
    return { ...withJsonPayload(message, output), headers: [...message.headers, ["x-mapped-by", this.name]] };
  },
});
