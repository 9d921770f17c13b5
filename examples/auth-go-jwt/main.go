// Example auth plugin: verifies HS256 JSON Web Tokens (RFC 7519) presented
// as bearer tokens, with Go's standard library only.
//
// Configuration (read with config.Get):
//
//	| key              | example                   | meaning                                   |
//	|------------------|---------------------------|-------------------------------------------|
//	| jwt-secret       | s3cr3t-shared-with-issuer | the HS256 key (its UTF-8 bytes), required |
//	| jwt-issuer       | https://issuer.example    | the `iss` every token must carry, required |
//	| jwt-audience     | orders-api                | the audience (`aud`) tokens must name, required |
//
// A token passes when its signature is right, it has expired not yet (`exp`,
// required), it is valid already (`nbf`, when present), its issuer and
// audience are the configured ones, and it names a subject (`sub`). The
// principal is the subject, with the token's `roles` (a list of strings,
// when present) and, as claims, `auth-method` = `jwt` followed by every
// other claim whose value is a string, sorted by name. Every refusal is a
// 401 whose reason says which check failed.
package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/polyplug/polyplug/sdk/go/auth"
	"github.com/polyplug/polyplug/sdk/go/config"
	"github.com/polyplug/polyplug/sdk/go/log"
)

// The configuration keys.
const (
	keySecret   = "jwt-secret"
	keyIssuer   = "jwt-issuer"
	keyAudience = "jwt-audience"
)

type jwtAuth struct{}

func init() { auth.Export(&jwtAuth{}) }

// A plugin's main never runs; Go needs one for a program.
func main() {}

// settings is the configuration, read once by Init.
var settings struct {
	secret   []byte
	issuer   string
	audience string
}

func (*jwtAuth) Describe() auth.PluginInfo {
	return auth.PluginInfo{
		Name:        "auth-go-jwt",
		Version:     "0.1.0",
		Description: "HS256 JWT bearer-token authentication, in Go",
	}
}

func (*jwtAuth) Init(entries auth.Config) error {
	for _, entry := range entries {
		switch entry.Key {
		case keySecret, keyIssuer, keyAudience:
		default:
			return fmt.Errorf("unknown config key `%s`; known keys: %s, %s, %s", entry.Key, keySecret, keyIssuer, keyAudience)
		}
	}
	required := func(key, what string) (string, error) {
		value, ok := config.Get(key)
		if !ok || strings.TrimSpace(value) == "" {
			return "", fmt.Errorf("config key `%s` is missing; set it to %s", key, what)
		}
		return value, nil
	}
	secret, err := required(keySecret, "the HS256 secret shared with the token issuer")
	if err != nil {
		return err
	}
	issuer, err := required(keyIssuer, "the issuer (`iss`) tokens must carry")
	if err != nil {
		return err
	}
	audience, err := required(keyAudience, "the audience (`aud`) tokens must name")
	if err != nil {
		return err
	}
	settings.secret, settings.issuer, settings.audience = []byte(secret), issuer, audience
	log.Debugf("JWT authentication for issuer %q, audience %q", issuer, audience)
	return nil
}

// denial is a refused token: the reason is safe to show to the caller.
type denial struct{ reason string }

func (d *denial) Error() string { return d.reason }

func deny(format string, args ...any) error { return &denial{fmt.Sprintf(format, args...)} }

// saneClock is a time no working wall clock reads before: a plugin without
// the `clocks` grant sees the clock frozen at 1970.
var saneClock = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func (*jwtAuth) Authenticate(ctx auth.RequestContext, creds auth.Credentials) (auth.AuthDecision, error) {
	token, err := bearerToken(ctx, creds)
	if err == nil {
		now := time.Now()
		if now.Before(saneClock) {
			// Not a denial: the plugin cannot decide, and says why.
			return auth.AuthDecision{}, fmt.Errorf("cannot check token times: the wall clock reads %s; grant the plugin `clocks = true`", now.UTC().Format(time.RFC3339))
		}
		var principal auth.Principal
		principal, err = verify(token, now)
		if err == nil {
			log.Infof("%s %s allowed for %s", ctx.Method, ctx.Path, principal.Id)
			return auth.Allow(principal), nil
		}
	}
	var refused *denial
	if !errors.As(err, &refused) {
		return auth.AuthDecision{}, err
	}
	log.Warnf("%s %s denied: %s", ctx.Method, ctx.Path, refused.reason)
	return auth.Deny(401, refused.reason), nil
}

// bearerToken is the token the request presents: bearer credentials, else
// an `authorization: Bearer ...` header.
func bearerToken(ctx auth.RequestContext, creds auth.Credentials) (string, error) {
	switch creds.Tag() {
	case auth.CredentialsBearer:
		return creds.Bearer(), nil
	case auth.CredentialsNone:
		if header, ok := auth.Header(ctx, "authorization"); ok {
			scheme, token, found := strings.Cut(header, " ")
			if found && strings.EqualFold(scheme, "bearer") && strings.TrimSpace(token) != "" {
				return strings.TrimSpace(token), nil
			}
		}
		return "", deny("a bearer token is required (authorization: Bearer <JWT>)")
	default:
		return "", deny("only bearer tokens (JWT) are accepted here")
	}
}

// verify checks token as the package documentation says, at time now.
func verify(token string, now time.Time) (auth.Principal, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return auth.Principal{}, deny("malformed token: a JWT has three dot-separated parts, this one has %d", len(parts))
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := decodePart(parts[0], &header); err != nil {
		return auth.Principal{}, deny("malformed token header: %v", err)
	}
	if header.Alg != "HS256" {
		return auth.Principal{}, deny("unsupported token algorithm `%s`: only HS256 is accepted", header.Alg)
	}
	signature, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return auth.Principal{}, deny("malformed token signature: not base64url")
	}
	mac := hmac.New(sha256.New, settings.secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(signature, mac.Sum(nil)) {
		return auth.Principal{}, deny("invalid token signature")
	}

	var claims map[string]json.RawMessage
	if err := decodePart(parts[1], &claims); err != nil {
		return auth.Principal{}, deny("malformed token claims: %v", err)
	}
	exp, ok, err := numericDate(claims, "exp")
	switch {
	case err != nil:
		return auth.Principal{}, err
	case !ok:
		return auth.Principal{}, deny("token has no expiry (exp)")
	case !now.Before(exp):
		return auth.Principal{}, deny("token expired at %s", exp.UTC().Format(time.RFC3339))
	}
	nbf, ok, err := numericDate(claims, "nbf")
	switch {
	case err != nil:
		return auth.Principal{}, err
	case ok && now.Before(nbf):
		return auth.Principal{}, deny("token not valid before %s", nbf.UTC().Format(time.RFC3339))
	}
	var issuer string
	if json.Unmarshal(claims["iss"], &issuer) != nil || issuer != settings.issuer {
		return auth.Principal{}, deny("token issuer (iss) is not the accepted one")
	}
	if !hasAudience(claims["aud"], settings.audience) {
		return auth.Principal{}, deny("token audience (aud) does not include this API")
	}
	var subject string
	if json.Unmarshal(claims["sub"], &subject) != nil || subject == "" {
		return auth.Principal{}, deny("token has no subject (sub)")
	}
	var roles []string
	if raw, present := claims["roles"]; present {
		if err := json.Unmarshal(raw, &roles); err != nil {
			return auth.Principal{}, deny("token claim `roles` is not a list of strings")
		}
	}
	return auth.Principal{Id: subject, Roles: roles, Claims: stringClaims(claims)}, nil
}

// decodePart decodes one base64url JSON part of a token into into.
func decodePart(part string, into any) error {
	text, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return errors.New("not base64url")
	}
	decoder := json.NewDecoder(bytes.NewReader(text))
	if err := decoder.Decode(into); err != nil || decoder.More() {
		return errors.New("not a JSON object")
	}
	return nil
}

// numericDate is the time claim name holds (seconds since the epoch), and
// whether it is present.
func numericDate(claims map[string]json.RawMessage, name string) (time.Time, bool, error) {
	raw, present := claims[name]
	if !present {
		return time.Time{}, false, nil
	}
	var seconds float64
	if err := json.Unmarshal(raw, &seconds); err != nil || string(raw) == "null" || math.Abs(seconds) > 1e15 {
		return time.Time{}, false, deny("token claim `%s` is not a time (seconds since 1970)", name)
	}
	whole, fraction := math.Modf(seconds)
	return time.Unix(int64(whole), int64(fraction*1e9)), true, nil
}

// hasAudience reports whether aud (a string or a list of strings) names audience.
func hasAudience(aud json.RawMessage, audience string) bool {
	var one string
	if json.Unmarshal(aud, &one) == nil {
		return one == audience
	}
	var many []string
	if json.Unmarshal(aud, &many) != nil {
		return false
	}
	for _, a := range many {
		if a == audience {
			return true
		}
	}
	return false
}

// stringClaims is `auth-method` = `jwt`, then every string-valued claim but
// `sub`, sorted by name.
func stringClaims(claims map[string]json.RawMessage) []auth.Pair {
	names := make([]string, 0, len(claims))
	for name := range claims {
		names = append(names, name)
	}
	sort.Strings(names)
	pairs := []auth.Pair{auth.NewPair("auth-method", "jwt")}
	for _, name := range names {
		var value string
		if name != "sub" && json.Unmarshal(claims[name], &value) == nil {
			pairs = append(pairs, auth.NewPair(name, value))
		}
	}
	return pairs
}
