"""auth-python-oauth: a remote `auth` plugin that validates OAuth2 bearer
tokens by token introspection (RFC 7662).

For each request the host authenticates, the plugin posts the bearer token to
the authorization server's introspection endpoint, authenticated as an OAuth2
client (HTTP basic, RFC 6749 section 2.3.1), and decides from its answer:

- `active: false` (or an `exp` in the past): deny, 401;
- `active: true`: allow, as the principal `sub` (else `username`, else
  `client_id`), with the token's `scope` as roles and the other standard
  claims (`client_id`, `username`, `iss`, `aud`, `token_type`, `exp`) as claims;
- no bearer token: deny, 401.

When the plugin cannot decide, the call fails instead:

- the introspection endpoint cannot be reached, answers 5xx or does not
  answer within the call's deadline: `UNAVAILABLE` (HTTP 503), a transient
  failure the host may retry (the function is declared idempotent) and
  counts towards the endpoint's circuit breaker;
- the endpoint refuses the plugin's client credentials, or answers something
  that is not an introspection response: the WIT `err` (a misconfiguration,
  which retrying does not cure; the host treats it as a failure, not a denial).

Environment (each setting also as a key of `POLYPLUG_CONFIG`, the SDKs' JSON
object of strings, which wins over the variable when both are set):

- `OAUTH_INTROSPECTION_URL` / `introspection-url` (required): e.g. `https://auth.example.com/oauth2/introspect`
- `OAUTH_CLIENT_ID` / `client-id`, `OAUTH_CLIENT_SECRET` / `client-secret`: the plugin's own client credentials
- `OAUTH_TIMEOUT_SECONDS` / `timeout-seconds`: the longest an introspection request may take (default 2)
- `POLYPLUG_LISTEN` (default `127.0.0.1:8080`), `POLYPLUG_REMOTE_API_KEY` (the SDK's)
"""

import base64
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

from polyplug_remote import Err, Ok, PluginError, Result, config_from_env, time_left
from polyplug_remote.worlds.auth import (
    Auth,
    AuthDecision,
    AuthDecisionAllow,
    AuthDecisionDeny,
    Credentials,
    CredentialsBearer,
    Denial,
    Principal,
    RequestContext,
)

#: The claims passed on to the host as the principal's claims, when present.
CLAIMS = ("client_id", "username", "iss", "aud", "token_type", "exp")

#: Each setting: its key in POLYPLUG_CONFIG, and its environment variable.
SETTINGS = {
    "introspection-url": "OAUTH_INTROSPECTION_URL",
    "client-id": "OAUTH_CLIENT_ID",
    "client-secret": "OAUTH_CLIENT_SECRET",
    "timeout-seconds": "OAUTH_TIMEOUT_SECONDS",
}


def settings() -> dict[str, str]:
    """The settings, by POLYPLUG_CONFIG key: from POLYPLUG_CONFIG, else from
    the OAUTH_* variable. Another key in POLYPLUG_CONFIG is a mistake."""
    config = config_from_env()
    unknown = sorted(set(config) - set(SETTINGS))
    if unknown:
        raise SystemExit(f"auth-python-oauth: POLYPLUG_CONFIG has no setting {', '.join(unknown)}; it has: {', '.join(SETTINGS)}")
    return {key: config[key] if key in config else os.environ.get(variable, "") for key, variable in SETTINGS.items()}


def deny(reason: str) -> Result[AuthDecision, str]:
    return Ok(AuthDecisionDeny(Denial(status=401, reason=reason)))


class OAuthIntrospection(Auth):
    name = "auth-python-oauth"
    version = "0.1.0"
    description = "OAuth2 bearer tokens, validated by token introspection (RFC 7662)"
    # Introspecting a token twice does no harm: the host may retry a call.
    idempotent = ["authenticator/authenticate"]

    def __init__(self) -> None:
        super().__init__()
        try:
            config = settings()
        except ValueError as e:
            raise SystemExit(f"auth-python-oauth: {e}") from None
        url = config["introspection-url"]
        if not url.startswith(("http://", "https://")):
            raise SystemExit(
                "auth-python-oauth: set OAUTH_INTROSPECTION_URL (or `introspection-url` in POLYPLUG_CONFIG) "
                "to the introspection endpoint's http(s) URL"
            )
        self.url = url
        try:
            self.timeout = float(config["timeout-seconds"] or "2")
        except ValueError:
            raise SystemExit(f"auth-python-oauth: the timeout `{config['timeout-seconds']}` is not a number of seconds") from None
        client_id = config["client-id"]
        secret = config["client-secret"]
        self.headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "User-Agent": f"{self.name}/{self.version}",
        }
        if client_id:
            # RFC 6749 section 2.3.1: both parts form-urlencoded, then basic auth.
            pair = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(secret)}"
            self.headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")

    def authenticate(self, context: RequestContext, credentials: Credentials) -> Result[AuthDecision, str]:
        if not isinstance(credentials, CredentialsBearer) or not credentials.value:
            return deny("missing bearer token")
        answer = self.introspect(credentials.value)
        if isinstance(answer, Err):
            return answer
        if not isinstance(answer, dict) or not isinstance(answer.get("active"), bool):
            return Err("the introspection endpoint answered something that is not an RFC 7662 response (no boolean `active`)")
        if not answer["active"]:
            return deny("the token is not active")
        exp = answer.get("exp")
        if isinstance(exp, (int, float)) and not isinstance(exp, bool) and exp < time.time():
            return deny("the token has expired")
        subject = answer.get("sub") or answer.get("username") or answer.get("client_id")
        if not isinstance(subject, str) or not subject:
            return Err("the introspection endpoint answered an active token with no `sub`, `username` or `client_id`")
        scope = answer.get("scope")
        roles = scope.split() if isinstance(scope, str) else []
        claims = []
        for name in CLAIMS:
            value = answer.get(name)
            if isinstance(value, list):
                value = " ".join(str(v) for v in value)
            if value is not None and not isinstance(value, (dict, bool)):
                claims.append((name, str(value)))
        return Ok(AuthDecisionAllow(Principal(id=subject, roles=roles, claims=claims)))

    def introspect(self, token: str) -> object:
        """The introspection endpoint's JSON answer for `token`, or `Err` when
        it refuses the plugin's request; raises `PluginError("UNAVAILABLE")`
        when the endpoint is down."""
        # Never wait past the call's deadline (`polyplug-timeout`).
        left = time_left()
        timeout = self.timeout if left is None else min(self.timeout, left)
        if timeout <= 0:
            raise PluginError("DEADLINE_EXCEEDED", "no time left to ask the introspection endpoint")
        body = urllib.parse.urlencode({"token": token, "token_type_hint": "access_token"}).encode()
        request = urllib.request.Request(self.url, data=body, headers=self.headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read(1 << 20)
        except urllib.error.HTTPError as e:
            if e.code >= 500:
                raise PluginError("UNAVAILABLE", f"the introspection endpoint answered HTTP {e.code}") from None
            # 401/403: the client credentials are wrong; another 4xx: the URL is.
            return Err(
                f"the introspection endpoint refused the plugin's request (HTTP {e.code}): "
                "check OAUTH_INTROSPECTION_URL, OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET (or their POLYPLUG_CONFIG keys)"
            )
        except (urllib.error.URLError, TimeoutError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise PluginError("UNAVAILABLE", f"the introspection endpoint at {self.url} is unreachable: {reason}") from None
        try:
            return json.loads(text)
        except ValueError:
            return None


if __name__ == "__main__":
    OAuthIntrospection().run()
