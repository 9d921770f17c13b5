// Example `transform` plugin: reshapes JSON messages as its configuration
// says, exactly as examples/transform-rust does (the host tests hold the two,
// and examples/transform-python, to the same answers).
//
// Configuration (all keys optional; field paths use dots for nesting):
//
// | key           | example                         | effect                                                |
// |---------------|---------------------------------|-------------------------------------------------------|
// | `rename`      | `cust.name=customer,amt=amount` | move each field to its new path                       |
// | `map.<field>` | `map.status` = `A=active`       | replace the field's value by its mapping              |
// | `drop`        | `internal,debug.trace`          | remove these fields                                   |
// | `require`     | `customer`                      | filter out messages lacking this field after renaming |
//
// Messages that are not JSON objects are refused with a reason.

import { PluginError } from "@polyplug/sdk";
import * as log from "@polyplug/sdk/log";
import { definePlugin, type Message } from "@polyplug/sdk/worlds/transform";

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
  [key: string]: Json;
}

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `a=b,c=d` as pairs; an entry without `=` is an error naming the key. */
function pairs(key: string, value: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const entry of value.split(",").map((e) => e.trim())) {
    if (entry === "") continue;
    const at = entry.indexOf("=");
    if (at < 0) throw new PluginError(`config \`${key}\`: entry \`${entry}\` is not \`from=to\``);
    out.push([entry.slice(0, at).trim(), entry.slice(at + 1).trim()]);
  }
  return out;
}

/** The object holding the field at a dotted `path`, and the field's name, if it is there. */
function parentOf(object: JsonObject, path: string): [JsonObject, string] | undefined {
  const dot = path.indexOf(".");
  if (dot < 0) return Object.hasOwn(object, path) ? [object, path] : undefined;
  const child = object[path.slice(0, dot)];
  return isObject(child) ? parentOf(child, path.slice(dot + 1)) : undefined;
}

/** Removes and returns the value at a dotted `path`. */
function take(object: JsonObject, path: string): Json | undefined {
  const found = parentOf(object, path);
  if (found === undefined) return undefined;
  const [holder, name] = found;
  const value = holder[name];
  delete holder[name];
  return value;
}

/** Puts `value` at a dotted `path`, creating objects on the way. */
function put(object: JsonObject, path: string, value: Json): void {
  const dot = path.indexOf(".");
  if (dot < 0) {
    object[path] = value;
    return;
  }
  const head = path.slice(0, dot);
  let child = object[head];
  if (!isObject(child)) child = object[head] = {};
  put(child, path.slice(dot + 1), value);
}

function kind(value: Json): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "boolean":
      return "a boolean";
    case "number":
      return "a number";
    case "string":
      return "a string";
    default:
      return "an object";
  }
}

class Rules {
  renames: Array<[string, string]> = [];
  maps: Array<[string, Map<string, string>]> = [];
  drops: string[] = [];
  require: string | undefined;

  static parse(config: Readonly<Record<string, string>>): Rules {
    const rules = new Rules();
    for (const [key, value] of Object.entries(config)) {
      if (key === "rename") rules.renames = pairs(key, value);
      else if (key === "drop") rules.drops = value.split(",").map((d) => d.trim()).filter((d) => d !== "");
      else if (key === "require") rules.require = value.trim();
      else if (key.startsWith("map.") && key.length > 4) rules.maps.push([key.slice(4), new Map(pairs(key, value))]);
      else throw new PluginError(`unknown config key \`${key}\`; known keys: rename, drop, require, map.<field>`);
    }
    return rules;
  }

  /** The rules applied; `undefined` when the message is filtered out. */
  apply(object: JsonObject): JsonObject | undefined {
    for (const [from, to] of this.renames) {
      const value = take(object, from);
      if (value !== undefined) put(object, to, value);
    }
    for (const [path, mapping] of this.maps) {
      const found = parentOf(object, path);
      if (found === undefined) continue;
      const [holder, name] = found;
      const value = holder[name];
      const mapped = mapping.get(typeof value === "string" ? value : JSON.stringify(value));
      if (mapped !== undefined) holder[name] = mapped;
    }
    for (const path of this.drops) take(object, path);
    if (this.require !== undefined && parentOf(object, this.require) === undefined) return undefined;
    return object;
  }
}

let rules = new Rules();

export default definePlugin({
  name: "transform-ts",
  version: "0.1.0",
  description: "Renames, maps, drops and filters fields of JSON messages",

  init(config) {
    rules = Rules.parse(config);
    log.debug(`${rules.renames.length} renames, ${rules.maps.length} value maps, ${rules.drops.length} drops`);
  },

  transform(input: Message): Message | undefined {
    let parsed: Json;
    try {
      parsed = JSON.parse(input.payload) as Json;
    } catch (e) {
      throw new PluginError(`payload is not JSON: ${(e as Error).message}`);
    }
    if (!isObject(parsed)) throw new PluginError(`payload is JSON but not an object (found ${kind(parsed)})`);
    const object = rules.apply(parsed);
    if (object === undefined) return undefined;
    return {
      payload: JSON.stringify(object),
      contentType: "application/json",
      headers: [...input.headers, ["x-transformed-by", this.name]],
    };
  },
});
