// Types of @polyplug/remote: serve a polyplug world as a remote plugin
// (docs/remote-protocol.md). The per-world types are in
// @polyplug/remote/worlds/<world>.

import type { IncomingMessage, Server } from 'node:http';

/** A value, or a promise of it: every implementation method may be sync or async. */
export type Awaitable<T> = T | PromiseLike<T>;

/** The failure codes of the protocol (section 5). */
export type FailureCode =
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'OUT_OF_RANGE'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'ABORTED'
  | 'RESOURCE_EXHAUSTED'
  | 'CANCELLED'
  | 'UNKNOWN'
  | 'INTERNAL'
  | 'DATA_LOSS'
  | 'UNIMPLEMENTED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED';

/** Each failure code and the HTTP status it is answered with. */
export declare const STATUS: Readonly<Record<FailureCode, number>>;

/** The protocol version this SDK speaks (`protocol` in describe): 1. */
export declare const PROTOCOL: 1;

/**
 * A failure with one of the protocol's codes. Throw it from an implementation
 * to answer that code and message (e.g. `FAILED_PRECONDITION` when the plugin
 * is not configured for the call, `UNAVAILABLE` when a dependency is down);
 * any other exception is answered `500 INTERNAL` with its message.
 * A WIT `result`'s `err` is not a failure: return `err(value)` for it.
 */
export declare class PluginError extends Error {
  constructor(code: FailureCode, message: string);
  readonly code: FailureCode;
  /** The HTTP status the code is answered with. */
  readonly status: number;
}

/** A value that does not fit its WIT type. */
export declare class ValueError extends Error {
  /** Where, e.g. `$.args[0].payload` or `$.result.val.id`. */
  readonly path: string;
  /** What the WIT type called for. */
  readonly expected: string;
  /** What was found instead. */
  readonly found: string;
}

/** Arguments that do not fit the function's parameter types: answered `400 INVALID_ARGUMENT`. */
export declare class ArgumentError extends PluginError {
  readonly cause: ValueError;
}

/** Any value; as a type parameter's constraint, it keeps literal types (`err('too-long')` is an enum case, not a string). */
export type Narrowable = string | number | bigint | boolean | symbol | object | null | undefined;

/** `{tag: 'ok', val}`, the `ok` side of a WIT `result`. */
export declare function ok(): { tag: 'ok' };
export declare function ok<T extends Narrowable>(val: T): { tag: 'ok'; val: T };

/** `{tag: 'err', val}`, the `err` side of a WIT `result`: a normal answer (`200`), not a failure. */
export declare function err(): { tag: 'err' };
export declare function err<E extends Narrowable>(val: E): { tag: 'err'; val: E };

/**
 * The operator's configuration, as the `[key, value]` entries a local plugin's
 * `init` gets, sorted by key: read from the environment variable `variable`
 * (default `POLYPLUG_CONFIG`), a JSON object of strings such as
 * `{"rename": "cust.name=customer"}`. None when it is unset or empty.
 * Throws a TypeError saying what is wrong when it is not such an object.
 */
export declare function configFromEnv(variable?: string): Array<[string, string]>;

/** What each implementation method gets as its last argument. */
export interface CallContext {
  /** The function called, `interface/function`, e.g. `transformer/transform`. */
  readonly function: string;
  /**
   * Aborted when the call's deadline (`polyplug-timeout`) passes, with a
   * `PluginError('DEADLINE_EXCEEDED')` as its reason, or when the caller goes
   * away (`CANCELLED`). Pass it to `fetch` and other cancellable work.
   */
  readonly signal: AbortSignal;
  /** When the caller stops waiting, in `Date.now()` milliseconds; null without `polyplug-timeout`. */
  readonly deadline: number | null;
  /** Milliseconds left before the deadline (`Infinity` without one). */
  remainingMs(): number;
  /** `polyplug-attempt`: 1 for a first attempt, 2 and up for retries. */
  readonly attempt: number;
  /** `idempotency-key`, or null. */
  readonly idempotencyKey: string | null;
  /** W3C trace context `traceparent`, or null: continue the trace in your spans. */
  readonly traceparent: string | null;
  /** W3C trace context `tracestate`, or null. */
  readonly tracestate: string | null;
  /** The HTTP request itself (headers, socket). */
  readonly request: IncomingMessage;
}

/** One served function of a world, as the generated modules describe it. */
export interface WorldFunction {
  /** `interface/function`, e.g. `authenticator/authenticate`. */
  readonly path: string;
  /** The implementation's method that serves it. */
  readonly method: string;
  /** The WIT parameter names. */
  readonly params: readonly string[];
}

/** A world as a remote plugin serves it: the `world` export of `@polyplug/remote/worlds/<world>`. */
export interface World<Impl> {
  /** The world's full name, e.g. `polyplug:plugin/auth@0.1.0`. */
  readonly name: string;
  /** The WIT text describe serves. */
  readonly wit: string;
  /** `sha256:` and the SHA-256 of `wit`. */
  readonly digest: string;
  readonly functions: readonly WorldFunction[];
  /** Only for typing: the implementation this world takes. */
  readonly __impl?: Impl;
}

/** How to serve. */
export interface ServeOptions {
  /** The plugin's name, kebab-case (describe's `plugin.name`). */
  name: string;
  /** The plugin's version, semver (describe's `plugin.version`). */
  version: string;
  /** One line saying what the plugin does. */
  description?: string;
  /**
   * Where to listen: `host:port`, `:port` (every interface) or a port
   * (127.0.0.1); 0 picks a free port. Default: `POLYPLUG_LISTEN`, else `127.0.0.1:8080`.
   */
  listen?: string | number;
  /**
   * The API key callers must send as `Authorization: Bearer <key>` for
   * describe and calls (health needs none). Default: `POLYPLUG_REMOTE_API_KEY`
   * when set; `null` requires no key even then.
   */
  apiKey?: string | null;
  /** Functions (`interface/function`) the host may retry: listed in describe's `idempotent`. */
  idempotent?: readonly string[];
  /** Whether the plugin can take calls now: health answers NOT_SERVING while it returns false. */
  ready?: () => Awaitable<boolean>;
  /** The largest request body taken, in bytes (default 32 MiB); larger is `429 RESOURCE_EXHAUSTED`. */
  maxBodyBytes?: number;
  /** How many answers to remember by `idempotency-key` (default 4096; 0: none). */
  idempotencyMemory?: number;
  /** Drain and exit on SIGTERM and SIGINT (default true). */
  handleSignals?: boolean;
  /** Print `polyplug-remote listening on <url>` to stdout once listening (default true). */
  announce?: boolean;
  /** How idle keep-alive connections may stay open, in ms (default 120000). */
  keepAliveTimeoutMs?: number;
  /** Where failures and exceptions are logged (default: stderr, prefixed `polyplug-remote: `). */
  log?: (line: string) => void;
}

/** A listening plugin. */
export interface RemoteServer {
  /** The Node HTTP server. */
  readonly server: Server;
  /** `http://<host>:<port>`, as printed. */
  readonly url: string;
  /** The port listened on (the one picked, for port 0). */
  readonly port: number;
  /** The address listened on. */
  readonly host: string;
  /** The functions served (`interface/function`): those `impl` has a method for. */
  readonly functions: readonly string[];
  /** Answers health NOT_SERVING, stops listening, resolves once the last connection closed. */
  close(): Promise<void>;
}

/**
 * Serves `world` with the methods of `impl`. Resolves once listening, after
 * printing `polyplug-remote listening on http://<host>:<port>` to stdout.
 * A function whose method `impl` lacks answers `501 UNIMPLEMENTED`.
 */
export declare function serve<Impl>(world: World<Impl>, impl: Impl, options: ServeOptions): Promise<RemoteServer>;

/** `{host, port}` of a listen address (see `ServeOptions.listen`). */
export declare function parseListen(spec: string | number): { host: string; port: number };
