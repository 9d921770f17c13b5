/// <reference path="./globals.d.ts" />
/**
 * The polyplug JavaScript SDK: what every plugin is, whatever its world.
 *
 * ```ts
 * import { PluginError } from "@polyplug/sdk";
 * import * as log from "@polyplug/sdk/log";
 * import { definePlugin, type Message } from "@polyplug/sdk/worlds/transform";
 *
 * export default definePlugin({
 *   name: "upper",
 *   version: "0.1.0",
 *   description: "Upper-cases payloads",
 *   transform(input: Message): Message | undefined {
 *     if (input.payload === "") throw new PluginError("empty payload");
 *     log.info("upper-casing a message");
 *     return { ...input, payload: input.payload.toUpperCase() };
 *   },
 * });
 * ```
 * @module
 */

/** What every plugin object is; a world's interface (`Transform`, ...) adds its functions. */
export interface Plugin {
  /** The plugin's name, as `polyplug inspect` shows it (usually the manifest's). */
  name: string;
  /** Its version (default `0.1.0`). */
  version?: string;
  /** One line saying what it does. */
  description?: string;
  /**
   * Prepares for calls with the operator's configuration, once per instance,
   * before any other call. Throw `new PluginError("...")` to refuse it: say
   * which key is wrong and what would be right. Without it any configuration
   * is accepted.
   */
  init?(config: Readonly<Record<string, string>>): void;
}

/**
 * The WIT `err` of a function whose result is a `result<T, E>`: throw
 * `new PluginError(value)` with a value of `E`.
 */
export declare class PluginError<E = string> extends Error {
  constructor(value: E);
  /** The WIT `err` value. */
  readonly value: E;
  /** Whether `error` is a PluginError (of any copy of the SDK). */
  static is(error: unknown): error is PluginError<unknown>;
}

/** A WIT `result<T, E>` inside another value (a record field, a list element). */
export type Result<T, E> = { tag: "ok"; val: T } | { tag: "err"; val: E };

/** The outer `some` of an `option<option<T>>`: `some(undefined)` is `some(none)`. */
export interface Some<T> {
  tag: "some";
  val: T;
}

/** `option<option<T>>`'s `some(val)`. */
export declare function some<T>(val: T): Some<T>;
