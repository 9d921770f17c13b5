// The polyplug JavaScript SDK: what every plugin uses whatever its world.
// Hand-written; the per-world modules under worlds/ are generated from WIT.

/** Marks a PluginError whichever copy of the SDK made it. */
const PLUGIN_ERROR = Symbol.for("polyplug.PluginError");

/**
 * The WIT `err` of a function whose result is a `result<T, E>`: throw
 * `new PluginError(value)` with a value of `E` (for `result<T, string>`, a
 * message saying what went wrong and what would be right).
 */
export class PluginError extends Error {
  constructor(value) {
    super(typeof value === "string" ? value : `plugin error: ${JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`);
    this.name = "PluginError";
    this.value = value;
    Object.defineProperty(this, PLUGIN_ERROR, { value: true });
  }

  /** Whether `error` is a PluginError (of any copy of the SDK). */
  static is(error) {
    return error !== null && typeof error === "object" && error[PLUGIN_ERROR] === true;
  }
}

/** `option<option<T>>`'s inner value, distinguishing `some(none)` from `none`. */
export function some(val) {
  return { tag: "some", val };
}
