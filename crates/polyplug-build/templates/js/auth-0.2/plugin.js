// `{{name}}`: an auth@0.2 plugin that lets in requests carrying the API key
// of its configuration (`api-key`), in an `x-api-key` header or as a bearer
// token, and abstains from every other request.

import { PluginError } from "@polyplug/sdk";
import { definePlugin } from "@polyplug/sdk/worlds/auth-0.2";

let key = "";

/** The value of the first header called `name`, trimmed, or undefined. */
function header(request, name) {
  return request.headers.find(([n]) => n === name)?.[1].trim();
}

/**
 * The API key `request` presents: its bearer token (`authorization: Bearer
 * <key>`), else its `x-api-key` header. Header names arrive lower case.
 */
function presentedKey(request) {
  const [scheme, ...token] = (header(request, "authorization") ?? "").split(" ");
  if (scheme.toLowerCase() === "bearer") return token.join(" ").trim();
  return header(request, "x-api-key");
}

export default definePlugin({
  name: "{{name}}",
  version: "0.1.0",
  description: "Lets in requests carrying the API key its configuration holds, as an x-api-key header or a bearer token",

  init(config) {
    // Without a key the plugin still loads: it says so when asked to decide (an error, not a denial).
    key = config["api-key"] ?? "";
  },

  supportedSchemes() {
    return ["api-key", "bearer"];
  },

  authenticate(request) {
    const presented = presentedKey(request);
    if (presented === undefined) {
      // Basic credentials, or none: not this plugin's to decide, the server asks the next one.
      return { tag: "abstain" };
    }
    if (key === "") throw new PluginError("no api-key configured");
    if (presented !== key) {
      return { tag: "deny", val: { status: 401, reason: "unknown API key" } };
    }
    const identity = {
      id: "demo-user",
      username: undefined,
      email: undefined,
      displayName: undefined,
      roles: ["reader"],
      groups: [],
      attributes: [],
    };
    // A claim's value is JSON text: the string `read` is `"read"`.
    return { tag: "allow", val: { identity, claims: [["scope", JSON.stringify("read")]] } };
  },
});
