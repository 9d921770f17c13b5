// The failures of docs/remote-protocol.md, section 5, and the error of a
// value that does not fit its WIT type. Re-exported by index.js.

/** Each failure code and the HTTP status it is answered with. */
export const STATUS = Object.freeze({
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  ABORTED: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  UNKNOWN: 500,
  INTERNAL: 500,
  DATA_LOSS: 500,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
});

/**
 * A failure with one of the protocol's codes. Throw it from an
 * implementation to answer that code and message instead of `INTERNAL`.
 * (A WIT `result`'s `err` is not a failure: return `err(value)` for it.)
 */
export class PluginError extends Error {
  constructor(code, message) {
    if (!Object.hasOwn(STATUS, code)) {
      throw new TypeError(`unknown failure code \`${code}\`; the codes are ${Object.keys(STATUS).join(', ')}`);
    }
    super(message);
    this.name = 'PluginError';
    /** The failure code, e.g. `FAILED_PRECONDITION`. */
    this.code = code;
  }

  /** The HTTP status the code is answered with. */
  get status() {
    return STATUS[this.code];
  }
}

/** A value that does not fit its WIT type: where, what was wanted, what was found. */
export class ValueError extends Error {
  constructor(expected, found) {
    // No message for Error to store: `message` is computed, as the path grows while the error propagates.
    super();
    this.name = 'ValueError';
    /** What the WIT type called for, e.g. `s32 (a whole number from -2147483648 to 2147483647)`. */
    this.expected = expected;
    /** What was found instead, e.g. `string "two"`. */
    this.found = found;
    /** Path segments, innermost first: field names and list indices. */
    this.segments = [];
    /** Where the path starts: `$` for the value itself, `$.args` or `$.result` in a call. */
    this.prefix = '$';
  }

  /** Where the bad value is, e.g. `$.args[0].points[2].x`. */
  get path() {
    let out = this.prefix;
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i];
      out += typeof s === 'number' ? `[${s}]` : `.${s}`;
    }
    return out;
  }

  get message() {
    return `at ${this.path}: expected ${this.expected}, found ${this.found}`;
  }
}

/** Arguments that do not fit the function's parameter types: `400 INVALID_ARGUMENT`, naming where. */
export class ArgumentError extends PluginError {
  constructor(valueError) {
    super('INVALID_ARGUMENT', valueError.message);
    this.name = 'ArgumentError';
    /** The ValueError, with `path`, `expected` and `found`. */
    this.cause = valueError;
  }
}
