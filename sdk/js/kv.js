// The plugin's own key-value store (the `kv` host interface; declare
// `kv = { quota = "64 KiB" }` in polyplug.toml).

import * as kv from "polyplug:plugin/kv@0.1.0";

/** Thrown by `set` when the value would take the store past its quota. */
export class QuotaError extends Error {
  constructor(quota, used, needed) {
    super(`the key-value store's quota of ${quota} bytes is used up (${used} used, ${needed} needed)`);
    this.name = "QuotaError";
    this.quota = quota;
    this.used = used;
    this.needed = needed;
  }
}

export function get(key) {
  return kv.get(key);
}

export function set(key, value) {
  const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
  try {
    kv.set(key, bytes);
  } catch (e) {
    const payload = e?.payload;
    if (payload?.tag === "quota-exceeded") {
      const { quota, used, needed } = payload.val;
      throw new QuotaError(quota, used, needed);
    }
    throw e;
  }
}

function del(key) {
  return kv.delete(key);
}
export { del as delete };

export function keys() {
  return kv.keys();
}
