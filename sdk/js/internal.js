// How a plugin object becomes the interface objects componentize-js exports;
// the generated world modules (worlds/*.js) call these. Not part of the API.

import { PluginError } from "./index.js";

/** `plugin[member]`, a function, or a build-time error naming what to add. */
function required(plugin, member, path) {
  if (plugin === null || typeof plugin !== "object") {
    throw new TypeError(
      `plugin.ts/plugin.js must \`export default definePlugin({ ... })\` with the plugin object; its default export is ${plugin === null ? "null" : typeof plugin}`,
    );
  }
  const f = plugin[member];
  if (typeof f !== "function") {
    throw new TypeError(`the plugin object has no function \`${member}\` (it implements \`${path}\`); add it`);
  }
  return f;
}

/** The export of a function whose WIT result is no `result`: the plugin's method. */
export function method(plugin, member, path) {
  return required(plugin, member, path).bind(plugin);
}

/**
 * The export of a function whose WIT result is a `result<T, E>`: the
 * plugin's method, with a thrown PluginError becoming the WIT `err` (the
 * thrown object's own `payload` is what componentize-js lowers as `err`).
 */
export function fallible(plugin, member, path) {
  const f = required(plugin, member, path);
  return (...args) => {
    try {
      return f.apply(plugin, args);
    } catch (e) {
      if (PluginError.is(e)) {
        throw { payload: e.value };
      }
      throw e;
    }
  };
}

/** The export of a resource: the class the plugin object names for it. */
export function resourceClass(plugin, member, path) {
  return required(plugin, member, `the resource ${path}`);
}

/** The `plugin` interface every world exports, served from the plugin object. */
export function servePlugin(plugin, world) {
  if (plugin === null || typeof plugin !== "object") {
    required(plugin, "describe", "polyplug:plugin/plugin");
  }
  if (typeof plugin.name !== "string" || plugin.name === "") {
    throw new TypeError(`the plugin object for ${world} has no \`name\`; add \`name: "my-plugin"\``);
  }
  const init = typeof plugin.init === "function" ? plugin.init.bind(plugin) : () => {};
  return {
    describe() {
      return { name: plugin.name, version: plugin.version ?? "0.1.0", description: plugin.description ?? "" };
    },
    init(config) {
      try {
        init(Object.freeze(Object.fromEntries(config)));
      } catch (e) {
        if (PluginError.is(e)) {
          throw { payload: e.value };
        }
        throw e;
      }
    },
  };
}

