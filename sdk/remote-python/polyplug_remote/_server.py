"""The HTTP side of `docs/remote-protocol.md`: `Plugin`, its FastAPI app and `run`."""

from __future__ import annotations

import abc
import asyncio
import collections
import concurrent.futures
import contextvars
import hashlib
import hmac
import inspect
import logging
import os
import re
import socket
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterable, Optional

import orjson
from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from ._codec import Codec, ValueMismatch
from .errors import STATUS, PluginError

__all__ = ["Plugin", "World", "Function", "Call", "current_call", "time_left", "PROTOCOL"]

#: The version of `docs/remote-protocol.md` this SDK speaks.
PROTOCOL = 1

logger = logging.getLogger("polyplug_remote")

_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{1,128}\Z")
_TIMEOUT = re.compile(r"\s*[0-9]{1,15}\s*\Z")
_JSON = "application/json"


@dataclass(frozen=True)
class Function:
    """One function a world serves (made by the generated world modules)."""

    #: The interface's short name (`_` for a function the world exports directly).
    interface: str
    #: The function's WIT name, e.g. `authenticate`.
    name: str
    #: The Python method that implements it, e.g. `authenticate`.
    method: str
    #: Its parameters: (WIT name, codec), in order.
    params: tuple[tuple[str, Codec], ...]
    #: Its result's codec; `None` for a function without result.
    result: Optional[Codec]

    @property
    def path(self) -> str:
        """`interface/function`, as URLs and `idempotent` name it."""
        return f"{self.interface}/{self.name}"


@dataclass(frozen=True)
class World:
    """A world as a remote serves it (made by the generated world modules)."""

    #: The full world name, e.g. `polyplug:plugin/auth@0.1.0`.
    name: str
    #: The WIT document `GET /v1/describe` serves.
    wit: str
    #: `sha256:` and the hex SHA-256 of `wit`.
    digest: str
    #: The functions served, in WIT order.
    functions: tuple[Function, ...]


@dataclass(frozen=True, slots=True)
class Call:
    """The call being served, as its request's headers describe it
    (`current_call()` gives it to the function serving it)."""

    #: `interface/function`.
    path: str
    #: When the caller stops waiting, on the `time.monotonic()` clock
    #: (from `polyplug-timeout`); `None` when the request set no deadline.
    deadline: Optional[float]
    #: `polyplug-attempt`: 1 for the first attempt, 2 and up for retries.
    attempt: int
    #: `idempotency-key`, if sent.
    idempotency_key: Optional[str]
    #: W3C Trace Context `traceparent`, if sent.
    traceparent: Optional[str]
    #: W3C Trace Context `tracestate`, if sent.
    tracestate: Optional[str]

    def time_left(self) -> Optional[float]:
        """Seconds until the deadline (0 once it has passed); `None` without one."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())


_CALL: contextvars.ContextVar[Optional[Call]] = contextvars.ContextVar("polyplug_remote_call", default=None)


def current_call() -> Optional[Call]:
    """The call the current function serves (`None` outside a call). Works
    in `def` functions (in their thread) and `async def` ones alike."""
    return _CALL.get()


def time_left() -> Optional[float]:
    """Seconds left before the current call's deadline (`polyplug-timeout`),
    0 once it has passed; `None` outside a call or when it has no deadline.
    Bound the work a function waits for by it, e.g. an HTTP request's timeout."""
    call = _CALL.get()
    return None if call is None else call.time_left()


class Plugin(abc.ABC):
    """A remote plugin. Subclass a world's base class (e.g.
    `polyplug_remote.worlds.auth.Auth`), implement its methods, say who the
    plugin is, and call `run()`:

        class MyAuth(Auth):
            name = "auth-oauth"
            version = "1.4.0"
            description = "OAuth2 bearer tokens by introspection"
            idempotent = ["authenticator/authenticate"]

            def authenticate(self, context, credentials): ...

        MyAuth().run()

    `name`, `version`, `description` and `idempotent` may also be given to the
    constructor. A method may be `def` (run in a thread pool) or `async def`
    (awaited on the event loop).
    """

    #: The world served; set by the generated base class.
    __polyplug_world__: ClassVar[World]

    #: The plugin's name, kebab-case (`GET /v1/describe`'s `plugin.name`).
    name: str = ""
    #: Its version, semver.
    version: str = "0.1.0"
    #: One line saying what it does.
    description: str = ""
    #: The functions that may safely run twice for one call (the host may
    #: retry them): `interface/function` names, or the Python method names.
    idempotent: Iterable[str] = ()
    #: How many threads run `def` methods at once.
    max_threads: int = min(32, (os.cpu_count() or 1) + 4)

    def __init__(
        self,
        *,
        name: Optional[str] = None,
        version: Optional[str] = None,
        description: Optional[str] = None,
        idempotent: Optional[Iterable[str]] = None,
    ) -> None:
        if name is not None:
            self.name = name
        if version is not None:
            self.version = version
        if description is not None:
            self.description = description
        if idempotent is not None:
            self.idempotent = idempotent

    def ready(self) -> bool:
        """Whether the plugin can take calls now: `GET /v1/health` answers
        `NOT_SERVING` (503) while this returns False (or raises). Override it
        to report a dependency that is down; it may be `async def`."""
        return True

    def app(self, api_key: Optional[str] = None) -> FastAPI:
        """The plugin as a FastAPI application (what `run` serves), e.g. for
        another ASGI server or for tests. `api_key`: require `Authorization:
        Bearer <api_key>` on describe and calls."""
        return _App(self, api_key).fastapi

    def run(
        self,
        listen: Optional[str] = None,
        api_key: Optional[str] = None,
        *,
        log_level: str = "info",
        access_log: bool = False,
        ssl_certfile: Optional[str] = None,
        ssl_keyfile: Optional[str] = None,
        ssl_ca_certs: Optional[str] = None,
    ) -> None:
        """Serves the plugin until SIGINT or SIGTERM.

        `listen` is `host:port` (`[::1]:8080` for IPv6; port 0 picks a free
        one); default: the environment variable `POLYPLUG_LISTEN`, else
        `127.0.0.1:8080`. `api_key`: default, `POLYPLUG_REMOTE_API_KEY`; none
        means no key is required. Once listening it prints one line to
        stdout: `polyplug-remote listening on http://127.0.0.1:<port>`.

        TLS: `ssl_certfile` and `ssl_keyfile` serve HTTPS; `ssl_ca_certs`
        also requires a client certificate signed by that CA (mutual TLS).
        """
        import ssl

        import uvicorn

        listen = listen or os.environ.get("POLYPLUG_LISTEN") or "127.0.0.1:8080"
        if api_key is None:
            api_key = os.environ.get("POLYPLUG_REMOTE_API_KEY") or None
        host, port = parse_listen(listen)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            sock = socket.create_server((host, port), family=family, backlog=2048)
        except OSError as e:
            raise SystemExit(f"polyplug-remote: cannot listen on {listen}: {e}") from None
        bound_port = sock.getsockname()[1]
        scheme = "https" if ssl_certfile else "http"
        shown = f"[{host}]" if family == socket.AF_INET6 else host
        line = f"polyplug-remote listening on {scheme}://{shown}:{bound_port}"
        if not logging.getLogger().handlers and not logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            logger.addHandler(handler)
            logger.setLevel(log_level.upper())
        config = uvicorn.Config(
            self.app(api_key),
            log_level=log_level,
            access_log=access_log,
            lifespan="auto",
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
            ssl_ca_certs=ssl_ca_certs,
            ssl_cert_reqs=ssl.CERT_REQUIRED if ssl_ca_certs else ssl.CERT_NONE,
            server_header=False,
        )

        class Server(uvicorn.Server):
            async def startup(self, sockets: Optional[list[socket.socket]] = None) -> None:
                await super().startup(sockets=sockets)
                if self.started:
                    print(line, flush=True)

        Server(config).run(sockets=[sock])


def parse_listen(listen: str) -> tuple[str, int]:
    """`host:port` (or `[v6]:port`) as (host, port)."""
    host, sep, port = listen.strip().rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise SystemExit(f"polyplug-remote: listen on `{listen}`? expected host:port, e.g. 127.0.0.1:8080 or [::1]:0")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host or "0.0.0.0", int(port)


def _failure(code: str, message: str) -> Response:
    return Response(orjson.dumps({"code": code, "message": message}), STATUS[code], media_type=_JSON)


class _Served:
    """A function bound to the plugin instance, with everything a call needs."""

    __slots__ = ("function", "method", "is_async", "decoders", "names", "encode", "count")

    def __init__(self, function: Function, method: Callable[..., Any]) -> None:
        self.function = function
        self.method = method
        self.is_async = inspect.iscoroutinefunction(method)
        self.decoders = tuple(codec.decode for _, codec in function.params)
        self.names = tuple(name for name, _ in function.params)
        self.encode = function.result.encode if function.result is not None else None
        self.count = len(function.params)


class _Answers:
    """The answers of recent calls by idempotency key: at most `limit` of
    them and `max_bytes` of bodies, the oldest forgotten first."""

    def __init__(self, limit: int = 4096, max_bytes: int = 64 << 20) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: collections.OrderedDict[tuple[str, str], bytes] = collections.OrderedDict()

    def get(self, key: tuple[str, str]) -> Optional[bytes]:
        body = self.entries.get(key)
        if body is not None:
            self.entries.move_to_end(key)
        return body

    def put(self, key: tuple[str, str], body: bytes) -> None:
        if len(body) > self.max_bytes // 16:
            return
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= len(old)
        self.entries[key] = body
        self.size += len(body)
        while len(self.entries) > self.limit or self.size > self.max_bytes:
            _, dropped = self.entries.popitem(last=False)
            self.size -= len(dropped)


class _App:
    """The routes of one plugin instance."""

    def __init__(self, plugin: Plugin, api_key: Optional[str]) -> None:
        world = getattr(type(plugin), "__polyplug_world__", None)
        if not isinstance(world, World):
            raise TypeError(
                f"{type(plugin).__name__} serves no world: subclass a world's base class, e.g. polyplug_remote.worlds.auth.Auth"
            )
        if "sha256:" + hashlib.sha256(world.wit.encode("utf-8")).hexdigest() != world.digest:
            raise RuntimeError(f"the generated module of {world.name} is corrupt: its WIT text does not match its digest")
        if not plugin.name:
            raise ValueError(f"{type(plugin).__name__} has no name: set `name = \"my-plugin\"` in the class, or pass name=")
        self.plugin = plugin
        self.world = world
        self.served = {f.path: _Served(f, getattr(plugin, f.method)) for f in world.functions}
        self.list = ", ".join(self.served) or "nothing"
        self.key = None if not api_key else api_key.encode("utf-8")
        self.answers = _Answers()
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=plugin.max_threads, thread_name_prefix="polyplug-remote")
        idempotent = []
        by_method = {f.method: f.path for f in world.functions}
        for entry in plugin.idempotent:
            path = entry if entry in self.served else by_method.get(entry)
            if path is None:
                raise ValueError(f"idempotent names `{entry}`, which this plugin does not serve; it serves: {self.list}")
            if path not in idempotent:
                idempotent.append(path)
        self.describe_body = orjson.dumps(
            {
                "protocol": PROTOCOL,
                "plugin": {"name": plugin.name, "version": plugin.version, "description": plugin.description},
                "world": world.name,
                "wit": world.wit,
                "digest": world.digest,
                "idempotent": [path for path in self.served if path in idempotent],
            }
        )
        ready = getattr(plugin, "ready")
        self.ready = None if getattr(ready, "__func__", None) is Plugin.ready else ready

        app = FastAPI(
            title=plugin.name,
            version=plugin.version,
            description=plugin.description,
            docs_url=None,
            redoc_url=None,
            openapi_url=None,
        )
        app.add_route("/v1/health", self.health, methods=["GET"])
        app.add_route("/v1/describe", self.describe, methods=["GET"])
        app.add_route("/v1/call/{interface}/{function}", self.call, methods=["POST"])
        app.add_exception_handler(StarletteHTTPException, self.not_found)
        app.state.polyplug = self
        self.fastapi = app

    # -- routes --------------------------------------------------------------

    async def not_found(self, request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        if status not in (404, 405):
            code = next((c for c, s in STATUS.items() if s == status), "UNKNOWN" if status >= 500 else "INVALID_ARGUMENT")
            return _failure(code, str(getattr(exc, "detail", exc)))
        return _failure(
            "NOT_FOUND",
            f"{request.method} {request.url.path} is not a path this service answers; it answers "
            "GET /v1/health, GET /v1/describe and POST /v1/call/{interface}/{function}",
        )

    async def health(self, request: Request) -> Response:
        serving = True
        if self.ready is not None:
            try:
                if inspect.iscoroutinefunction(self.ready):
                    serving = bool(await self.ready())
                else:
                    serving = bool(await asyncio.get_running_loop().run_in_executor(self.pool, self.ready))
            except Exception:
                logger.warning("ready() raised; answering NOT_SERVING", exc_info=True)
                serving = False
        if serving:
            return Response(b'{"status":"SERVING"}', 200, media_type=_JSON)
        return Response(b'{"status":"NOT_SERVING"}', 503, media_type=_JSON)

    def _unauthorized(self, request: Request) -> Optional[Response]:
        if self.key is None:
            return None
        header = request.headers.get("authorization")
        if header is None:
            return _failure("UNAUTHENTICATED", "this plugin requires an API key: send `Authorization: Bearer <key>`")
        scheme, _, token = header.partition(" ")
        # Compare in constant time, whatever the scheme. Header values arrive
        # decoded as latin-1: that gives back the bytes sent.
        good = hmac.compare_digest(token.strip().encode("latin-1", "replace"), self.key)
        if scheme.lower() != "bearer" or not good:
            return _failure("UNAUTHENTICATED", "the API key in `Authorization: Bearer …` is wrong")
        return None

    async def describe(self, request: Request) -> Response:
        refused = self._unauthorized(request)
        if refused is not None:
            return refused
        return Response(self.describe_body, 200, media_type=_JSON)

    async def call(self, request: Request) -> Response:
        started = time.monotonic()
        refused = self._unauthorized(request)
        if refused is not None:
            return refused
        params = request.path_params
        path = f"{params['interface']}/{params['function']}"
        served = self.served.get(path)
        if served is None:
            return _failure("UNIMPLEMENTED", f"this plugin serves no function `{path}`; it serves: {self.list}")
        headers = request.headers
        timeout = headers.get("polyplug-timeout")
        deadline: Optional[float] = None
        if timeout is not None:
            if not _TIMEOUT.match(timeout):
                return _failure("INVALID_ARGUMENT", f"polyplug-timeout: expected milliseconds (a whole number), found `{timeout[:40]}`")
            deadline = started + int(timeout) / 1000.0
        trace = headers.get("traceparent")
        if trace is not None and logger.isEnabledFor(logging.DEBUG):
            logger.debug("call %s, attempt %s, traceparent %s", path, headers.get("polyplug-attempt", "1"), trace)
        key = headers.get("idempotency-key")
        if key is not None:
            if _IDEMPOTENCY_KEY.match(key):
                remembered = self.answers.get((path, key))
                if remembered is not None:
                    return Response(remembered, 200, media_type=_JSON)
            else:
                key = None

        body = await request.body()
        try:
            request_json = orjson.loads(body)
        except orjson.JSONDecodeError as e:
            return _failure("INVALID_ARGUMENT", f"the request body is not JSON: {e}")
        args = request_json.get("args", _NO_ARGS) if type(request_json) is dict else _NO_ARGS
        if type(args) is not list:
            return _failure("INVALID_ARGUMENT", 'the request body must be an object {"args": [...]}, with the arguments in an array')
        if len(args) != served.count:
            names = ", ".join(served.names)
            return _failure(
                "INVALID_ARGUMENT",
                f"`{path}` takes {served.count} argument{'' if served.count == 1 else 's'} ({names}), found {len(args)}",
            )
        values = []
        i = 0
        try:
            for i, decode in enumerate(served.decoders):
                values.append(decode(args[i]))
        except ValueMismatch as e:
            return _failure("INVALID_ARGUMENT", e.message(f"$.args[{i}]"))

        attempt = headers.get("polyplug-attempt")
        _CALL.set(
            Call(
                path,
                deadline,
                int(attempt) if attempt is not None and attempt.isdigit() else 1,
                key,
                trace,
                headers.get("tracestate"),
            )
        )
        try:
            value = await self._run(served, values, deadline, None if key is None else (path, key))
        except _Deadline:
            return _failure(
                "DEADLINE_EXCEEDED", f"`{path}` did not finish within its deadline (polyplug-timeout: {int(timeout or 0)} ms)"
            )
        except PluginError as e:
            return _failure(e.code, e.message)
        except Exception as e:
            logger.error("%s raised %s (traceparent %s)", path, type(e).__name__, trace or "none", exc_info=e)
            return _failure("INTERNAL", str(e) or type(e).__name__)

        try:
            answer = self._answer(served, value)
        except _Unfit as e:
            logger.error("%s: %s (traceparent %s)", path, e, trace or "none")
            return _failure("INTERNAL", str(e))
        if key is not None:
            self.answers.put((path, key), answer)
        return Response(answer, 200, media_type=_JSON)

    # -- helpers -------------------------------------------------------------

    async def _run(self, served: _Served, values: list, deadline: Optional[float], key: Optional[tuple[str, str]]) -> Any:
        """Runs the function: an `async def` awaited, a `def` in the thread
        pool; raises `_Deadline` once `deadline` has passed."""
        if deadline is not None and time.monotonic() >= deadline:
            raise _Deadline
        future = None
        if served.is_async:
            awaitable = served.method(*values)
        else:
            # In a copy of this context, so that `current_call()` works in the thread.
            future = self.pool.submit(contextvars.copy_context().run, served.method, *values)
            awaitable = asyncio.wrap_future(future)
        while True:
            if deadline is None:
                value = await awaitable
            else:
                # `asyncio.wait`, not `wait_for`: a `TimeoutError` the function
                # itself raises is its failure, not the call's deadline.
                task = asyncio.ensure_future(awaitable)
                done, _ = await asyncio.wait((task,), timeout=max(0.0, deadline - time.monotonic()))
                if not done:
                    task.cancel()
                    if future is not None and key is not None:
                        self._remember_late(future, served, key)
                    raise _Deadline
                value = task.result()
            # A `def` that hands back an awaitable (e.g. a decorated coroutine).
            if not inspect.isawaitable(value):
                return value
            awaitable, future = value, None

    @staticmethod
    def _answer(served: _Served, value: Any) -> bytes:
        try:
            result = None if served.encode is None else served.encode(value)
        except ValueMismatch as e:
            raise _Unfit(f"the plugin answered a value that does not fit the result type: {e.message('$.result')}") from None
        try:
            return orjson.dumps({"result": result})
        except (orjson.JSONEncodeError, TypeError) as e:
            raise _Unfit(f"the plugin's answer cannot be written as JSON: {e}") from None

    def _remember_late(self, future: concurrent.futures.Future, served: _Served, key: tuple[str, str]) -> None:
        """Stores the answer of a call that finishes after its deadline, so
        that a retry with the same idempotency key gets it."""
        loop = asyncio.get_running_loop()

        def done(f: concurrent.futures.Future) -> None:
            if f.cancelled() or f.exception() is not None:
                return
            try:
                answer = self._answer(served, f.result())
            except _Unfit:
                return
            loop.call_soon_threadsafe(self.answers.put, key, answer)

        future.add_done_callback(done)


class _Deadline(Exception):
    """The call's `polyplug-timeout` has passed."""


class _Unfit(Exception):
    """An answer that does not fit the result type."""


_NO_ARGS = object()
