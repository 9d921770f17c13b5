/**
 * Text and JSON payloads of the envelopes of `transform@0.2` and
 * `filter@0.2`, whose payload is bytes (a `Uint8Array`). No capability is
 * needed.
 *
 * ```ts
 * import { payloadText, withJsonPayload } from "@polyplug/sdk/payload";
 *
 * convert(message: Envelope): Envelope {
 *   const order = JSON.parse(payloadText(message));
 *   return withJsonPayload(message, { id: order.id });
 * }
 * ```
 * @module
 */

/** What these helpers read and make: an envelope of either world has both fields. */
export interface HasPayload {
  /** The payload's bytes. */
  payload: Uint8Array;
  /** Its media type. */
  contentType: string;
}

/**
 * The payload decoded as UTF-8, strictly.
 *
 * @throws {PluginError<string>} `the payload is not UTF-8` when it is not
 *   (uncaught in a function returning `result<_, string>`, that is its `err`).
 */
export declare function payloadText(message: Pick<HasPayload, "payload">): string;

/**
 * A copy of `message` whose payload is `value` as JSON (`JSON.stringify`,
 * so a `bigint` in `value` throws a `TypeError`), encoded as UTF-8, and
 * whose content type is `application/json`; every other field is kept.
 */
export declare function withJsonPayload<M extends HasPayload>(message: M, value: unknown): M;
