// `{{name}}`: a response plugin that answers `GET /hello` with the JSON
// `{"hello": <the query's name, or "world">}`, and nothing else.

import { definePlugin, type HttpRequest, type HttpResponse } from "@polyplug/sdk/worlds/response";

/** Whether `request` is this plugin's: `GET /hello`. */
const handles = (request: HttpRequest): boolean => request.method === "GET" && request.path === "/hello";

/** A response whose body is `body`, as JSON. */
const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: [],
  body: new TextEncoder().encode(JSON.stringify(body)),
  contentType: "application/json",
});

export default definePlugin({
  name: "{{name}}",
  version: "0.1.0",
  description: "Answers GET /hello with a JSON greeting for the name in the query",

  priority(): number {
    return 0; // a plugin with a higher priority that handles the same request answers it instead
  },

  canHandle(request: HttpRequest): boolean {
    return handles(request);
  },

  generate(request: HttpRequest): HttpResponse {
    // Not found is an answer, not a failure (a PluginError makes the server answer 500).
    if (!handles(request)) return json(404, { error: "not found" });
    const name = request.query.find(([key]) => key === "name")?.[1] ?? "world";
    return json(200, { hello: name });
  },
});
