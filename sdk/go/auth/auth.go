// Package auth is the auth world: decide whether an API request may pass.
// Implement Plugin on a type and pass a value to Export from an init
// function:
//
//	type allowAll struct{}
//
//	func (allowAll) Describe() auth.PluginInfo {
//		return auth.PluginInfo{Name: "allow-all", Version: "0.1.0", Description: "Lets everyone in"}
//	}
//
//	func (allowAll) Init(config auth.Config) error { return nil }
//
//	func (allowAll) Authenticate(ctx auth.RequestContext, creds auth.Credentials) (auth.AuthDecision, error) {
//		return auth.Allow(auth.Principal{Id: "anonymous"}), nil
//	}
//
//	func init() { auth.Export(allowAll{}) }
//
//	func main() {}
package auth

import (
	"github.com/polyplug/polyplug/sdk/go/config"
	authn "github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_authenticator"
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_types"
	_ "github.com/polyplug/polyplug/sdk/go/internal/bindings/world_auth"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_authenticator"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// PluginInfo is what a plugin says about itself (polyplug inspect shows it).
type PluginInfo = polyplug_plugin_types.PluginInfo

// Config is the operator's configuration of the plugin, sorted by key.
type Config = config.Entries

// RequestContext is the HTTP request being authenticated: Method (upper
// case), Path, Headers (names lower case) and ClientIp (when known).
type RequestContext = authn.RequestContext

// Pair is a name and a value: a request header (see Header), or a claim of
// a Principal.
type Pair = witTypes.Tuple2[string, string]

// NewPair returns the pair name, value.
func NewPair(name, value string) Pair {
	return Pair{F0: name, F1: value}
}

// Header returns the value of the request's first header called name (lower
// case), and whether there is one.
func Header(ctx RequestContext, name string) (string, bool) {
	for _, header := range ctx.Headers {
		if header.F0 == name {
			return header.F1, true
		}
	}
	return "", false
}

// ClientIP returns the client's address, and whether the host knows it.
func ClientIP(ctx RequestContext) (string, bool) {
	if ctx.ClientIp.IsNone() {
		return "", false
	}
	return ctx.ClientIp.Some(), true
}

// Credentials are what the request presented: one of CredentialsApiKey,
// CredentialsBearer, CredentialsBasic and CredentialsNone (see Tag), with
// the matching accessor (ApiKey, Bearer, Basic) for the value.
type Credentials = authn.Credentials

// The kinds of credentials, as Credentials.Tag returns them.
const (
	CredentialsApiKey = authn.CredentialsApiKey
	CredentialsBearer = authn.CredentialsBearer
	CredentialsBasic  = authn.CredentialsBasic
	CredentialsNone   = authn.CredentialsNone
)

// BasicCredentials are a user name and password from HTTP basic auth.
type BasicCredentials = authn.BasicCredentials

// APIKey returns credentials carrying an API key.
func APIKey(key string) Credentials { return authn.MakeCredentialsApiKey(key) }

// Bearer returns credentials carrying a bearer token.
func Bearer(token string) Credentials { return authn.MakeCredentialsBearer(token) }

// Basic returns HTTP basic credentials.
func Basic(username, password string) Credentials {
	return authn.MakeCredentialsBasic(BasicCredentials{Username: username, Password: password})
}

// NoCredentials returns the credentials of a request that presented none.
func NoCredentials() Credentials { return authn.MakeCredentialsNone() }

// Principal is who was authenticated: a stable Id, Roles, and extra Claims
// (e.g. tenant or plan).
type Principal = authn.Principal

// Denial is why a request was refused: an HTTP Status (normally 401 or 403)
// and a Reason safe to show to the caller.
type Denial = authn.Denial

// AuthDecision is the decision for one request: AuthDecisionAllow (see
// Allow) or AuthDecisionDeny (see Deny), as its Tag says.
type AuthDecision = authn.AuthDecision

// The kinds of decision, as AuthDecision.Tag returns them.
const (
	AuthDecisionAllow = authn.AuthDecisionAllow
	AuthDecisionDeny  = authn.AuthDecisionDeny
)

// Allow lets the request through as principal.
func Allow(principal Principal) AuthDecision { return authn.MakeAuthDecisionAllow(principal) }

// Deny refuses the request with an HTTP status (normally 401 or 403) and a
// reason safe to show to the caller.
func Deny(status uint16, reason string) AuthDecision {
	return authn.MakeAuthDecisionDeny(Denial{Status: status, Reason: reason})
}

// Plugin is what an auth plugin implements.
type Plugin interface {
	// Describe says what the plugin is. The host may call it before Init,
	// so the answer must not depend on configuration.
	Describe() PluginInfo
	// Init prepares the plugin with the operator's configuration, once per
	// instance, before any other call but Describe. An error refuses the
	// configuration: say which key is wrong and what would be right.
	Init(config Config) error
	// Authenticate decides whether the request in ctx, presenting creds,
	// may pass. An error means the plugin could not decide (e.g. it is
	// misconfigured): the host treats it as a failure, not as a denial.
	Authenticate(ctx RequestContext, creds Credentials) (AuthDecision, error)
}

// Export makes p the plugin. Call it once, from an init function (a plugin's
// main never runs).
func Export(p Plugin) {
	export_polyplug_plugin_plugin.Register("auth", p)
	export_polyplug_plugin_authenticator.Register(p)
}
