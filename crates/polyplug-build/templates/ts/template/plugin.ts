// `{{name}}`: a template plugin with one function, `greet`: a mock server
// resolves `{{greet "Ada"}}` in a response body to `Hello, Ada!`. Arguments
// and results are JSON values, as their text.

import { PluginError } from "@polyplug/sdk";
import { definePlugin, type Json, type TemplateFunction } from "@polyplug/sdk/worlds/template";

const GREET: TemplateFunction = {
  name: "greet",
  description: "A greeting for someone: Hello, <name>!",
  parameters: [{ name: "name", kind: "text", description: "Who to greet", required: true, default: undefined, varArgs: false }],
  returns: "text",
  examples: ['{{greet "Ada"}}'],
  category: "greetings",
  pure: true,
};

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
  description: "A template function greeting people by name",

  functions(): TemplateFunction[] {
    return [GREET];
  },

  execute(name: string, args: Json[]): Json {
    if (name !== "greet") throw new PluginError(`unknown function \`${name}\`; this plugin has: greet`);
    if (args.length === 0) throw new PluginError('`greet` needs `name` (who to greet), e.g. {{greet "Ada"}}');
    if (args.length > 1) throw new PluginError(`\`greet\` takes 1 argument, got ${args.length}`);
    const who = parse(args[0]);
    if (typeof who !== "string") throw new PluginError(`\`greet\`: \`name\` must be text (a JSON string), not ${args[0]}`);
    return JSON.stringify(`Hello, ${who}!`);
  },

  dataSource(_name: string): Json | undefined {
    return undefined; // no data sets: a plugin with one returns it as JSON, e.g. a list of records
  },
});
