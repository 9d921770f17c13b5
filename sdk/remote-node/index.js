// @polyplug/remote: serve a polyplug world as a remote plugin over HTTP/JSON,
// as docs/remote-protocol.md specifies, with nothing but `node:http`.
//
// The per-world modules (worlds/<world>.js, generated from WIT) hold the
// types, the JSON decoders and encoders and the world's describe text; they
// call `serve` below with a table of the world's functions. This file is the
// protocol: routes, failures, authentication, deadlines, idempotency keys,
// health and listening.

import { Buffer, isUtf8 } from 'node:buffer';
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

import { ArgumentError, PluginError, STATUS, ValueError } from './errors.js';

export { ArgumentError, PluginError, STATUS, ValueError };

/** `{tag: 'ok', val}`: the `ok` side of a WIT `result` (`ok()` for one without payload). */
export function ok(val) {
  return arguments.length === 0 ? { tag: 'ok' } : { tag: 'ok', val };
}

/** `{tag: 'err', val}`: the `err` side of a WIT `result`, a normal answer (`200`), not a failure. */
export function err(val) {
  return arguments.length === 0 ? { tag: 'err' } : { tag: 'err', val };
}

/**
 * The operator's configuration, as the `[key, value]` entries a local plugin's
 * `init` gets, sorted by key: read from the environment variable `variable`
 * (default `POLYPLUG_CONFIG`), a JSON object of strings such as
 * `{"rename": "cust.name=customer"}`. None when it is unset or empty.
 */
export function configFromEnv(variable = 'POLYPLUG_CONFIG') {
  const text = process.env[variable];
  if (text === undefined || text.trim() === '') return [];
  let object;
  try {
    object = JSON.parse(text);
  } catch (e) {
    throw new TypeError(`${variable} is not JSON (${e.message}): give an object of strings, e.g. {"key": "value"}`);
  }
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    throw new TypeError(`${variable} must be a JSON object of strings, e.g. {"key": "value"}`);
  }
  const entries = Object.entries(object);
  for (const [key, value] of entries) {
    if (typeof value !== 'string') {
      throw new TypeError(`${variable}: the value of \`${key}\` must be a string, not ${JSON.stringify(value)}`);
    }
  }
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The protocol version this SDK speaks (`protocol` in describe). */
export const PROTOCOL = 1;

const CALL = '/v1/call/';
const SERVING = '{"status":"SERVING"}';
const NOT_SERVING = '{"status":"NOT_SERVING"}';
const NULL_RESULT = '{"result":null}';
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,128}$/;
const PLUGIN_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const DEFAULT_LISTEN = '127.0.0.1:8080';
const DEFAULT_MAX_BODY = 32 * 1024 * 1024;
const DEFAULT_MEMORY = 4096;

function stderr(line) {
  process.stderr.write(`polyplug-remote: ${line}\n`);
}

/** `host:port`, `:port`, `port` or `[v6]:port` (an `http://` prefix is allowed). */
export function parseListen(spec) {
  if (typeof spec === 'number') spec = String(spec);
  const text = String(spec).trim().replace(/^http:\/\//, '').replace(/\/$/, '');
  let m;
  let host;
  let port;
  if ((m = /^(\d+)$/.exec(text))) {
    [host, port] = ['127.0.0.1', m[1]];
  } else if ((m = /^\[([^\]]+)\]:(\d+)$/.exec(text))) {
    [host, port] = [m[1], m[2]];
  } else if ((m = /^([^:[\]]*):(\d+)$/.exec(text))) {
    [host, port] = [m[1] || '0.0.0.0', m[2]];
  }
  const n = Number(port);
  if (host === undefined || !Number.isInteger(n) || n > 65535) {
    throw new TypeError(
      `cannot listen on \`${spec}\`: give \`host:port\` (e.g. \`127.0.0.1:8080\`, \`0.0.0.0:8080\`, \`[::1]:8080\`), \`:port\` or a port; 0 picks a free port`,
    );
  }
  return { host, port: n };
}

/** A failure answer's body. */
function failure(code, message) {
  return JSON.stringify({ code, message });
}

function send(res, status, body) {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function fail(res, code, message, headers) {
  if (res.headersSent) return;
  if (headers) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  send(res, STATUS[code], failure(code, message));
}

/** What a call of the implementation hands it as its last argument. */
class CallContext {
  constructor(req, res, name, deadline) {
    /** The function called, `interface/function`. */
    this.function = name;
    /** The HTTP request (headers, socket). */
    this.request = req;
    this._res = res;
    this._deadline = deadline;
    this._controller = undefined;
    this._reason = undefined;
  }

  /** Aborted when the deadline (`polyplug-timeout`) passes or the caller goes away. */
  get signal() {
    if (this._controller === undefined) {
      const controller = new AbortController();
      this._controller = controller;
      if (this._reason === undefined && !this._res.writableFinished && (this._res.destroyed || this.request.socket?.destroyed)) {
        // The caller went away before the signal was first asked for.
        this._reason = new PluginError('CANCELLED', 'the caller went away');
      }
      if (this._reason !== undefined) {
        controller.abort(this._reason);
      } else {
        this._res.once('close', () => {
          if (!this._res.writableFinished) this._abort(new PluginError('CANCELLED', 'the caller went away'));
        });
      }
    }
    return this._controller.signal;
  }

  /** When the caller stops waiting, in `Date.now()` milliseconds; `null` without `polyplug-timeout`. */
  get deadline() {
    return this._deadline === Infinity ? null : Date.now() + (this._deadline - performance.now());
  }

  /** Milliseconds left before the deadline (`Infinity` without one). */
  remainingMs() {
    return this._deadline === Infinity ? Infinity : Math.max(0, this._deadline - performance.now());
  }

  /** `polyplug-attempt`: 1 for a first attempt, 2 and up for retries. */
  get attempt() {
    const a = Number(this.request.headers['polyplug-attempt']);
    return Number.isInteger(a) && a > 0 ? a : 1;
  }

  /** `idempotency-key`, or null. */
  get idempotencyKey() {
    return this.request.headers['idempotency-key'] ?? null;
  }

  /** W3C `traceparent`, or null. */
  get traceparent() {
    return this.request.headers.traceparent ?? null;
  }

  /** W3C `tracestate`, or null. */
  get tracestate() {
    return this.request.headers.tracestate ?? null;
  }

  _abort(reason) {
    if (this._reason !== undefined) return;
    this._reason = reason;
    if (this._controller !== undefined) this._controller.abort(reason);
  }
}

/** A call in progress under an idempotency key: later attempts wait for its answer. */
class Pending {
  constructor() {
    this.waiters = [];
  }
}

/**
 * Serves `world` (the `world` export of a generated worlds/<world>.js) with
 * the methods of `impl`. Resolves once listening, after printing
 * `polyplug-remote listening on http://<host>:<port>` to stdout.
 */
export function serve(world, impl, options = {}) {
  if (world === null || typeof world !== 'object' || !Array.isArray(world.functions)) {
    throw new TypeError('serve(world, impl, options): `world` is the `world` export of a module in @polyplug/remote/worlds/');
  }
  if (impl === null || (typeof impl !== 'object' && typeof impl !== 'function')) {
    throw new TypeError(`serve(world, impl, options): \`impl\` is an object with a method per function of ${world.name}`);
  }
  const { name, version, description = '' } = options;
  if (typeof name !== 'string' || !PLUGIN_NAME.test(name)) {
    throw new TypeError(`options.name: the plugin's name, kebab-case (e.g. \`auth-oauth\`); got ${JSON.stringify(name)}`);
  }
  if (typeof version !== 'string' || !SEMVER.test(version)) {
    throw new TypeError(`options.version: the plugin's version, semver (e.g. \`1.4.0\`); got ${JSON.stringify(version)}`);
  }
  if (typeof description !== 'string') throw new TypeError('options.description: one line of text');
  const log = options.log ?? stderr;

  // The routes: every function of the world that `impl` has a method for.
  const routes = new Map();
  for (const f of world.functions) {
    if (typeof impl[f.method] === 'function') routes.set(f.path, f);
  }
  const served = [...routes.keys()];
  if (served.length === 0) {
    const methods = world.functions.map((f) => `${f.method} (${f.path})`).join(', ');
    throw new TypeError(`the implementation has no method of ${world.name}; it needs: ${methods}`);
  }
  const servedList = served.join(', ');

  const idempotent = [...(options.idempotent ?? [])];
  for (const path of idempotent) {
    if (!routes.has(path)) {
      throw new TypeError(`options.idempotent: \`${path}\` is not a function this plugin serves; it serves: ${servedList}`);
    }
  }

  const describeBody = JSON.stringify({
    protocol: PROTOCOL,
    plugin: { name, version, description },
    world: world.name,
    wit: world.wit,
    digest: world.digest,
    ...(idempotent.length ? { idempotent } : {}),
  });

  // The API key: compared as SHA-256 digests, in constant time.
  const apiKey = options.apiKey !== undefined ? options.apiKey : process.env.POLYPLUG_REMOTE_API_KEY || null;
  if (apiKey !== null && (typeof apiKey !== 'string' || apiKey === '')) {
    throw new TypeError('options.apiKey: a non-empty string, or null for none');
  }
  const keyDigest = apiKey === null ? null : createHash('sha256').update(apiKey).digest();
  const authorized = (req) => {
    if (keyDigest === null) return true;
    const h = req.headers.authorization;
    if (typeof h !== 'string' || h.length < 8 || h.slice(0, 7).toLowerCase() !== 'bearer ') return false;
    return timingSafeEqual(createHash('sha256').update(h.slice(7)).digest(), keyDigest);
  };
  const unauthenticated = (req, res) => {
    const message =
      req.headers.authorization === undefined
        ? 'this plugin requires an API key: send `Authorization: Bearer <key>`'
        : 'the API key in `Authorization` is not this plugin\'s';
    fail(res, 'UNAUTHENTICATED', message, { 'www-authenticate': 'Bearer' });
  };

  const ready = options.ready ?? null;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const memorySize = options.idempotencyMemory ?? DEFAULT_MEMORY;
  /** idempotency key → the answer's body (a string), or the call still running (Pending). */
  const memory = new Map();
  let draining = false;

  const remember = (key, value) => {
    memory.delete(key);
    memory.set(key, value);
    if (memory.size > memorySize) memory.delete(memory.keys().next().value);
  };

  const health = (req, res) => {
    if (draining) return send(res, 503, NOT_SERVING);
    if (ready === null) return send(res, 200, SERVING);
    const answer = (up) => send(res, up ? 200 : 503, up ? SERVING : NOT_SERVING);
    let r;
    try {
      r = ready();
    } catch (e) {
      log(`ready() threw: ${e?.stack ?? e}`);
      return answer(false);
    }
    if (r !== null && typeof r === 'object' && typeof r.then === 'function') {
      r.then(answer, (e) => {
        log(`ready() rejected: ${e?.stack ?? e}`);
        answer(false);
      });
    } else {
      answer(r);
    }
  };

  /** The answer to a call that failed with `e`. */
  const failed = (f, e) => {
    if (e instanceof PluginError) {
      if (e.code === 'INTERNAL' || e.code === 'UNKNOWN') log(`${f.path} failed: ${e.code}: ${e.message}`);
      return [e.status, failure(e.code, String(e.message))];
    }
    log(`${f.path} threw: ${e instanceof Error ? e.stack : String(e)}`);
    const message = e instanceof Error ? e.message || e.name : String(e);
    return [500, failure('INTERNAL', message)];
  };

  /** The answer to a call whose implementation returned `v`. */
  const returned = (f, v) => {
    if (f.encode === null) return [200, NULL_RESULT];
    let json;
    try {
      json = JSON.stringify(f.encode(v));
    } catch (e) {
      if (!(e instanceof ValueError)) return failed(f, e);
      e.prefix = '$.result';
      const message = `\`${f.path}\` returned a value that does not fit its result type: ${e.message}`;
      log(message);
      return [500, failure('INTERNAL', message)];
    }
    return [200, `{"result":${json}}`];
  };

  const lateMessage = (f, ms) => `\`${f.path}\` did not finish within the ${ms} ms its caller allowed (polyplug-timeout)`;
  const deadlineExceeded = (f, ms) => [504, failure('DEADLINE_EXCEEDED', lateMessage(f, ms))];

  const run = (f, req, res, buf, deadline, timeoutMs, key) => {
    // Under an idempotency key: a stored answer, or the same call still running.
    let pending;
    if (key !== undefined) {
      const known = memory.get(key);
      if (typeof known === 'string') return send(res, 200, known);
      if (known instanceof Pending) {
        known.waiters.push((status, body) => {
          if (status === 200) send(res, status, body);
          else run(f, req, res, buf, deadline, timeoutMs, key);
        });
        return;
      }
      pending = new Pending();
      remember(key, pending);
    }
    const answer = (status, body) => {
      if (pending !== undefined) {
        if (status === 200) remember(key, body);
        else if (memory.get(key) === pending) memory.delete(key);
        for (const waiter of pending.waiters) waiter(status, body);
      }
      send(res, status, body);
    };

    if (!isUtf8(buf)) return answer(400, failure('INVALID_ARGUMENT', 'the request body is not UTF-8 text'));
    let body;
    try {
      body = JSON.parse(buf.toString('utf8'));
    } catch (e) {
      return answer(400, failure('INVALID_ARGUMENT', `the request body is not JSON: ${e.message}`));
    }
    if (body === null || typeof body !== 'object' || !Array.isArray(body.args)) {
      return answer(
        400,
        failure('INVALID_ARGUMENT', 'the request body must be a JSON object {"args": [...]}, with the arguments in parameter order'),
      );
    }
    if (performance.now() >= deadline) return answer(...deadlineExceeded(f, timeoutMs));

    const ctx = new CallContext(req, res, f.path, deadline);
    let r;
    try {
      r = f.call(impl, body.args, ctx);
    } catch (e) {
      return answer(...failed(f, e));
    }
    if (r === null || typeof r !== 'object' || typeof r.then !== 'function') {
      if (performance.now() > deadline) return answer(...deadlineExceeded(f, timeoutMs));
      return answer(...returned(f, r));
    }
    let settled = false;
    let timer;
    if (deadline !== Infinity) {
      timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        const message = lateMessage(f, timeoutMs);
        ctx._abort(new PluginError('DEADLINE_EXCEEDED', message));
        answer(504, failure('DEADLINE_EXCEEDED', message));
      }, Math.max(0, deadline - performance.now()));
    }
    r.then(
      (v) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        answer(...returned(f, v));
      },
      (e) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        answer(...failed(f, e));
      },
    );
  };

  const call = (f, req, res) => {
    const started = performance.now();
    const headers = req.headers;
    let deadline = Infinity;
    let timeoutMs;
    const timeout = headers['polyplug-timeout'];
    if (timeout !== undefined) {
      timeoutMs = Number(timeout);
      if (timeout.trim() === '' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
        return fail(res, 'INVALID_ARGUMENT', `polyplug-timeout is milliseconds (a number), not \`${timeout}\``);
      }
      deadline = started + timeoutMs;
    }
    let key = headers['idempotency-key'];
    if (key !== undefined) {
      if (!IDEMPOTENCY_KEY.test(key)) {
        return fail(res, 'INVALID_ARGUMENT', 'idempotency-key is 1 to 128 characters of [A-Za-z0-9-_]');
      }
      key = memorySize > 0 ? `${f.path} ${key}` : undefined;
    }
    const length = headers['content-length'];
    if (length !== undefined && Number(length) > maxBody) {
      res.setHeader('connection', 'close');
      return fail(res, 'RESOURCE_EXHAUSTED', `the request body (${length} bytes) is over this plugin's limit of ${maxBody} bytes`);
    }
    const chunks = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBody) {
        over = true;
        res.setHeader('connection', 'close');
        fail(res, 'RESOURCE_EXHAUSTED', `the request body is over this plugin's limit of ${maxBody} bytes`);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (over) return;
      const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      run(f, req, res, buf, deadline, timeoutMs, key);
    });
  };

  const onRequest = (req, res) => {
    const url = req.url;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path.startsWith(CALL)) {
      if (req.method !== 'POST') {
        return fail(res, 'NOT_FOUND', `\`${req.method} ${path}\` is not part of the protocol: calls are POST`);
      }
      if (!authorized(req)) return unauthenticated(req, res);
      const f = routes.get(path.slice(CALL.length));
      if (f === undefined) {
        let wanted = path.slice(CALL.length);
        try {
          wanted = decodeURIComponent(wanted);
        } catch {
          // keep it as sent
        }
        return fail(res, 'UNIMPLEMENTED', `this plugin serves no function \`${wanted}\`; it serves: ${servedList}`);
      }
      return call(f, req, res);
    }
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/v1/health' && get) return health(req, res);
    if (path === '/v1/describe' && get) {
      if (!authorized(req)) return unauthenticated(req, res);
      return send(res, 200, describeBody);
    }
    fail(
      res,
      'NOT_FOUND',
      `no \`${req.method} ${path}\` here: this is a polyplug remote plugin (GET /v1/health, GET /v1/describe, POST /v1/call/{interface}/{function})`,
    );
  };

  const { host, port } = parseListen(options.listen ?? (process.env.POLYPLUG_LISTEN || DEFAULT_LISTEN));
  const server = http.createServer({ keepAlive: true, noDelay: true }, onRequest);
  // Longer than the idle time of common client pools, so that the client, not
  // the server, closes an idle connection (no race on a reused one).
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 120_000;
  server.headersTimeout = server.keepAliveTimeout + 10_000;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', (e) => log(`server error: ${e.stack ?? e}`));
      const address = server.address();
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const url = `http://${shown}:${address.port}`;

      const signals = ['SIGTERM', 'SIGINT'];
      const onSignal = () => {
        draining = true;
        server.close(() => process.exit(0));
        server.closeIdleConnections();
        setTimeout(() => process.exit(0), 10_000).unref();
      };
      if (options.handleSignals !== false) for (const s of signals) process.once(s, onSignal);

      if (options.announce !== false) process.stdout.write(`polyplug-remote listening on ${url}\n`);
      resolve({
        server,
        url,
        port: address.port,
        host: address.address,
        functions: served,
        /** Stop taking calls and connections; resolves once closed. */
        close() {
          draining = true;
          for (const s of signals) process.off(s, onSignal);
          return new Promise((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          });
        },
      });
    });
  });
}
