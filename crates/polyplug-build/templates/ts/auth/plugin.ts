// `{{name}}`: an auth plugin that lets in requests carrying the API key of
// its configuration (`api-key`).

import { PluginError } from "@polyplug/sdk";
import { definePlugin, type AuthDecision, type Credentials, type RequestContext } from "@polyplug/sdk/worlds/auth";

let key = "";

export default definePlugin({
  name: "{{name}}",
  version: "0.1.0",
  description: "Lets in requests carrying the API key its configuration holds",

  init(config) {
    key = config["api-key"] ?? "";
    if (key === "") throw new PluginError("set `api-key` in the plugin's configuration");
  },

  authenticate(_context: RequestContext, credentials: Credentials): AuthDecision {
    if (credentials.tag !== "api-key") {
      return { tag: "deny", val: { status: 401, reason: "missing API key" } };
    }
    if (credentials.val !== key) {
      return { tag: "deny", val: { status: 401, reason: "invalid API key" } };
    }
    return { tag: "allow", val: { id: "api-key", roles: ["user"], claims: [] } };
  },
});
