"""`{{name}}`: an auth@0.2 plugin that lets in requests carrying the API key
of its configuration (`api-key`), in an `x-api-key` header or as a bearer
token, and abstains from every other request."""

import json

import polyplug
from polyplug.auth_0_2 import (
    Allowed,
    Auth,
    AuthResult,
    AuthResult_Abstain,
    AuthResult_Allow,
    AuthResult_Deny,
    HttpRequest,
    Identity,
    Refused,
)


def presented_key(request: HttpRequest) -> str | None:
    """The API key `request` presents: its bearer token (`authorization:
    Bearer <key>`), else its `x-api-key` header. Header names arrive lower case."""
    scheme, _, token = (header(request, "authorization") or "").partition(" ")
    if scheme.lower() == "bearer":
        return token.strip()
    return header(request, "x-api-key")


def header(request: HttpRequest, name: str) -> str | None:
    """The value of the first header called `name`, trimmed, if there is one."""
    return next((value.strip() for key, value in request.headers if key == name), None)


class ApiKey(Auth):
    name = "{{name}}"
    version = "0.1.0"
    description = "Lets in requests carrying the API key its configuration holds, as an x-api-key header or a bearer token"

    key = ""

    def init(self, config: dict[str, str]) -> None:
        # Without a key the plugin still loads: it says so when asked to decide (an error, not a denial).
        self.key = config.get("api-key", "")

    def supported_schemes(self) -> list[str]:
        return ["api-key", "bearer"]

    def authenticate(self, request: HttpRequest) -> AuthResult:
        key = presented_key(request)
        if key is None:
            # Basic credentials, or none: not this plugin's to decide, the server asks the next one.
            return AuthResult_Abstain()
        if not self.key:
            raise polyplug.PluginError("no api-key configured")
        if key != self.key:
            return AuthResult_Deny(Refused(status=401, reason="unknown API key"))
        identity = Identity(id="demo-user", username=None, email=None, display_name=None, roles=["reader"], groups=[], attributes=[])
        # A claim's value is JSON text: the string `read` is `"read"`.
        return AuthResult_Allow(Allowed(identity=identity, claims=[("scope", json.dumps("read"))]))


polyplug.export(ApiKey())
