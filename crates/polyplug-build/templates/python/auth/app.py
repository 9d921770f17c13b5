"""`{{name}}`: an auth plugin that lets in requests carrying the API key of
its configuration (`api-key`)."""

import polyplug
from polyplug.auth import (
    Auth,
    AuthDecision,
    AuthDecision_Allow,
    AuthDecision_Deny,
    Credentials,
    Credentials_ApiKey,
    Denial,
    Principal,
    RequestContext,
)


class ApiKey(Auth):
    name = "{{name}}"
    version = "0.1.0"
    description = "Lets in requests carrying the API key its configuration holds"

    key = ""

    def init(self, config: dict[str, str]) -> None:
        key = config.get("api-key", "")
        if not key:
            raise polyplug.PluginError("set `api-key` in the plugin's configuration")
        self.key = key

    def authenticate(self, context: RequestContext, credentials: Credentials) -> AuthDecision:
        match credentials:
            case Credentials_ApiKey(key) if key == self.key:
                return AuthDecision_Allow(Principal(id="api-key", roles=["user"], claims=[]))
            case Credentials_ApiKey(_):
                return AuthDecision_Deny(Denial(status=401, reason="invalid API key"))
        return AuthDecision_Deny(Denial(status=401, reason="missing API key"))


polyplug.export(ApiKey())
