// Example remote `transform` plugin in TypeScript: reshapes JSON messages as
// its configuration says, the same transformation as examples/transform-rust.
//
// Configuration (all keys optional; field paths use dots for nesting), from
// POLYPLUG_CONFIG, a JSON object of strings, e.g.
// POLYPLUG_CONFIG='{"rename": "cust.name=customer", "map.status": "A=active,I=inactive"}':
//
// | key           | example                             | effect                                              |
// |---------------|-------------------------------------|-----------------------------------------------------|
// | `rename`      | `cust.name=customer,amt=amount`     | move each field to its new path                     |
// | `map.<field>` | `map.status` = `A=active,I=inactive` | replace the field's value by its mapping (unmapped values stay) |
// | `drop`        | `internal,debug.trace`              | remove these fields                                 |
// | `require`     | `customer`                          | filter out messages that lack this field after renaming |
//
// Messages that are not JSON objects are rejected with a reason (a WIT `err`).

import { configFromEnv, err, ok } from '@polyplug/remote';
import { serveTransform, type Message, type TransformPlugin } from '@polyplug/remote/worlds/transform';

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
  [key: string]: Json;
}

/** The parsed configuration. */
interface Rules {
  renames: Array<[string, string]>;
  maps: Array<[string, Array<[string, string]>]>;
  drops: string[];
  require: string | null;
}

/** `a=b,c=d` as pairs; an entry without `=` is an error naming the key. */
function pairs(key: string, value: string): Array<[string, string]> {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const at = entry.indexOf('=');
      if (at < 0) throw new Error(`config \`${key}\`: entry \`${entry}\` is not \`from=to\``);
      return [entry.slice(0, at).trim(), entry.slice(at + 1).trim()];
    });
}

function parseRules(config: Array<[string, string]>): Rules {
  const rules: Rules = { renames: [], maps: [], drops: [], require: null };
  for (const [key, value] of config) {
    if (key === 'rename') {
      rules.renames = pairs(key, value);
    } else if (key === 'drop') {
      rules.drops = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    } else if (key === 'require') {
      rules.require = value.trim();
    } else if (key.startsWith('map.') && key.length > 4) {
      rules.maps.push([key.slice(4), pairs(key, value)]);
    } else {
      throw new Error(`unknown config key \`${key}\`; known keys: rename, drop, require, map.<field>`);
    }
  }
  return rules;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object holding the last segment of a dotted `path`, and that segment. */
function parent(object: JsonObject, path: string): [JsonObject, string] | null {
  const parts = path.split('.');
  const last = parts.pop() as string;
  let here = object;
  for (const part of parts) {
    const next = here[part];
    if (!isObject(next)) return null;
    here = next;
  }
  return [here, last];
}

/** Removes the value at a dotted `path`, if there is one. */
function take(object: JsonObject, path: string): Json | undefined {
  const found = parent(object, path);
  if (found === null || !Object.hasOwn(found[0], found[1])) return undefined;
  const value = found[0][found[1]];
  delete found[0][found[1]];
  return value;
}

/** Puts `value` at a dotted `path`, creating objects on the way. */
function put(object: JsonObject, path: string, value: Json): void {
  const parts = path.split('.');
  const last = parts.pop() as string;
  let here = object;
  for (const part of parts) {
    let child = here[part];
    if (!isObject(child)) {
      child = {};
      here[part] = child;
    }
    here = child;
  }
  here[last] = value;
}

function has(object: JsonObject, path: string): boolean {
  const found = parent(object, path);
  return found !== null && Object.hasOwn(found[0], found[1]);
}

/** Applies the rules; null when the message is filtered out. */
function apply(rules: Rules, object: JsonObject): JsonObject | null {
  for (const [from, to] of rules.renames) {
    const value = take(object, from);
    if (value !== undefined) put(object, to, value);
  }
  for (const [field, mapping] of rules.maps) {
    const found = parent(object, field);
    if (found === null || !Object.hasOwn(found[0], found[1])) continue;
    const value = found[0][found[1]] as Json;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const to = mapping.find(([from]) => from === text);
    if (to !== undefined) found[0][found[1]] = to[1];
  }
  for (const path of rules.drops) take(object, path);
  if (rules.require !== null && !has(object, rules.require)) return null;
  return object;
}

function kind(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return { boolean: 'a boolean', number: 'a number', string: 'a string' }[typeof value as string] ?? 'an object';
}

let rules: Rules;
try {
  rules = parseRules(configFromEnv());
} catch (e) {
  console.error(`transform-node: ${(e as Error).message}`);
  process.exit(2);
}

const plugin: TransformPlugin = {
  transform(input: Message) {
    let parsed: Json;
    try {
      parsed = JSON.parse(input.payload) as Json;
    } catch (e) {
      return err(`payload is not JSON: ${(e as Error).message}`);
    }
    if (!isObject(parsed)) return err(`payload is JSON but not an object (found ${kind(parsed)})`);
    const object = apply(rules, parsed);
    if (object === null) return ok(null);
    return ok({
      payload: JSON.stringify(object),
      contentType: 'application/json',
      headers: [...input.headers, ['x-transformed-by', 'transform-node']],
    });
  },
};

await serveTransform(plugin, {
  name: 'transform-node',
  version: '0.1.0',
  description: 'Renames, maps, drops and filters fields of JSON messages',
  idempotent: ['transformer/transform'],
});
