/**
 * Lines in the host's logs under the plugin's name: the `log` host interface
 * (declare `log = true` under `[capabilities]` in polyplug.toml; `console.log`
 * goes to the logs too, with `stdio = true`).
 * @module
 */

export declare function trace(message: string): void;
export declare function debug(message: string): void;
export declare function info(message: string): void;
export declare function warn(message: string): void;
export declare function error(message: string): void;
