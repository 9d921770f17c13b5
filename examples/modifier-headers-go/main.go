// Example response-modifier plugin: adds the headers the operator configures
// to every response, and answers CORS for one origin, with Go's standard
// library only.
//
// Configuration (the entries Init receives):
//
//	| key         | example                                        | meaning                                              |
//	|-------------|------------------------------------------------|------------------------------------------------------|
//	| headers     | x-frame-options: DENY; cache-control: no-store | headers every response gets, `name: value; …`        |
//	| cors-origin | https://app.example                            | the origin allowed to read responses, or `*` for any |
//
// Each configured header replaces any header of that name the response has
// (names are written lower case). With cors-origin set, a request whose
// `origin` header is that origin (any, for `*`) gets
// `access-control-allow-origin` (the origin, or `*`) and `origin` added to
// the response's `vary` header (to a configured `vary`, if there is one);
// other requests get neither. `headers` cannot set
// `access-control-allow-origin` when `cors-origin` is set. ShouldModify says
// no when the response already has everything the plugin would add (e.g.
// nothing is configured, or no CORS applies and no headers are), and Modify
// then returns the response as it was.
package main

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/polyplug/polyplug/sdk/go/log"
	rm "github.com/polyplug/polyplug/sdk/go/responsemodifier"
)

// The configuration keys.
const (
	keyHeaders    = "headers"
	keyCorsOrigin = "cors-origin"
)

// The headers CORS sets.
const (
	allowOrigin = "access-control-allow-origin"
	vary        = "vary"
)

// header is one configured header.
type header struct{ name, value string }

// modifier is the plugin: its configuration, set by Init.
type modifier struct {
	headers []header
	// corsOrigin is the allowed origin (scheme://host[:port]), `*` for any,
	// or empty when CORS is off.
	corsOrigin string
}

func init() { rm.Export(&modifier{}) }

// A plugin's main never runs; Go needs one for a program.
func main() {}

func (*modifier) Describe() rm.PluginInfo {
	return rm.PluginInfo{
		Name:        "modifier-headers-go",
		Version:     "0.1.0",
		Description: "Adds configured headers, and CORS for one origin, to every response, in Go",
	}
}

func (m *modifier) Init(config rm.Config) error {
	m.headers, m.corsOrigin = nil, ""
	for _, entry := range config {
		var err error
		switch entry.Key {
		case keyHeaders:
			m.headers, err = parseHeaders(entry.Value)
		case keyCorsOrigin:
			m.corsOrigin, err = parseOrigin(entry.Value)
		default:
			err = fmt.Errorf("unknown config key `%s`; known keys: %s, %s", entry.Key, keyHeaders, keyCorsOrigin)
		}
		if err != nil {
			return err
		}
	}
	if _, both := m.configured(allowOrigin); both && m.corsOrigin != "" {
		return fmt.Errorf("config key `%s` sets `%s`, which `%s` sets for the origin it allows: remove it from `%s`", keyHeaders, allowOrigin, keyCorsOrigin, keyHeaders)
	}
	names := make([]string, len(m.headers))
	for i, h := range m.headers {
		names[i] = h.name
	}
	cors := "off"
	if m.corsOrigin != "" {
		cors = "for " + m.corsOrigin
	}
	log.Infof("adding %d header(s) [%s] to every response; CORS %s", len(m.headers), strings.Join(names, ", "), cors)
	return nil
}

// parseHeaders reads `name: value; name: value` (an empty entry between two
// `;` is allowed).
func parseHeaders(text string) ([]header, error) {
	var headers []header
	seen := map[string]bool{}
	for _, part := range strings.Split(text, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		colon := strings.IndexByte(part, ':')
		if colon < 0 {
			return nil, fmt.Errorf("config key `%s`: `%s` is not `name: value`; write the headers as `name: value; name: value`", keyHeaders, part)
		}
		name := strings.ToLower(strings.TrimSpace(part[:colon]))
		value := strings.TrimSpace(part[colon+1:])
		if !isToken(name) {
			return nil, fmt.Errorf("config key `%s`: `%s` is not a header name (letters, digits and !#$%%&'*+-.^_`|~)", keyHeaders, part[:colon])
		}
		for _, c := range value {
			if c < ' ' && c != '\t' || c == 0x7f {
				return nil, fmt.Errorf("config key `%s`: the value of `%s` has a control character", keyHeaders, name)
			}
		}
		if seen[name] {
			return nil, fmt.Errorf("config key `%s`: `%s` is there twice; give each header once", keyHeaders, name)
		}
		seen[name] = true
		headers = append(headers, header{name, value})
	}
	return headers, nil
}

// isToken says whether s is an HTTP token (RFC 9110 section 5.6.2), as a
// header name must be.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", c):
		default:
			return false
		}
	}
	return true
}

// parseOrigin reads `*` or an origin, `scheme://host[:port]`, and returns it
// as browsers send it: scheme and host lower case, without a default port.
func parseOrigin(text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "*" {
		return text, nil
	}
	wrong := func(why string) error {
		return fmt.Errorf("config key `%s`: `%s` %s; write an origin, e.g. `https://app.example` or `http://localhost:3000`, or `*` for any", keyCorsOrigin, text, why)
	}
	u, err := url.Parse(text)
	if err != nil {
		return "", wrong("is not an origin")
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return "", wrong("is not an http or https origin")
	case u.Host == "" || u.Hostname() == "":
		return "", wrong("has no host")
	case u.User != nil:
		return "", wrong("has a user name, which an origin never has")
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", wrong("has a path, query or fragment, which an origin never has")
	}
	host := strings.ToLower(u.Host)
	if port := u.Port(); scheme == "https" && port == "443" || scheme == "http" && port == "80" {
		host = strings.TrimSuffix(host, ":"+port)
	}
	return scheme + "://" + host, nil
}

// changes are what the plugin would change in a response: the headers to
// set, and whether `origin` joins its `vary` header.
type changes struct {
	set        []header
	varyOrigin bool
}

func (c changes) none() bool { return len(c.set) == 0 && !c.varyOrigin }

// plan is what resp, the answer to req, lacks. Modify applies it; a
// response it was applied to lacks nothing more.
func (m *modifier) plan(req rm.HttpRequest, resp rm.HttpResponse) changes {
	var c changes
	want := func(name, value string) {
		if values := rm.ResponseHeaderValues(resp, name); len(values) != 1 || values[0] != value {
			c.set = append(c.set, header{name, value})
		}
	}
	for _, h := range m.headers {
		if h.name != vary {
			want(h.name, h.value)
		}
	}
	allowed, cors := m.allowedOrigin(req)
	if cors {
		want(allowOrigin, allowed)
	}
	// A configured `vary` is the whole header, with `origin` when CORS applies;
	// otherwise CORS adds `origin` to what the response has.
	if configured, ok := m.configured(vary); ok {
		if cors && !names([]string{configured}, "origin") {
			configured = strings.Join(nonEmpty(configured, "origin"), ", ")
		}
		want(vary, configured)
	} else if cors {
		c.varyOrigin = !names(rm.ResponseHeaderValues(resp, vary), "origin")
	}
	return c
}

// configured is the configured value of the header name, and whether there is one.
func (m *modifier) configured(name string) (string, bool) {
	for _, h := range m.headers {
		if h.name == name {
			return h.value, true
		}
	}
	return "", false
}

// allowedOrigin is the `access-control-allow-origin` value for req, and
// whether its origin is allowed.
func (m *modifier) allowedOrigin(req rm.HttpRequest) (string, bool) {
	if m.corsOrigin == "" {
		return "", false
	}
	origin, ok := rm.Header(req, "origin")
	origin = strings.TrimSpace(origin)
	if !ok || origin == "" {
		return "", false
	}
	if m.corsOrigin == "*" {
		return "*", true
	}
	return m.corsOrigin, strings.EqualFold(origin, m.corsOrigin)
}

// names says whether the comma-separated lists in values (a `vary` header's)
// name field, or `*`.
func names(values []string, field string) bool {
	for _, value := range values {
		for _, name := range strings.Split(value, ",") {
			name = strings.TrimSpace(name)
			if name == "*" || strings.EqualFold(name, field) {
				return true
			}
		}
	}
	return false
}

// nonEmpty is values without the empty ones (spaces trimmed).
func nonEmpty(values ...string) []string {
	var kept []string
	for _, value := range values {
		if value = strings.TrimSpace(value); value != "" {
			kept = append(kept, value)
		}
	}
	return kept
}

func (m *modifier) ShouldModify(req rm.HttpRequest, resp rm.HttpResponse) bool {
	return !m.plan(req, resp).none()
}

func (m *modifier) Modify(req rm.HttpRequest, resp rm.HttpResponse) (rm.HttpResponse, error) {
	c := m.plan(req, resp)
	for _, h := range c.set {
		rm.SetHeader(&resp, h.name, h.value)
	}
	if c.varyOrigin {
		// Several `vary` headers mean their values joined: keep one.
		values := append(rm.ResponseHeaderValues(resp, vary), "origin")
		rm.SetHeader(&resp, vary, strings.Join(nonEmpty(values...), ", "))
	}
	return resp, nil
}
