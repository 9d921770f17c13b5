// The JSON mapping of WIT values (docs/json-mapping.md), the pieces every
// world shares: primitive decoders and encoders, and the helpers the
// generated per-type functions in worlds/*.js call. Internal to the SDK: the
// generated files import it by relative path; applications use index.js.
//
// Decoders take a value as JSON.parse made it and return the SDK's
// JavaScript value, or throw a ValueError; encoders do the reverse, for what
// an implementation returns. A ValueError carries the path to the bad part,
// collected innermost first as it propagates (`at`), so that nothing is
// spent on paths while values fit.

import { Buffer } from 'node:buffer';

import { ArgumentError, ValueError } from './errors.js';

/** Places `e` (when it is a ValueError) inside a list index or a field name; other errors pass unchanged. */
export function at(e, segment) {
  if (e instanceof ValueError) e.segments.push(segment);
  return e;
}

/** A short description of a value, for error messages (as polyplug-value spells JSON). */
export function describe(v) {
  let text;
  switch (typeof v) {
    case 'undefined':
      return 'nothing (undefined)';
    case 'boolean':
      return `boolean ${v}`;
    case 'number':
      text = `number ${Number.isFinite(v) ? JSON.stringify(v) : String(v)}`;
      break;
    case 'bigint':
      text = `bigint ${v}`;
      break;
    case 'string':
      text = `string ${JSON.stringify(v.length > 100 ? v.slice(0, 100) : v)}`;
      break;
    case 'object':
      if (v === null) return 'null';
      if (Array.isArray(v)) return `an array of ${v.length} items`;
      if (v instanceof Uint8Array) return `a Uint8Array of ${v.length} bytes`;
      if (v instanceof Map) return `a Map of ${v.size} entries`;
      if (v instanceof Set) return `a Set of ${v.size} items`;
      text = `an object with keys [${Object.keys(v).join(', ')}]`;
      break;
    default:
      return `a ${typeof v}`;
  }
  const chars = Array.from(text);
  return chars.length > 80 ? `${chars.slice(0, 80).join('')}…` : text;
}

export function mismatch(expected, v) {
  return new ValueError(expected, describe(v));
}

/** A record field that is absent. */
export function missing(field, type) {
  return new ValueError(`field \`${field}\` of type ${type}`, 'no such key');
}

/** A JSON object (not null, not an array). */
export function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The number of enumerable keys of a JSON object. */
export function keyCount(v) {
  let n = 0;
  // eslint-disable-next-line no-unused-vars
  for (const _ in v) n++;
  return n;
}

/** The first key of `v` that is not one of `known`, as an error. */
export function unknownField(expected, v, known) {
  for (const k in v) {
    if (!known.includes(k)) return new ValueError(expected, `an unknown field \`${k}\``);
  }
  return new ValueError(expected, describe(v));
}

/** `v[key]` when `v` has it as its own property (for names Object.prototype also has). */
export function own(v, key) {
  return Object.hasOwn(v, key) ? v[key] : undefined;
}

/** Checks that a `{"tag", "val"}` object has no other key. */
export function tagged(expected, v) {
  for (const k in v) {
    if (k !== 'tag' && k !== 'val') throw new ValueError(expected, `an unexpected key \`${k}\``);
  }
}

/** Checks that an object has no key but `known`. */
export function onlyKeys(expected, v, known) {
  for (const k in v) {
    if (!known.includes(k)) throw new ValueError(expected, `an unknown key \`${k}\``);
  }
}

/** A case that carries a payload was given none. */
export function noVal(tag, type) {
  return new ValueError(`a \`val\` of type ${type} for case \`${tag}\``, 'no `val`');
}

/** A case without payload was given one. */
export function extraVal(tag, v) {
  return at(new ValueError(`no \`val\`: case \`${tag}\` carries no payload`, describe(v)), 'val');
}

// ---- integers -------------------------------------------------------------

const T_U8 = 'u8 (a whole number from 0 to 255)';
const T_U16 = 'u16 (a whole number from 0 to 65535)';
const T_U32 = 'u32 (a whole number from 0 to 4294967295)';
const T_S8 = 's8 (a whole number from -128 to 127)';
const T_S16 = 's16 (a whole number from -32768 to 32767)';
const T_S32 = 's32 (a whole number from -2147483648 to 2147483647)';
const T_U64 = 'u64 (a whole number from 0 to 18446744073709551615, as a number or a string)';
const T_S64 = 's64 (a whole number from -9223372036854775808 to 9223372036854775807, as a number or a string)';

const DIGITS = /^[+-]?[0-9]+$/;
const EXACT = 2 ** 53;
const EXACT_N = 2n ** 53n;
const U64_MAX = 2n ** 64n - 1n;
const S64_MIN = -(2n ** 63n);
const S64_MAX = 2n ** 63n - 1n;

/** A decimal string as a BigInt, or undefined. */
function bigFromString(v) {
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return DIGITS.test(t) ? BigInt(t) : undefined;
}

function smallInt(v, min, max, expected) {
  const b = bigFromString(v);
  if (b !== undefined && b >= BigInt(min) && b <= BigInt(max)) return Number(b);
  throw mismatch(expected, v);
}

export function dU8(v) {
  return (v & 0xff) === v ? v : smallInt(v, 0, 255, T_U8);
}
export function dU16(v) {
  return (v & 0xffff) === v ? v : smallInt(v, 0, 65535, T_U16);
}
export function dU32(v) {
  return v >>> 0 === v ? v : smallInt(v, 0, 4294967295, T_U32);
}
export function dS8(v) {
  return (v << 24) >> 24 === v ? v : smallInt(v, -128, 127, T_S8);
}
export function dS16(v) {
  return (v << 16) >> 16 === v ? v : smallInt(v, -32768, 32767, T_S16);
}
export function dS32(v) {
  return (v | 0) === v ? v : smallInt(v, -2147483648, 2147483647, T_S32);
}

function bigInt(v, min, max, expected) {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -EXACT && v <= EXACT) {
      const b = BigInt(v);
      if (b >= min && b <= max) return b;
    } else if (Number.isInteger(v)) {
      // JSON.parse has already rounded it: refuse rather than use another number.
      throw new ValueError(expected, `${describe(v)}, past 2^53 where JSON numbers lose digits (send it as a string)`);
    }
    throw mismatch(expected, v);
  }
  const b = bigFromString(v);
  if (b !== undefined && b >= min && b <= max) return b;
  throw mismatch(expected, v);
}

export function dU64(v) {
  return bigInt(v, 0n, U64_MAX, T_U64);
}
export function dS64(v) {
  return bigInt(v, S64_MIN, S64_MAX, T_S64);
}

export function eU8(v) {
  if ((v & 0xff) === v) return v;
  throw mismatch(T_U8, v);
}
export function eU16(v) {
  if ((v & 0xffff) === v) return v;
  throw mismatch(T_U16, v);
}
export function eU32(v) {
  if (v >>> 0 === v) return v;
  throw mismatch(T_U32, v);
}
export function eS8(v) {
  if ((v << 24) >> 24 === v) return v;
  throw mismatch(T_S8, v);
}
export function eS16(v) {
  if ((v << 16) >> 16 === v) return v;
  throw mismatch(T_S16, v);
}
export function eS32(v) {
  if ((v | 0) === v) return v;
  throw mismatch(T_S32, v);
}

const T_U64_OUT = 'u64 (a bigint from 0n to 18446744073709551615n, or a whole number up to 2^53)';
const T_S64_OUT = 's64 (a bigint from -9223372036854775808n to 9223372036854775807n, or a whole number within ±2^53)';

function bigOut(v, min, max, expected) {
  if (typeof v === 'bigint') {
    if (v >= min && v <= max) return v >= -EXACT_N && v <= EXACT_N ? Number(v) : v.toString();
  } else if (typeof v === 'number' && Number.isInteger(v) && v >= -EXACT && v <= EXACT && (min === 0n ? v >= 0 : true)) {
    return v === 0 ? 0 : v;
  }
  throw mismatch(expected, v);
}

export function eU64(v) {
  return bigOut(v, 0n, U64_MAX, T_U64_OUT);
}
export function eS64(v) {
  return bigOut(v, S64_MIN, S64_MAX, T_S64_OUT);
}

// ---- floats ---------------------------------------------------------------

const T_F32 = 'f32 (a number, or "NaN", "Infinity", "-Infinity")';
const T_F64 = 'f64 (a number, or "NaN", "Infinity", "-Infinity")';

function specialFloat(v, expected) {
  switch (v) {
    case 'NaN':
      return NaN;
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    default:
      throw mismatch(expected, v);
  }
}

export function dF64(v) {
  return typeof v === 'number' ? v : specialFloat(v, T_F64);
}

export function dF32(v) {
  if (typeof v !== 'number') return specialFloat(v, T_F32);
  const narrow = Math.fround(v);
  if (narrow === Infinity || narrow === -Infinity) {
    throw new ValueError('f32 (a number within ±3.4e38)', describe(v));
  }
  return narrow;
}

function floatOut(v) {
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return 'NaN';
}

export function eF64(v) {
  if (typeof v !== 'number') throw mismatch('f64 (a number)', v);
  return Number.isFinite(v) ? v : floatOut(v);
}

/** Rounded to the nearest f32, as the component model would store it. */
export function eF32(v) {
  if (typeof v !== 'number') throw mismatch('f32 (a number)', v);
  const narrow = Math.fround(v);
  return Number.isFinite(narrow) ? narrow : floatOut(narrow);
}

// ---- bool, char, string ---------------------------------------------------

const T_BOOL = 'bool (true or false)';
const T_CHAR = 'char (a string of exactly one character)';
const T_STRING = 'string';

export function dBool(v) {
  if (v === true || v === false) return v;
  throw mismatch(T_BOOL, v);
}
export const eBool = dBool;

/** One Unicode scalar value: one code unit that is not a surrogate, or a surrogate pair. */
function isChar(v) {
  if (typeof v !== 'string') return false;
  if (v.length === 1) {
    const c = v.charCodeAt(0);
    return c < 0xd800 || c > 0xdfff;
  }
  if (v.length === 2) {
    const hi = v.charCodeAt(0);
    const lo = v.charCodeAt(1);
    return hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff;
  }
  return false;
}

export function dChar(v) {
  if (isChar(v)) return v;
  throw mismatch(T_CHAR, v);
}
export const eChar = dChar;

export function dString(v) {
  if (typeof v === 'string') {
    if (v.isWellFormed()) return v;
    throw new ValueError('string (Unicode text)', `${describe(v)}, which holds a lone surrogate`);
  }
  throw mismatch(T_STRING, v);
}
export const eString = dString;

// ---- list<u8> -------------------------------------------------------------

const T_BYTES = 'list<u8> (a base64 string, or an array of numbers 0 to 255)';
const T_BYTES_OUT = 'list<u8> (a Uint8Array, or an array of numbers 0 to 255)';

function bytesFromArray(v) {
  const n = v.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const b = v[i];
    if ((b & 0xff) !== b) throw at(mismatch(T_U8, b), i);
    out[i] = b;
  }
  return out;
}

/** Base64 (standard alphabet, canonical padding) or an array of bytes, as a Uint8Array. */
export function dBytes(v) {
  if (typeof v === 'string') {
    const buf = Buffer.from(v, 'base64');
    // Node's decoder skips what it does not understand: only the canonical text round-trips.
    if (buf.toString('base64') !== v) {
      throw new ValueError(T_BYTES, 'a string that is not base64 (standard alphabet, padded)');
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  }
  if (Array.isArray(v)) return bytesFromArray(v);
  throw mismatch(T_BYTES, v);
}

export function eBytes(v) {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (Array.isArray(v)) return Buffer.from(bytesFromArray(v)).toString('base64');
  throw mismatch(T_BYTES_OUT, v);
}

// ---- flags ----------------------------------------------------------------

/** A flag's value in an object of booleans: absent is clear. */
export function flag(v, name, expected) {
  if (v === true) return true;
  if (v === false || v === undefined) return false;
  throw at(new ValueError(expected, describe(v)), name);
}

// ---- calls ----------------------------------------------------------------

/** The argument array has the wrong length. */
export function arity(fn, params, found) {
  const names = params.length ? ` (${params.join(', ')})` : '';
  const e = new ValueError(`${params.length} argument${params.length === 1 ? '' : 's'}${names} for \`${fn}\``, `${found}`);
  e.prefix = '$.args';
  return new ArgumentError(e);
}

/** A ValueError in argument `i` as the call's INVALID_ARGUMENT failure; other errors pass unchanged. */
export function argument(e, i) {
  if (!(e instanceof ValueError)) return e;
  e.prefix = '$.args';
  e.segments.push(i);
  return new ArgumentError(e);
}
