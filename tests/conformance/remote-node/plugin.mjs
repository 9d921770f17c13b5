// The conformance world as a remote plugin, with the Node SDK
// (sdk/remote-node): every WIT type, with the behaviour wit/conformance.wit
// documents for each function, the same as tests/conformance/rust.
//
// Not served remotely: the `counter` resource and `sum-counters` (handles
// cannot cross a stateless call; the generated world leaves them out),
// `host-round-trip` and `read-secret` (a remote plugin has no host
// interfaces: this plugin has no method for them, so they answer 501
// UNIMPLEMENTED). `live-counters` is served: no counter ever lives here, so
// it answers 0.
//
//   node tests/conformance/remote-node/plugin.mjs      # POLYPLUG_LISTEN=127.0.0.1:0 for a free port

import { err, ok } from '../../../sdk/remote-node/index.js';
import { serveConformance } from '../../../sdk/remote-node/worlds/conformance.js';

/** `s` reversed by Unicode scalar values. */
function reverseScalars(s) {
  let out = '';
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const hi = s.charCodeAt(i - 1);
      if (hi >= 0xd800 && hi <= 0xdbff) {
        out += s[i - 1] + s[i];
        i--;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

const NEXT_COLOR = { red: 'green', green: 'blue', blue: 'red' };

const conformance = {
  incU8: (x) => (x + 1) & 0xff,
  incU16: (x) => (x + 1) & 0xffff,
  incU32: (x) => (x + 1) >>> 0,
  incU64: (x) => BigInt.asUintN(64, x + 1n),
  negS8: (x) => (-x << 24) >> 24,
  negS16: (x) => (-x << 16) >> 16,
  negS32: (x) => -x | 0,
  negS64: (x) => BigInt.asIntN(64, -x),
  // The SDK rounds an f32 result to f32, as `x * 2.0` in f32 would.
  doubleF32: (x) => x * 2,
  doubleF64: (x) => x * 2,
  nextChar(c) {
    const next = c.codePointAt(0) + 1;
    return (next >= 0xd800 && next <= 0xdfff) || next > 0x10ffff ? c : String.fromCodePoint(next);
  },
  notBool: (b) => !b,
  reverseString: reverseScalars,
  reverseBytes: (b) => b.reverse(),
  sumList: (xs) => xs.reduce((acc, x) => BigInt.asIntN(64, acc + x), 0n),
  upperAll: (xs) => xs.map((s) => s.replace(/[a-z]+/g, (m) => m.toUpperCase())),
  movePoint: (p, dx, dy) => ({ x: (p.x + dx) | 0, y: (p.y + dy) | 0, label: `${p.label} moved` }),
  area(s) {
    switch (s.tag) {
      case 'circle':
        return Math.PI * s.val * s.val;
      case 'rectangle':
        return s.val[0] * s.val[1];
      case 'polygon': {
        // The shoelace formula in 64-bit integers, as the Rust plugin computes it.
        const points = s.val;
        const n = points.length;
        let twice = 0n;
        for (let i = 0; i < n; i++) {
          const a = points[i];
          const b = points[(i + 1) % n];
          twice = BigInt.asIntN(64, twice + BigInt(a.x) * BigInt(b.y) - BigInt(b.x) * BigInt(a.y));
        }
        return Number(twice < 0n ? -twice : twice) / 2;
      }
      default:
        return 0;
    }
  },
  nextColor: (c) => NEXT_COLOR[c],
  togglePermissions: (p) => ({ read: !p.read, write: !p.write, execute: !p.execute }),
  optionLen: (s) => (s === null ? null : Buffer.byteLength(s, 'utf8')),
  nestedOption: (x) => (x === null ? null : { some: x.some === null ? null : (x.some * 2) >>> 0 }),
  parseNumber(s) {
    if (s === '') return err('empty-input');
    if (Buffer.byteLength(s, 'utf8') > 10 || !/^[0-9]+$/.test(s)) return err('too-long');
    const n = Number(s);
    return n > 0xffffffff ? err('too-long') : ok(n);
  },
  rotateTuple: ([a, b, c]) => [c, a, b],
  echoEverything: (e) => e,
  liveCounters: () => 0,
};

await serveConformance(conformance, {
  name: 'conformance-node',
  version: '0.1.0',
  description: 'Every WIT type, in Node (remote)',
  idempotent: ['all-types/echo-everything'],
});
