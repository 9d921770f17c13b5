// The operator's configuration for this plugin (the `config` host
// interface; declare `config = true` in polyplug.toml).

import { entries as hostEntries, get as hostGet } from "polyplug:plugin/config@0.1.0";

export function get(key) {
  return hostGet(key);
}

export function entries() {
  return Object.fromEntries(hostEntries());
}
