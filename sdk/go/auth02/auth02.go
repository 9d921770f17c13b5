// Package auth02 is the auth@0.2 world (polyplug:plugin/auth@0.2.0):
// decide whether an API request may pass, seeing the whole request. The
// plugin reads the credentials itself (BasicAuth, BearerToken, APIKey),
// says which schemes it handles, and allows (an Identity and its Claims),
// denies (a status and a reason) or abstains (not its to decide: the server
// asks the next plugin of its chain). Package auth is the first version,
// auth@0.1; a host serves both. Implement Plugin on a type and pass a value
// to Export from an init function:
//
//	type keys struct{}
//
//	func (keys) Describe() auth02.PluginInfo {
//		return auth02.PluginInfo{Name: "api-keys", Version: "0.1.0", Description: "One API key"}
//	}
//
//	func (keys) Init(config auth02.Config) error { return nil }
//
//	func (keys) SupportedSchemes() []string { return []string{auth02.SchemeAPIKey} }
//
//	func (keys) Authenticate(req auth02.Request) (auth02.Result, error) {
//		key, ok := auth02.APIKey(req)
//		if !ok {
//			return auth02.Abstain(), nil
//		}
//		if key != "k-123" {
//			return auth02.Deny(401, "unknown API key"), nil
//		}
//		identity := auth02.Identity{Id: "ada", Username: auth02.Some("ada"), Roles: []string{"admin"}}
//		return auth02.Allow(identity, auth02.Claims{"scheme": "api-key", "scopes": []string{"orders:read"}})
//	}
//
//	func init() { auth02.Export(keys{}) }
//
//	func main() {}
package auth02

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/polyplug/polyplug/sdk/go/config"
	authn "github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_authenticator_0_2"
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_types"
	_ "github.com/polyplug/polyplug/sdk/go/internal/bindings/world_auth_0_2"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_authenticator_0_2"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	"github.com/polyplug/polyplug/sdk/go/internal/httpmessage"
	"github.com/polyplug/polyplug/sdk/go/internal/jsontext"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// PluginInfo is what a plugin says about itself (polyplug inspect shows it).
type PluginInfo = polyplug_plugin_types.PluginInfo

// Config is the operator's configuration of the plugin, sorted by key.
type Config = config.Entries

// Request is the request to decide about, as the server received it:
// Method (upper case), Uri (path and query as sent), Path, PathParams (the
// route's parameters), Query (decoded, in order), Headers (names lower case,
// in order), Body, ClientIp and Caller (when the server already knows who
// calls; normally none). Read
// them with Header, QueryParam, PathParam, Body, ClientIP, and the
// credentials with Scheme, BasicAuth, BearerToken and APIKey. It is the
// response world's HttpRequest.
type Request = polyplug_plugin_types.HttpRequest

// Identity is who a request comes from: a stable Id; Username, Email and
// DisplayName when known (Some, or leave them out for none); Roles, Groups
// and other Attributes (NewPair). It is the identity response plugins see
// in their request's caller.
type Identity = polyplug_plugin_types.Identity

// Caller is who calls, when the server already knows: an Identity and the
// Claims its credentials carried (each value JSON text).
type Caller = polyplug_plugin_types.Caller

// Option is a WIT option<T> (Identity's Username, Email and DisplayName):
// Some makes one with a value, the zero value has none.
type Option[T any] = witTypes.Option[T]

// Some returns the option holding value.
func Some[T any](value T) Option[T] { return witTypes.Some(value) }

// None returns the option holding nothing (the zero value).
func None[T any]() Option[T] { return witTypes.None[T]() }

// Pair is a name and a value: a header, a query or path parameter, an
// attribute of an Identity, or a claim as Allowed holds it (the value JSON
// text).
type Pair = witTypes.Tuple2[string, string]

// NewPair returns the pair name, value (e.g. an attribute for
// Identity.Attributes).
func NewPair(name, value string) Pair {
	return httpmessage.NewPair(name, value)
}

// Result is the decision about one request: ResultAllow (see Allow),
// ResultDeny (see Deny) or ResultAbstain (see Abstain), as its Tag says,
// with the accessors Allow and Deny for the first two.
type Result = authn.AuthResult

// The kinds of decision, as Result.Tag returns them.
const (
	ResultAllow   = authn.AuthResultAllow
	ResultDeny    = authn.AuthResultDeny
	ResultAbstain = authn.AuthResultAbstain
)

// Allowed is what an allowing Result holds: the Identity, and the Claims as
// pairs of name and JSON text, sorted by name.
type Allowed = authn.Allowed

// Refused is what a denying Result holds: an HTTP Status and a Reason safe
// to show to the caller.
type Refused = authn.Refused

// Claims are the claims an allowed request's credentials carried (e.g. a
// token's exp, scope or aud), by name. Each value is any Go value
// encoding/json encodes (a string, number, bool, slice, map, struct, or a
// json.RawMessage holding JSON text as it is); response plugins read them
// back as JSON.
type Claims map[string]any

// Allow lets the request through as identity, with claims (nil for none),
// which it encodes as JSON and sorts by name. Its error names a claim whose
// value encoding/json cannot encode; returned from Authenticate, it is a
// failure the host sees, not a decision.
func Allow(identity Identity, claims Claims) (Result, error) {
	names := make([]string, 0, len(claims))
	for name := range claims {
		names = append(names, name)
	}
	sort.Strings(names)
	pairs := make([]Pair, 0, len(names))
	for _, name := range names {
		text, err := jsontext.Marshal(claims[name], fmt.Sprintf("claim `%s` of %s is not a JSON value", name, identity.Id))
		if err != nil {
			return Result{}, err
		}
		pairs = append(pairs, NewPair(name, text))
	}
	return authn.MakeAuthResultAllow(Allowed{Identity: identity, Claims: pairs}), nil
}

// Deny refuses the request with an HTTP status (normally 401 or 403) and a
// reason safe to show to the caller.
func Deny(status uint16, reason string) Result {
	return authn.MakeAuthResultDeny(Refused{Status: status, Reason: reason})
}

// Abstain says the request is not this plugin's to decide (e.g. it presents
// credentials of a scheme the plugin does not handle): the server asks the
// next plugin of its chain.
func Abstain() Result {
	return authn.MakeAuthResultAbstain()
}

// The credential schemes as the server names them (Scheme returns them;
// SupportedSchemes lists some of them).
const (
	// SchemeBasic is HTTP basic authentication: `authorization: Basic
	// base64(user:password)` (see BasicAuth).
	SchemeBasic = "basic"
	// SchemeBearer is a bearer token: `authorization: Bearer <token>` (see
	// BearerToken).
	SchemeBearer = "bearer"
	// SchemeAPIKey is an API key in the `x-api-key` header (see APIKey).
	SchemeAPIKey = "api-key"
	// SchemeNone is a request presenting none of them.
	SchemeNone = "none"
)

// Scheme returns the credential scheme req presents, as the server reads it
// to choose which plugins to ask: SchemeBearer or SchemeBasic for an
// `authorization` header of that scheme (basic only when its credentials
// decode to `user:password`), else SchemeAPIKey for an `x-api-key` header,
// else SchemeNone.
func Scheme(req Request) string {
	scheme, _, _ := credentials(req)
	return scheme
}

// BasicAuth returns the user name and password of req's HTTP basic
// credentials, and whether it presents them (Scheme is SchemeBasic).
func BasicAuth(req Request) (username, password string, ok bool) {
	scheme, username, password := credentials(req)
	if scheme != SchemeBasic {
		return "", "", false
	}
	return username, password, true
}

// BearerToken returns req's bearer token, and whether it presents one
// (Scheme is SchemeBearer).
func BearerToken(req Request) (string, bool) {
	scheme, token, _ := credentials(req)
	return token, scheme == SchemeBearer
}

// APIKey returns the API key of req's `x-api-key` header (trimmed), and
// whether it presents one (Scheme is SchemeAPIKey).
func APIKey(req Request) (string, bool) {
	scheme, key, _ := credentials(req)
	return key, scheme == SchemeAPIKey
}

// credentials reads req's credentials exactly as the host does for auth@0.1
// plugins and the server does to pick a plugin (polyplug::credentials_of),
// so a plugin and the server never disagree about the scheme: its scheme,
// and the token, key, or user name and password.
func credentials(req Request) (scheme, first, second string) {
	if authorization, ok := httpmessage.Header(req, "authorization"); ok {
		authorization = strings.TrimSpace(authorization)
		name, value, _ := strings.Cut(authorization, " ")
		if strings.EqualFold(name, "bearer") {
			return SchemeBearer, strings.TrimSpace(value), ""
		}
		if strings.EqualFold(name, "basic") {
			decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
			if username, password, found := strings.Cut(string(decoded), ":"); err == nil && utf8.Valid(decoded) && found {
				return SchemeBasic, username, password
			}
		}
	}
	if key, ok := httpmessage.Header(req, "x-api-key"); ok {
		return SchemeAPIKey, strings.TrimSpace(key), ""
	}
	return SchemeNone, "", ""
}

// Header returns the value of the request's first header called name (in
// any case), and whether there is one.
func Header(req Request, name string) (string, bool) {
	return httpmessage.Header(req, name)
}

// HeaderValues returns the values of every request header called name (in
// any case), in order.
func HeaderValues(req Request, name string) []string {
	return httpmessage.HeaderValues(req, name)
}

// QueryParam returns the value of the first query parameter called name,
// decoded, and whether there is one.
func QueryParam(req Request, name string) (string, bool) {
	return httpmessage.QueryParam(req, name)
}

// QueryParams returns the values of every query parameter called name, in
// order (`?tag=a&tag=b` gives a and b).
func QueryParams(req Request, name string) []string {
	return httpmessage.QueryParams(req, name)
}

// PathParam returns the value of the route parameter name (`7` for `id` when
// the route `/users/{id}` matched `/users/7`), and whether there is one.
func PathParam(req Request, name string) (string, bool) {
	return httpmessage.PathParam(req, name)
}

// Body returns the request's body, and whether it has one.
func Body(req Request) ([]byte, bool) {
	return httpmessage.Body(req)
}

// DecodeBody decodes the request's JSON body into v (see json.Unmarshal).
func DecodeBody(req Request, v any) error {
	return httpmessage.DecodeBody(req, v)
}

// ClientIP returns the client's address, and whether the server knows it.
func ClientIP(req Request) (string, bool) {
	return httpmessage.ClientIP(req)
}

// CallerOf returns the request's caller when the server already knows who
// calls (normally it does not: deciding that is the plugin's job), and
// whether it does.
func CallerOf(req Request) (Caller, bool) {
	return httpmessage.CallerOf(req)
}

// Plugin is what an auth@0.2 plugin implements.
type Plugin interface {
	// Describe says what the plugin is. The host may call it before Init,
	// so the answer must not depend on configuration.
	Describe() PluginInfo
	// Init prepares the plugin with the operator's configuration, once per
	// instance, before any other call but Describe. An error refuses the
	// configuration: say which key is wrong and what would be right.
	Init(config Config) error
	// SupportedSchemes names the credential schemes the plugin handles
	// (SchemeBasic, SchemeBearer, SchemeAPIKey, SchemeNone, or a scheme of
	// its own): the server asks it only about requests presenting one.
	SupportedSchemes() []string
	// Authenticate decides about req: Allow, Deny or Abstain. An error
	// means the plugin could not decide (e.g. it is misconfigured): the
	// server treats it as a failure, not as a denial, and the host sees the
	// error's message.
	Authenticate(req Request) (Result, error)
}

// Export makes p the plugin. Call it once, from an init function (a plugin's
// main never runs).
func Export(p Plugin) {
	export_polyplug_plugin_plugin.Register("auth02", p)
	export_polyplug_plugin_authenticator_0_2.Register(p)
}
