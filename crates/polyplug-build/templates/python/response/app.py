"""`{{name}}`: a response plugin that answers `GET /hello` with the JSON
`{"hello": <the query's name, or "world">}`, and nothing else."""

import json

import polyplug
from polyplug.response import HttpRequest, HttpResponse, Response


def handles(request: HttpRequest) -> bool:
    """Whether `request` is this plugin's: `GET /hello`."""
    return request.method == "GET" and request.path == "/hello"


def json_response(status: int, body: object) -> HttpResponse:
    """A response whose body is `body`, as JSON."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(status=status, headers=[], body=text.encode(), content_type="application/json")


class Hello(Response):
    name = "{{name}}"
    version = "0.1.0"
    description = "Answers GET /hello with a JSON greeting for the name in the query"

    def priority(self) -> int:
        return 0  # a plugin with a higher priority that handles the same request answers it instead

    def can_handle(self, request: HttpRequest) -> bool:
        return handles(request)

    def generate(self, request: HttpRequest) -> HttpResponse:
        if not handles(request):
            # Not found is an answer, not a failure (a PluginError makes the server answer 500).
            return json_response(404, {"error": "not found"})
        name = next((value for key, value in request.query if key == "name"), "world")
        return json_response(200, {"hello": name})


polyplug.export(Hello())
