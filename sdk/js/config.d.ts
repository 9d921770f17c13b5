/**
 * The operator's configuration for this plugin: the `config` host interface
 * (declare `config = true` under `[capabilities]` in polyplug.toml). `init`
 * receives the same entries.
 * @module
 */

/** The value of `key`, or `undefined` when the configuration has none. */
export declare function get(key: string): string | undefined;

/** Every entry. */
export declare function entries(): Record<string, string>;
