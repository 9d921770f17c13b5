// `{{name}}`: a response-modifier plugin that adds `x-powered-by: polyplug`
// to JSON responses (replacing any `x-powered-by` they had), and leaves
// every other response alone.

import { definePlugin } from "@polyplug/sdk/worlds/response-modifier";

/**
 * Whether `contentType` is JSON: `application/json` or `.../...+json`, any
 * case, with or without parameters (`; charset=utf-8`).
 * @param {string} contentType
 */
function isJson(contentType) {
  const media = contentType.split(";")[0].replace(/^[ \t]+|[ \t]+$/g, "").toLowerCase();
  return media === "application/json" || media.endsWith("+json");
}

export default definePlugin({
  name: "{{name}}",
  version: "0.1.0",
  description: "Adds an x-powered-by header to JSON responses",

  shouldModify(_request, response) {
    return isJson(response.contentType);
  },

  /** @param {import("@polyplug/sdk/worlds/response-modifier").HttpResponse} response */
  modify(_request, response) {
    const headers = response.headers.filter(([name]) => name.toLowerCase() !== "x-powered-by");
    return { ...response, headers: [...headers, ["x-powered-by", "polyplug"]] };
  },
});
