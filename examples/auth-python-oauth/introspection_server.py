"""A small OAuth2 token introspection server (RFC 7662), standard library
only: what the auth-python-oauth plugin's tests run on loopback in place of a
real authorization server.

    python introspection_server.py --tokens tokens.json \\
        --client-id polyplug --client-secret s3cr3t [--listen 127.0.0.1:0]

`tokens.json` maps each token to the introspection response for it, e.g.
`{"good": {"active": true, "sub": "u-17", "scope": "reader"}}`; a token not
in it is `{"active": false}`. Tokens may also be given inline:
`--token good='{"active": true, "sub": "u-17"}'` (repeatable). `--delay 3`
makes every answer wait 3 seconds (to test deadlines).

It answers `POST /introspect` (form body `token=...`, `token_type_hint`
ignored) and requires HTTP basic client authentication when `--client-id` is
given: a wrong or missing one is `401 {"error": "invalid_client"}`
(RFC 6749 section 5.2). Once listening it prints
`introspection server listening on http://127.0.0.1:<port>/introspect`.
"""

import argparse
import base64
import hmac
import json
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", help="a JSON file: token -> introspection response")
    parser.add_argument("--token", action="append", default=[], metavar="TOKEN=JSON", help="one token and its response")
    parser.add_argument("--client-id", default="", help="the client id callers must authenticate as")
    parser.add_argument("--client-secret", default="", help="its secret")
    parser.add_argument("--listen", default="127.0.0.1:0", help="host:port (port 0 picks a free one)")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before each answer (to test deadlines)")
    args = parser.parse_args()

    tokens: dict = {}
    if args.tokens:
        with open(args.tokens, encoding="utf-8") as f:
            tokens.update(json.load(f))
    for item in args.token:
        token, sep, answer = item.partition("=")
        if not sep:
            parser.error(f"--token {item}: expected TOKEN=JSON")
        tokens[token] = json.loads(answer)
    for token, answer in tokens.items():
        if not isinstance(answer, dict):
            parser.error(f"the response for token {token!r} is not a JSON object")

    expected = None
    if args.client_id:
        pair = f"{urllib.parse.quote_plus(args.client_id)}:{urllib.parse.quote_plus(args.client_secret)}"
        expected = ("Basic " + base64.b64encode(pair.encode()).decode("ascii")).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="introspection"')
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the caller gave up (e.g. its deadline passed)

        def do_POST(self) -> None:
            if args.delay:
                time.sleep(args.delay)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            if urllib.parse.urlsplit(self.path).path != "/introspect":
                return self.answer(404, {"error": "not_found"})
            if expected is not None:
                got = (self.headers.get("Authorization") or "").encode()
                if not hmac.compare_digest(got, expected):
                    return self.answer(401, {"error": "invalid_client"})
            form = urllib.parse.parse_qs(body)
            token = (form.get("token") or [""])[0]
            if not token:
                return self.answer(400, {"error": "invalid_request", "error_description": "no token"})
            self.answer(200, tokens.get(token, {"active": False}))

        def do_GET(self) -> None:
            self.answer(405, {"error": "invalid_request", "error_description": "use POST"})

        def log_message(self, format: str, *args: object) -> None:
            sys.stderr.write("introspection: " + format % args + "\n")

    host, _, port = args.listen.rpartition(":")
    server = ThreadingHTTPServer((host.strip("[]") or "127.0.0.1", int(port)), Handler)
    bound_host, bound_port = server.server_address[:2]
    print(f"introspection server listening on http://{bound_host}:{bound_port}/introspect", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
