// The secrets the operator's policy lets this plugin read (the `secrets`
// host interface; declare `secrets = ["<name>", ...]` in polyplug.toml).

import { get as hostGet } from "polyplug:plugin/secrets@0.1.0";

/** Thrown by `get` when the host does not give the secret; `kind` is the WIT case. */
export class SecretError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = "SecretError";
    this.kind = kind;
  }
}

export function get(name) {
  try {
    return hostGet(name);
  } catch (e) {
    // componentize-js throws the WIT `err` (a `secret-error`) as the error's payload.
    const payload = e?.payload;
    if (payload === undefined) throw e;
    throw new SecretError(payload.tag, payload.val);
  }
}
