"""`{{name}}`: a remote auth plugin that lets in requests carrying the API
key in its environment variable `API_KEY` (a remote plugin is configured by
its operator, through its environment, not through `init`).

    API_KEY=let-me-in .venv/bin/python plugin.py    # listens on $POLYPLUG_LISTEN, else 127.0.0.1:8080
"""

import hmac
import os

from polyplug_remote import Err, Ok, Result
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


class ApiKey(Auth):
    name = "{{name}}"
    version = "0.1.0"
    description = "Lets in requests carrying the API key its configuration holds"
    idempotent = ["authenticator/authenticate"]

    def __init__(self) -> None:
        super().__init__()
        self.key = os.environ.get("API_KEY", "")

    def authenticate(self, context: RequestContext, credentials: Credentials) -> Result[AuthDecision, str]:
        if not self.key:
            # `err`: the plugin cannot decide (it is not configured).
            return Err("set the environment variable API_KEY to the API key to let in")
        if not isinstance(credentials, CredentialsApiKey):
            return Ok(AuthDecisionDeny(Denial(status=401, reason="missing API key")))
        if not hmac.compare_digest(credentials.value.encode(), self.key.encode()):
            return Ok(AuthDecisionDeny(Denial(status=401, reason="invalid API key")))
        return Ok(AuthDecisionAllow(Principal(id="api-key", roles=["user"], claims=[])))


if __name__ == "__main__":
    ApiKey().run()
