// Package responsemodifier is the response-modifier world: change the
// responses of an API (mock) server before it sends them. The server asks
// ShouldModify first and calls Modify only when it says yes. Implement
// Plugin on a type and pass a value to Export from an init function:
//
//	type poweredBy struct{}
//
//	func (poweredBy) Describe() responsemodifier.PluginInfo {
//		return responsemodifier.PluginInfo{Name: "powered-by", Version: "0.1.0", Description: "Says who answered"}
//	}
//
//	func (poweredBy) Init(config responsemodifier.Config) error { return nil }
//
//	func (poweredBy) ShouldModify(req responsemodifier.HttpRequest, resp responsemodifier.HttpResponse) bool {
//		_, has := responsemodifier.ResponseHeader(resp, "x-powered-by")
//		return !has
//	}
//
//	func (poweredBy) Modify(req responsemodifier.HttpRequest, resp responsemodifier.HttpResponse) (responsemodifier.HttpResponse, error) {
//		responsemodifier.SetHeader(&resp, "x-powered-by", "polyplug")
//		if id, ok := responsemodifier.CallerID(req); ok {
//			responsemodifier.SetHeader(&resp, "x-caller", id)
//		}
//		return resp, nil
//	}
//
//	func init() { responsemodifier.Export(poweredBy{}) }
//
//	func main() {}
package responsemodifier

import (
	"github.com/polyplug/polyplug/sdk/go/config"
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_types"
	_ "github.com/polyplug/polyplug/sdk/go/internal/bindings/world_response_modifier"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_modifier"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	"github.com/polyplug/polyplug/sdk/go/internal/httpmessage"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// PluginInfo is what a plugin says about itself (polyplug inspect shows it).
type PluginInfo = polyplug_plugin_types.PluginInfo

// Config is the operator's configuration of the plugin, sorted by key.
type Config = config.Entries

// HttpRequest is the request a response answers: Method (upper case), Uri
// (path and query as sent), Path, PathParams (the route's parameters), Query
// (decoded, in order), Headers (names lower case, in order), Body, ClientIp
// and Caller (when known). Read them with Header, QueryParam, PathParam,
// Body, ClientIP and CallerOf.
type HttpRequest = polyplug_plugin_types.HttpRequest

// HttpResponse is the response to change: Status, Headers (in order; names
// may repeat), Body and ContentType. SetHeader, AddHeader, RemoveHeader and
// SetJSON change it.
type HttpResponse = polyplug_plugin_types.HttpResponse

// Caller is who the server's auth chain let through: its Identity and the
// Claims its credentials carried (each value JSON text).
type Caller = polyplug_plugin_types.Caller

// Identity is who a caller is: a stable Id, and Username, Email and
// DisplayName when known (options: IsSome, Some, SomeOr), Roles, Groups and
// other Attributes.
type Identity = polyplug_plugin_types.Identity

// Pair is a name and a value: a header, a query or path parameter, an
// attribute or a claim.
type Pair = witTypes.Tuple2[string, string]

// NewPair returns the pair name, value (e.g. a header for HttpResponse.Headers).
func NewPair(name, value string) Pair {
	return httpmessage.NewPair(name, value)
}

// Header returns the value of the request's first header called name (in
// any case), and whether there is one.
func Header(req HttpRequest, name string) (string, bool) {
	return httpmessage.Header(req, name)
}

// HeaderValues returns the values of every request header called name (in
// any case), in order.
func HeaderValues(req HttpRequest, name string) []string {
	return httpmessage.HeaderValues(req, name)
}

// QueryParam returns the value of the first query parameter called name,
// decoded, and whether there is one.
func QueryParam(req HttpRequest, name string) (string, bool) {
	return httpmessage.QueryParam(req, name)
}

// QueryParams returns the values of every query parameter called name, in
// order (`?tag=a&tag=b` gives a and b).
func QueryParams(req HttpRequest, name string) []string {
	return httpmessage.QueryParams(req, name)
}

// PathParam returns the value of the route parameter name (`7` for `id` when
// the route `/users/{id}` matched `/users/7`), and whether there is one.
func PathParam(req HttpRequest, name string) (string, bool) {
	return httpmessage.PathParam(req, name)
}

// Body returns the request's body, and whether it has one.
func Body(req HttpRequest) ([]byte, bool) {
	return httpmessage.Body(req)
}

// ClientIP returns the client's address, and whether the server knows it.
func ClientIP(req HttpRequest) (string, bool) {
	return httpmessage.ClientIP(req)
}

// CallerOf returns who the server's auth chain let through, and whether the
// request's route has an auth chain.
func CallerOf(req HttpRequest) (Caller, bool) {
	return httpmessage.CallerOf(req)
}

// CallerID returns the caller's stable identifier, and whether there is a
// caller.
func CallerID(req HttpRequest) (string, bool) {
	return httpmessage.CallerID(req)
}

// HasRole says whether the request has a caller granted role.
func HasRole(req HttpRequest, role string) bool {
	return httpmessage.HasRole(req, role)
}

// Claim returns the claim name of the caller's credentials as JSON text
// (e.g. `"orders:read"`, `1767225600`), and whether the caller has it.
// Decode it with json.Unmarshal.
func Claim(req HttpRequest, name string) (string, bool) {
	return httpmessage.Claim(req, name)
}

// ResponseHeader returns the value of the response's first header called
// name (in any case), and whether there is one.
func ResponseHeader(resp HttpResponse, name string) (string, bool) {
	return httpmessage.ResponseHeader(resp, name)
}

// ResponseHeaderValues returns the values of every response header called
// name (in any case), in order.
func ResponseHeaderValues(resp HttpResponse, name string) []string {
	return httpmessage.ResponseHeaderValues(resp, name)
}

// SetHeader makes value the only value of the response's header name (in
// any case): the first header of that name takes it, the others go; with
// none, the header is added at the end.
func SetHeader(resp *HttpResponse, name, value string) {
	httpmessage.SetHeader(resp, name, value)
}

// AddHeader adds the header name: value at the end of the response's
// headers, after any others of that name.
func AddHeader(resp *HttpResponse, name, value string) {
	httpmessage.AddHeader(resp, name, value)
}

// RemoveHeader removes every response header called name (in any case) and
// says whether there was one.
func RemoveHeader(resp *HttpResponse, name string) bool {
	return httpmessage.RemoveHeader(resp, name)
}

// DecodeJSON decodes the response's body, JSON, into v (see json.Unmarshal).
func DecodeJSON(resp HttpResponse, v any) error {
	return httpmessage.DecodeJSON(resp, v)
}

// SetJSON makes value, as JSON (see json.Marshal), the response's body, of
// type application/json.
func SetJSON(resp *HttpResponse, value any) error {
	return httpmessage.SetJSON(resp, value)
}

// Plugin is what a response-modifier plugin implements.
type Plugin interface {
	// Describe says what the plugin is. The host may call it before Init,
	// so the answer must not depend on configuration.
	Describe() PluginInfo
	// Init prepares the plugin with the operator's configuration, once per
	// instance, before any other call but Describe. An error refuses the
	// configuration: say which key is wrong and what would be right.
	Init(config Config) error
	// ShouldModify says whether the plugin changes resp, the answer to req.
	// The server asks before every Modify: keep it cheap.
	ShouldModify(req HttpRequest, resp HttpResponse) bool
	// Modify returns resp changed (change the value it receives and return
	// it). An error is a failure: the server answers 500 naming the plugin.
	Modify(req HttpRequest, resp HttpResponse) (HttpResponse, error)
}

// Export makes p the plugin. Call it once, from an init function (a plugin's
// main never runs).
func Export(p Plugin) {
	export_polyplug_plugin_plugin.Register("responsemodifier", p)
	export_polyplug_plugin_modifier.Register(p)
}
