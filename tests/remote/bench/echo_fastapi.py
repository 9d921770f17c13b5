"""A bare FastAPI + uvicorn JSON echo: the baseline the remote Python SDK is
measured against (crates/polyplug-remote/benches/remote_latency.rs).

It answers POST /echo with the JSON body it was sent, parsed and serialised
again (as any JSON service does), and prints the line the benchmark waits for.
"""

import os
import socket
import sys

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response

app = FastAPI()


@app.post("/echo")
async def echo(request: Request) -> Response:
    import json

    body = json.loads(await request.body())
    return Response(content=json.dumps(body), media_type="application/json")


def main() -> None:
    host, _, port = os.environ.get("POLYPLUG_LISTEN", "127.0.0.1:0").rpartition(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, int(port)))
    sock.listen(128)
    address = sock.getsockname()
    print(f"polyplug-remote listening on http://{address[0]}:{address[1]}", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    sys.exit(main())
