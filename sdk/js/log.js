// Lines in the host's logs under the plugin's name (the `log` host
// interface; declare `log = true` in polyplug.toml).

import { log } from "polyplug:plugin/log@0.1.0";

export function trace(message) {
  log("trace", String(message));
}

export function debug(message) {
  log("debug", String(message));
}

export function info(message) {
  log("info", String(message));
}

export function warn(message) {
  log("warn", String(message));
}

export function error(message) {
  log("error", String(message));
}
