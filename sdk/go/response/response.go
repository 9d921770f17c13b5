// Package response is the response world: answer HTTP requests for an API
// (mock) server. Among the plugins that can handle a request, the one with
// the highest priority answers it. Implement Plugin on a type and pass a
// value to Export from an init function:
//
//	type users struct{}
//
//	func (users) Describe() response.PluginInfo {
//		return response.PluginInfo{Name: "users", Version: "0.1.0", Description: "Answers GET /users/{id}"}
//	}
//
//	func (users) Init(config response.Config) error { return nil }
//
//	func (users) Priority() int32 { return 10 }
//
//	func (users) CanHandle(req response.HttpRequest) bool {
//		_, ok := response.PathParam(req, "id")
//		return req.Method == "GET" && ok
//	}
//
//	func (users) Generate(req response.HttpRequest) (response.HttpResponse, error) {
//		id, _ := response.PathParam(req, "id")
//		if id == "0" {
//			return response.Text(404, "no user 0"), nil
//		}
//		fields, _ := response.QueryParam(req, "fields")
//		return response.JSON(200, map[string]string{"id": id, "fields": fields})
//	}
//
//	func init() { response.Export(users{}) }
//
//	func main() {}
package response

import (
	"github.com/polyplug/polyplug/sdk/go/config"
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_types"
	_ "github.com/polyplug/polyplug/sdk/go/internal/bindings/world_response"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_responder"
	"github.com/polyplug/polyplug/sdk/go/internal/httpmessage"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// PluginInfo is what a plugin says about itself (polyplug inspect shows it).
type PluginInfo = polyplug_plugin_types.PluginInfo

// Config is the operator's configuration of the plugin, sorted by key.
type Config = config.Entries

// HttpRequest is a request as the server received it: Method (upper case),
// Uri (path and query as sent), Path, PathParams (the route's parameters),
// Query (decoded, in order), Headers (names lower case, in order), Body,
// ClientIp and Caller (when known). Read them with Header, QueryParam,
// PathParam, Body, ClientIP and CallerOf.
type HttpRequest = polyplug_plugin_types.HttpRequest

// HttpResponse is a response: Status, Headers (in order; names may repeat),
// Body and ContentType (e.g. application/json). JSON and Text make one;
// SetHeader and AddHeader change its headers.
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

// DecodeBody decodes the request's JSON body into v (see json.Unmarshal).
func DecodeBody(req HttpRequest, v any) error {
	return httpmessage.DecodeBody(req, v)
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

// JSON returns a response with status whose body is value as JSON (see
// json.Marshal), of type application/json.
func JSON(status uint16, value any) (HttpResponse, error) {
	return httpmessage.JSON(status, value)
}

// Text returns a response with status whose body is text, of type
// text/plain; charset=utf-8.
func Text(status uint16, text string) HttpResponse {
	return httpmessage.Text(status, text)
}

// Bytes returns a response with status whose body is body, of type contentType.
func Bytes(status uint16, contentType string, body []byte) HttpResponse {
	return httpmessage.Bytes(status, contentType, body)
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

// Plugin is what a response plugin implements.
type Plugin interface {
	// Describe says what the plugin is. The host may call it before Init,
	// so the answer must not depend on configuration.
	Describe() PluginInfo
	// Init prepares the plugin with the operator's configuration, once per
	// instance, before any other call but Describe. An error refuses the
	// configuration: say which key is wrong and what would be right.
	Init(config Config) error
	// Priority ranks the plugin: among the plugins that can handle a
	// request, the one with the highest priority answers (on a tie, the
	// first the server lists).
	Priority() int32
	// CanHandle says whether the plugin answers req. The server asks before
	// every Generate: keep it cheap.
	CanHandle(req HttpRequest) bool
	// Generate answers req. An error is a failure (the server answers 500
	// naming the plugin), not a response: a plugin answering "not found"
	// returns a response with status 404.
	Generate(req HttpRequest) (HttpResponse, error)
}

// Export makes p the plugin. Call it once, from an init function (a plugin's
// main never runs).
func Export(p Plugin) {
	export_polyplug_plugin_plugin.Register("response", p)
	export_polyplug_plugin_responder.Register(p)
}
