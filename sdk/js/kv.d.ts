/**
 * The plugin's own key-value store: the `kv` host interface (declare
 * `kv = { quota = "64 KiB" }` under `[capabilities]` in polyplug.toml).
 * @module
 */

/** Thrown by `set` when the value would take the store past its quota. */
export declare class QuotaError extends Error {
  /** The quota, in bytes. */
  readonly quota: bigint;
  /** The bytes in use. */
  readonly used: bigint;
  /** The bytes the refused `set` needed. */
  readonly needed: bigint;
}

/** The value stored under `key`, or `undefined`. */
export declare function get(key: string): Uint8Array | undefined;

/** Stores `value` (a string is stored as UTF-8) under `key`; throws `QuotaError` past the quota. */
export declare function set(key: string, value: Uint8Array | string): void;

/** Removes `key`; whether it was there. */
declare function del(key: string): boolean;
export { del as delete };

/** Every key. */
export declare function keys(): string[];
