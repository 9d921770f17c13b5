// `{{name}}`: a transform plugin that upper-cases message payloads, tags
// each message with a header, and drops empty messages.

import * as log from "@polyplug/sdk/log";
import { definePlugin, type Message } from "@polyplug/sdk/worlds/transform";

export default definePlugin({
  name: "{{name}}",
  version: "0.1.0",
  description: "Upper-cases message payloads and drops empty messages",

  transform(input: Message): Message | undefined {
    if (input.payload === "") {
      log.debug("dropped an empty message");
      return undefined; // undefined filters the message out
    }
    return {
      payload: input.payload.toUpperCase(),
      contentType: input.contentType,
      headers: [...input.headers, ["x-transformed-by", this.name]],
    };
  },
});
