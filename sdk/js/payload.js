// Text and JSON payloads of envelopes (`transform@0.2`, `filter@0.2`), whose
// payload is bytes: what a plugin of those worlds does with almost every
// message, done once here. Hand-written; no host interface is needed.

import { PluginError } from "./index.js";

/**
 * The payload as text. Decoded strictly (`fatal`): a replacement character
 * for a broken byte would turn a corrupt message into a plausible one.
 */
export function payloadText(message) {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(message.payload);
  } catch {
    throw new PluginError("the payload is not UTF-8");
  }
}

/** `message` with `value`, as UTF-8 JSON, for its payload, and the content type `application/json`. */
export function withJsonPayload(message, value) {
  return { ...message, payload: new TextEncoder().encode(JSON.stringify(value)), contentType: "application/json" };
}
