// Test plugin of auth@0.2 in Go: API keys from the operator's configuration,
// each mapped to an identity, with the SDK's auth02 package.
//
// Configuration (read with config.All when the plugin is first asked):
//
//	| key          | example                   | meaning                                          |
//	|--------------|---------------------------|--------------------------------------------------|
//	| key.<id>     | key.ada = k-ada-7f3e      | the API key of the identity <id>, at least one   |
//	| roles.<id>   | admin, reader             | its roles                                        |
//	| groups.<id>  | staff                     | its groups                                       |
//	| email.<id>   | ada@example.com           | its email address                                |
//	| name.<id>    | Ada Lovelace              | its display name                                 |
//	| plan.<id>    | pro                       | its `plan` attribute                             |
//	| scopes.<id>  | orders:read orders:write  | the `scopes` claim (a JSON list), space-separated |
//
// The key comes in an `x-api-key` header or as a bearer token; any other
// request (basic credentials, none) is not this plugin's: it abstains. A key
// no identity has is refused with 401. An allowed identity's username is its
// id, and its claims are `scheme` (`"api-key"` or `"bearer"`), `scopes` and
// `admin` (whether it has the role `admin`). With no `key.<id>` configured,
// or an entry naming an identity without a key, the plugin cannot decide:
// Authenticate returns an error (the WIT `err`), not a denial.
package main

import (
	"crypto/subtle"
	"fmt"
	"sort"
	"strings"

	"github.com/polyplug/polyplug/sdk/go/auth02"
	"github.com/polyplug/polyplug/sdk/go/config"
	"github.com/polyplug/polyplug/sdk/go/log"
)

// The prefixes of the configuration keys, each followed by an identity's id.
var prefixes = []string{"key.", "roles.", "groups.", "email.", "name.", "plan.", "scopes."}

// account is one configured API key and who presents it.
type account struct {
	key      string
	identity auth02.Identity
	scopes   []string
}

// apiKeys is the plugin. Its accounts are read from the `config` host
// interface on the first Authenticate of an instance (the configuration
// does not change while an instance lives), so that a configuration missing
// its keys is reported by every call, as an error, rather than refusing the
// plugin at load.
type apiKeys struct {
	loaded   bool
	accounts []account
	err      error
}

func init() { auth02.Export(&apiKeys{}) }

// A plugin's main never runs; Go needs one for a program.
func main() {}

func (*apiKeys) Describe() auth02.PluginInfo {
	return auth02.PluginInfo{
		Name:        "auth02-go",
		Version:     "0.1.0",
		Description: "API keys from configuration mapped to identities, in Go (auth@0.2)",
	}
}

// Init refuses keys the plugin does not know; whether the keys are complete
// is Authenticate's to say.
func (*apiKeys) Init(entries auth02.Config) error {
	for _, entry := range entries {
		if _, _, ok := split(entry.Key); !ok {
			return fmt.Errorf("unknown config key `%s`; known keys: %s followed by an identity's id", entry.Key, strings.Join(prefixes, "<id>, ")+"<id>")
		}
	}
	return nil
}

func (*apiKeys) SupportedSchemes() []string {
	return []string{auth02.SchemeAPIKey, auth02.SchemeBearer}
}

func (p *apiKeys) Authenticate(req auth02.Request) (auth02.Result, error) {
	scheme := auth02.Scheme(req)
	var key string
	switch scheme {
	case auth02.SchemeAPIKey:
		key, _ = auth02.APIKey(req)
	case auth02.SchemeBearer:
		key, _ = auth02.BearerToken(req)
	default:
		return auth02.Abstain(), nil
	}
	accounts, err := p.load()
	if err != nil {
		return auth02.Result{}, err
	}
	found := -1
	for i, a := range accounts {
		// Every key is compared, each in constant time: how long a refusal takes says nothing about the keys but their lengths.
		if subtle.ConstantTimeCompare([]byte(a.key), []byte(key)) == 1 {
			found = i
		}
	}
	if found < 0 {
		log.Warnf("%s %s refused: unknown API key (%s)", req.Method, req.Path, scheme)
		return auth02.Deny(401, "unknown API key"), nil
	}
	a := accounts[found]
	admin := false
	for _, role := range a.identity.Roles {
		admin = admin || role == "admin"
	}
	return auth02.Allow(a.identity, auth02.Claims{"scheme": scheme, "scopes": a.scopes, "admin": admin})
}

// load reads the accounts from the configuration, once per instance.
func (p *apiKeys) load() ([]account, error) {
	if !p.loaded {
		p.accounts, p.err = accounts(config.All())
		p.loaded = true
	}
	return p.accounts, p.err
}

// accounts are the identities entries configure, sorted by id.
func accounts(entries config.Entries) ([]account, error) {
	byID := map[string]*account{}
	get := func(id string) *account {
		if byID[id] == nil {
			// Empty lists, not nil: the identity says "none" the same way whichever fields are configured.
			byID[id] = &account{identity: auth02.Identity{Id: id, Username: auth02.Some(id), Roles: []string{}, Groups: []string{}}, scopes: []string{}}
		}
		return byID[id]
	}
	for _, entry := range entries {
		prefix, id, ok := split(entry.Key)
		if !ok {
			return nil, fmt.Errorf("unknown config key `%s`", entry.Key)
		}
		a := get(id)
		switch prefix {
		case "key.":
			a.key = strings.TrimSpace(entry.Value)
		case "roles.":
			a.identity.Roles = list(entry.Value, ",")
		case "groups.":
			a.identity.Groups = list(entry.Value, ",")
		case "email.":
			a.identity.Email = auth02.Some(entry.Value)
		case "name.":
			a.identity.DisplayName = auth02.Some(entry.Value)
		case "plan.":
			a.identity.Attributes = append(a.identity.Attributes, auth02.NewPair("plan", entry.Value))
		case "scopes.":
			a.scopes = strings.Fields(entry.Value)
		}
	}
	if len(byID) == 0 {
		return nil, fmt.Errorf("no API keys configured: set `key.<id> = <API key>` for each identity")
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]account, 0, len(ids))
	owners := map[string]string{}
	for _, id := range ids {
		a := byID[id]
		if a.key == "" {
			return nil, fmt.Errorf("identity `%s` is configured without an API key: set `key.%s`", id, id)
		}
		if owner, taken := owners[a.key]; taken {
			return nil, fmt.Errorf("`key.%s` and `key.%s` are the same key: give each identity its own", owner, id)
		}
		owners[a.key] = id
		out = append(out, *a)
	}
	return out, nil
}

// split is a configuration key's prefix and identity id (`roles.ada` →
// `roles.`, `ada`), if it has a known prefix and an id.
func split(key string) (prefix, id string, ok bool) {
	for _, prefix := range prefixes {
		if id, found := strings.CutPrefix(key, prefix); found && id != "" {
			return prefix, id, true
		}
	}
	return "", "", false
}

// list is text's items between sep, trimmed, without empty ones.
func list(text, sep string) []string {
	items := []string{}
	for _, item := range strings.Split(text, sep) {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}
