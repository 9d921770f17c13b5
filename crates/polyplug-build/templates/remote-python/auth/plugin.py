"""`{{name}}`: a remote auth plugin that lets in requests carrying the API key
of its configuration (`api-key` in POLYPLUG_CONFIG, a JSON object of strings:
a remote plugin is configured by its operator, through its environment, not
through `init`).

    POLYPLUG_CONFIG='{"api-key": "let-me-in"}' .venv/bin/python plugin.py    # listens on $POLYPLUG_LISTEN, else 127.0.0.1:8080
"""

import hmac

from polyplug_remote import Ok, PluginError, Result, config_from_env
from polyplug_remote.worlds.auth import (
    Auth,
    AuthDecision,
    AuthDecisionAllow,
    AuthDecisionDeny,
    Credentials,
    CredentialsApiKey,
    Denial,
    Principal,
    RequestContext,
)


def deny(reason: str) -> Result[AuthDecision, str]:
    return Ok(AuthDecisionDeny(Denial(status=401, reason=reason)))


class ApiKey(Auth):
    name = "{{name}}"
    version = "0.1.0"
    description = "Lets in requests carrying the API key its configuration holds"
    idempotent = ["authenticator/authenticate"]

    def __init__(self) -> None:
        super().__init__()
        self.key = config_from_env().get("api-key", "")

    def authenticate(self, context: RequestContext, credentials: Credentials) -> Result[AuthDecision, str]:
        if not self.key:
            raise PluginError("FAILED_PRECONDITION", "set `api-key` in the plugin's configuration (POLYPLUG_CONFIG)")
        if not isinstance(credentials, CredentialsApiKey):
            return deny("missing API key")
        if not hmac.compare_digest(credentials.value.encode(), self.key.encode()):
            return deny("invalid API key")
        return Ok(AuthDecisionAllow(Principal(id="api-key", roles=["user"], claims=[])))


if __name__ == "__main__":
    ApiKey().run()
