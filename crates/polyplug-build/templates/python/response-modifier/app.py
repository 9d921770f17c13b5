"""`{{name}}`: a response-modifier plugin that adds `x-powered-by: polyplug`
to JSON responses (replacing any `x-powered-by` they had), and leaves every
other response alone."""

import dataclasses

import polyplug
from polyplug.response_modifier import HttpRequest, HttpResponse, ResponseModifier


def is_json(content_type: str) -> bool:
    """Whether `content_type` is JSON: `application/json` or `.../...+json`,
    any case, with or without parameters (`; charset=utf-8`)."""
    media = content_type.split(";")[0].strip(" \t").lower()
    return media == "application/json" or media.endswith("+json")


class PoweredBy(ResponseModifier):
    name = "{{name}}"
    version = "0.1.0"
    description = "Adds an x-powered-by header to JSON responses"

    def should_modify(self, request: HttpRequest, response: HttpResponse) -> bool:
        return is_json(response.content_type)

    def modify(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        headers = [(name, value) for name, value in response.headers if name.lower() != "x-powered-by"]
        return dataclasses.replace(response, headers=[*headers, ("x-powered-by", "polyplug")])


polyplug.export(PoweredBy())
