// `{{name}}`: an auth@0.2 plugin that lets in requests carrying the API key
// of its configuration (`api-key`), in an `x-api-key` header or as a bearer
// token, and abstains from every other request.
package main

import (
	"errors"

	"github.com/polyplug/polyplug/sdk/go/auth02"
)

type apiKey struct{ key string }

var plugin = &apiKey{}

func (*apiKey) Describe() auth02.PluginInfo {
	return auth02.PluginInfo{
		Name:        "{{name}}",
		Version:     "0.1.0",
		Description: "Lets in requests carrying the API key its configuration holds, as an x-api-key header or a bearer token",
	}
}

// Init keeps the configured key. Without one the plugin still loads: it
// says so when asked to decide (an error, not a denial).
func (p *apiKey) Init(config auth02.Config) error {
	p.key, _ = config.Get("api-key")
	return nil
}

func (*apiKey) SupportedSchemes() []string {
	return []string{auth02.SchemeAPIKey, auth02.SchemeBearer}
}

func (p *apiKey) Authenticate(req auth02.Request) (auth02.Result, error) {
	key, ok := auth02.BearerToken(req)
	if !ok {
		key, ok = auth02.APIKey(req)
	}
	if !ok {
		// Basic credentials, or none: not this plugin's to decide, the server asks the next one.
		return auth02.Abstain(), nil
	}
	if p.key == "" {
		return auth02.Result{}, errors.New("no api-key configured")
	}
	if key != p.key {
		return auth02.Deny(401, "unknown API key"), nil
	}
	identity := auth02.Identity{Id: "demo-user", Roles: []string{"reader"}} // the fields left out are none or empty
	// Allow encodes each claim's value as JSON: the string `read` is `"read"`.
	return auth02.Allow(identity, auth02.Claims{"scope": "read"})
}

func init() { auth02.Export(plugin) }

// A plugin has no main program: the host calls its exports.
func main() {}
