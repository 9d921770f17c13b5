/**
 * The secrets the operator's policy lets this plugin read (an API token, a
 * password), by name: the `secrets` host interface (declare
 * `secrets = ["crm-token"]` under `[capabilities]` in polyplug.toml). The
 * host holds the values and, in a call for a tenant, gives that tenant's.
 * Never log a value: the host keeps them out of its own logs.
 * @module
 */

/** Why the host did not give a secret. */
export type SecretErrorKind =
  /** The plugin's grant does not name it (the host audits the read). */
  | "not-granted"
  /** Granted, but the host has no value for it (for this call's tenant). */
  | "not-found"
  /** The host's secret store could not be read. */
  | "unavailable";

/** Thrown by `get` when the host does not give the secret; its message is the host's, and says what to do. */
export declare class SecretError extends Error {
  /** Which of the WIT cases it is. */
  readonly kind: SecretErrorKind;
}

/** The value of the secret `name`; throws `SecretError` when the host does not give it. */
export declare function get(name: string): string;
