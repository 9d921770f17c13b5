// `{{name}}`: a response plugin that answers `GET /hello` with the JSON
// `{"hello": <the query's name, or "world">}`, and nothing else.

import { definePlugin } from "@polyplug/sdk/worlds/response";

/** @typedef {import("@polyplug/sdk/worlds/response").HttpRequest} HttpRequest */
/** @typedef {import("@polyplug/sdk/worlds/response").HttpResponse} HttpResponse */

/**
 * Whether `request` is this plugin's: `GET /hello`.
 * @param {HttpRequest} request
 */
const handles = (request) => request.method === "GET" && request.path === "/hello";

/**
 * A response whose body is `body`, as JSON.
 * @param {number} status
 * @param {unknown} body
 * @returns {HttpResponse}
 */
const json = (status, body) => ({
  status,
  headers: [],
  body: new TextEncoder().encode(JSON.stringify(body)),
  contentType: "application/json",
});

export default definePlugin({
  name: "{{name}}",
  version: "0.1.0",
  description: "Answers GET /hello with a JSON greeting for the name in the query",

  priority() {
    return 0; // a plugin with a higher priority that handles the same request answers it instead
  },

  canHandle(request) {
    return handles(request);
  },

  /** @param {HttpRequest} request */
  generate(request) {
    // Not found is an answer, not a failure (a PluginError makes the server answer 500).
    if (!handles(request)) return json(404, { error: "not found" });
    const name = request.query.find(([key]) => key === "name")?.[1] ?? "world";
    return json(200, { hello: name });
  },
});
