// `{{name}}`: a response-modifier plugin that adds `x-powered-by: polyplug`
// to JSON responses (replacing any `x-powered-by` they had), and leaves
// every other response alone.

import { definePlugin, type HttpRequest, type HttpResponse } from "@polyplug/sdk/worlds/response-modifier";

/**
 * Whether `contentType` is JSON: `application/json` or `.../...+json`, any
 * case, with or without parameters (`; charset=utf-8`).
 */
function isJson(contentType: string): boolean {
  const media = contentType.split(";")[0].replace(/^[ \t]+|[ \t]+$/g, "").toLowerCase();
  return media === "application/json" || media.endsWith("+json");
}

export default definePlugin({
  name: "{{name}}",
  version: "0.1.0",
  description: "Adds an x-powered-by header to JSON responses",

  shouldModify(_request: HttpRequest, response: HttpResponse): boolean {
    return isJson(response.contentType);
  },

  modify(_request: HttpRequest, response: HttpResponse): HttpResponse {
    const headers = response.headers.filter(([name]) => name.toLowerCase() !== "x-powered-by");
    return { ...response, headers: [...headers, ["x-powered-by", "polyplug"]] };
  },
});
