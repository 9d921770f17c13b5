// `{{name}}`: a template plugin with one function, `greet`: a mock server
// resolves `{{greet "Ada"}}` in a response body to `Hello, Ada!`. Arguments
// and results are JSON values, as their text.

import { PluginError } from "@polyplug/sdk";
import { definePlugin } from "@polyplug/sdk/worlds/template";

/** @type {import("@polyplug/sdk/worlds/template").TemplateFunction} */
const GREET = {
  name: "greet",
  description: "A greeting for someone: Hello, <name>!",
  parameters: [{ name: "name", kind: "text", description: "Who to greet", required: true, default: undefined, varArgs: false }],
  returns: "text",
  examples: ['{{greet "Ada"}}'],
  category: "greetings",
  pure: true,
};

export default definePlugin({
  name: "{{name}}",
  version: "0.1.0",
  description: "A template function greeting people by name",

  functions() {
    return [GREET];
  },

  /**
   * @param {string} name
   * @param {string[]} args
   */
  execute(name, args) {
    if (name !== "greet") throw new PluginError(`unknown function \`${name}\`; this plugin has: greet`);
    if (args.length === 0) throw new PluginError('`greet` needs `name` (who to greet), e.g. {{greet "Ada"}}');
    if (args.length > 1) throw new PluginError(`\`greet\` takes 1 argument, got ${args.length}`);
    let who;
    try {
      who = JSON.parse(args[0]);
    } catch {
      who = undefined;
    }
    if (typeof who !== "string") throw new PluginError(`\`greet\`: \`name\` must be text (a JSON string), not ${args[0]}`);
    return JSON.stringify(`Hello, ${who}!`);
  },

  dataSource(_name) {
    return undefined; // no data sets: a plugin with one returns it as JSON, e.g. a list of records
  },
});
