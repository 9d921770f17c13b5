// The conformance world implemented with the JavaScript SDK (sdk/js), in
// TypeScript: every WIT type, with the behaviour wit/conformance.wit
// documents for each function (the same as tests/conformance/rust, which
// the host tests hold both to).

import { PluginError, some, type Some } from "@polyplug/sdk";
import * as config from "@polyplug/sdk/config";
import * as kv from "@polyplug/sdk/kv";
import * as log from "@polyplug/sdk/log";
import * as secrets from "@polyplug/sdk/secrets";
import {
  definePlugin,
  type Color,
  type Counter,
  type Everything,
  type Permissions,
  type Point,
  type Shape,
} from "@polyplug/sdk/worlds/conformance";

/** The counters made and not yet dropped by the host. */
let live = 0;

class TsCounter implements Counter {
  #current: bigint;

  constructor(start: bigint) {
    live += 1;
    this.#current = start;
  }

  // componentize-js calls it when the host drops the counter.
  [Symbol.dispose](): void {
    live -= 1;
  }

  increment(by: bigint): bigint {
    this.#current = BigInt.asIntN(64, this.#current + by);
    return this.#current;
  }

  value(): bigint {
    return this.#current;
  }

  fork(): Counter {
    return new TsCounter(this.#current);
  }
}

const NEXT_COLOR: Record<Color, Color> = { red: "green", green: "blue", blue: "red" };
const utf8 = new TextEncoder();

export default definePlugin({
  name: "conformance-ts",
  version: "0.1.0",
  description: "Every WIT type, in TypeScript",

  Counter: TsCounter,

  incU8: (x: number) => (x + 1) & 0xff,
  incU16: (x: number) => (x + 1) & 0xffff,
  incU32: (x: number) => (x + 1) >>> 0,
  incU64: (x: bigint) => BigInt.asUintN(64, x + 1n),
  negS8: (x: number) => ((-x << 24) >> 24),
  negS16: (x: number) => ((-x << 16) >> 16),
  negS32: (x: number) => -x | 0,
  negS64: (x: bigint) => BigInt.asIntN(64, -x),
  doubleF32: (x: number) => Math.fround(x * 2),
  doubleF64: (x: number) => x * 2,

  nextChar(c: string): string {
    const n = c.codePointAt(0)! + 1;
    return (n >= 0xd800 && n <= 0xdfff) || n > 0x10ffff ? c : String.fromCodePoint(n);
  },

  notBool: (b: boolean) => !b,
  // Spreading a string iterates code points: reversing it reverses scalar values.
  reverseString: (s: string) => [...s].reverse().join(""),
  reverseBytes: (b: Uint8Array) => b.slice().reverse(),

  sumList(xs: Array<bigint>): bigint {
    let sum = 0n;
    for (const x of xs) sum = BigInt.asIntN(64, sum + x);
    return sum;
  },

  upperAll: (xs: Array<string>) => xs.map((s) => s.replace(/[a-z]/g, (c) => c.toUpperCase())),

  movePoint(p: Point, dx: number, dy: number): Point {
    return { x: (p.x + dx) | 0, y: (p.y + dy) | 0, label: `${p.label} moved` };
  },

  area(s: Shape): number {
    switch (s.tag) {
      case "circle":
        return Math.PI * s.val * s.val;
      case "rectangle":
        return s.val[0] * s.val[1];
      case "polygon": {
        const points = s.val;
        let twice = 0;
        for (let i = 0; i < points.length; i++) {
          const a = points[i];
          const b = points[(i + 1) % points.length];
          twice += a.x * b.y - b.x * a.y;
        }
        return Math.abs(twice) / 2;
      }
      case "empty":
        return 0;
    }
  },

  nextColor: (c: Color) => NEXT_COLOR[c],

  togglePermissions(p: Permissions): Permissions {
    return { read: !p.read, write: !p.write, execute: !p.execute };
  },

  optionLen: (s: string | undefined) => (s === undefined ? undefined : utf8.encode(s).length),

  nestedOption(x: Some<number | undefined> | undefined): Some<number | undefined> | undefined {
    if (x === undefined || x.val === undefined) return x;
    return some((x.val * 2) >>> 0);
  },

  parseNumber(s: string): number {
    if (s === "") throw new PluginError("empty-input");
    if (utf8.encode(s).length > 10 || !/^[0-9]+$/.test(s)) throw new PluginError("too-long");
    const n = Number(s);
    // Anything else that is not a u32 counts as too long: the WIT has no third case.
    if (n > 0xffff_ffff) throw new PluginError("too-long");
    return n;
  },

  rotateTuple: (t: [number, string, number]): [number, number, string] => [t[2], t[0], t[1]],
  echoEverything: (e: Everything) => e,
  sumCounters: (a: Counter, b: Counter) => BigInt.asIntN(64, a.value() + b.value()),
  liveCounters: () => live,

  hostRoundTrip(key: string, message: string): string | undefined {
    log.info(message);
    const value = config.get(key);
    if (value === undefined) return undefined;
    try {
      kv.set(key, value);
    } catch (e) {
      if (e instanceof kv.QuotaError) return undefined;
      throw e;
    }
    const stored = kv.get(key);
    return stored === undefined ? undefined : new TextDecoder().decode(stored);
  },

  readSecret(name: string): string {
    try {
      return `value:${secrets.get(name)}`;
    } catch (e) {
      if (e instanceof secrets.SecretError) return `error:${e.kind}:${e.message}`;
      throw e;
    }
  },
});
