// Package httpmessage holds the helpers that read and change the HTTP
// requests and responses of the worlds that see them, response and
// responsemodifier: one implementation for both, since neither world's
// package may import the other (each brings in its own world, and a
// component exports only its world). It imports no world package.
//
// Plugins do not import it: they use the same helpers through their world's
// package, github.com/polyplug/polyplug/sdk/go/response or
// github.com/polyplug/polyplug/sdk/go/responsemodifier, where they are
// documented.
package httpmessage

import (
	"encoding/json"
	"fmt"

	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_types"
	"github.com/polyplug/polyplug/sdk/go/internal/pairs"
)

// Request, Response and Caller are the messages the helpers work on.
type (
	Request  = polyplug_plugin_types.HttpRequest
	Response = polyplug_plugin_types.HttpResponse
	Caller   = polyplug_plugin_types.Caller
)

// Pair is a name and a value: a header, a query or path parameter, a claim.
type Pair = pairs.Pair

// NewPair returns the pair name, value.
func NewPair(name, value string) Pair {
	return pairs.New(name, value)
}

// Header is the value of req's first header called name (in any case).
func Header(req Request, name string) (string, bool) {
	return pairs.First(req.Headers, name, true)
}

// HeaderValues is the values of every header of req called name (in any
// case).
func HeaderValues(req Request, name string) []string {
	return pairs.All(req.Headers, name, true)
}

// QueryParam is the value of req's first query parameter called name.
func QueryParam(req Request, name string) (string, bool) {
	return pairs.First(req.Query, name, false)
}

// QueryParams is the values of every query parameter of req called name.
func QueryParams(req Request, name string) []string {
	return pairs.All(req.Query, name, false)
}

// PathParam is the value of req's route parameter name.
func PathParam(req Request, name string) (string, bool) {
	return pairs.First(req.PathParams, name, false)
}

// Body is req's body, if it has one.
func Body(req Request) ([]byte, bool) {
	if req.Body.IsNone() {
		return nil, false
	}
	return req.Body.Some(), true
}

// DecodeBody decodes req's JSON body into v.
func DecodeBody(req Request, v any) error {
	body, ok := Body(req)
	if !ok {
		return fmt.Errorf("the request has no body")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("the request body is not the JSON expected: %w", err)
	}
	return nil
}

// ClientIP is the client's address, if the server knows it.
func ClientIP(req Request) (string, bool) {
	if req.ClientIp.IsNone() {
		return "", false
	}
	return req.ClientIp.Some(), true
}

// CallerOf is req's caller, if its route has an auth chain.
func CallerOf(req Request) (Caller, bool) {
	if req.Caller.IsNone() {
		return Caller{}, false
	}
	return req.Caller.Some(), true
}

// CallerID is the stable identifier of req's caller, if there is one.
func CallerID(req Request) (string, bool) {
	caller, ok := CallerOf(req)
	return caller.Identity.Id, ok
}

// HasRole says whether req has a caller granted role.
func HasRole(req Request, role string) bool {
	caller, ok := CallerOf(req)
	if !ok {
		return false
	}
	for _, granted := range caller.Identity.Roles {
		if granted == role {
			return true
		}
	}
	return false
}

// Claim is the claim name of req's caller, as JSON text, if it has one.
func Claim(req Request, name string) (string, bool) {
	caller, ok := CallerOf(req)
	if !ok {
		return "", false
	}
	return pairs.First(caller.Claims, name, false)
}

// JSON is a response with status whose body is value as JSON.
func JSON(status uint16, value any) (Response, error) {
	body, err := json.Marshal(value)
	if err != nil {
		return Response{}, fmt.Errorf("cannot answer in JSON: %w", err)
	}
	return Response{Status: status, Body: body, ContentType: "application/json"}, nil
}

// Text is a response with status whose body is text, as UTF-8 plain text.
func Text(status uint16, text string) Response {
	return Response{Status: status, Body: []byte(text), ContentType: "text/plain; charset=utf-8"}
}

// Bytes is a response with status whose body is body, of type contentType.
func Bytes(status uint16, contentType string, body []byte) Response {
	return Response{Status: status, Body: body, ContentType: contentType}
}

// ResponseHeader is the value of resp's first header called name (in any
// case).
func ResponseHeader(resp Response, name string) (string, bool) {
	return pairs.First(resp.Headers, name, true)
}

// ResponseHeaderValues is the values of every header of resp called name
// (in any case).
func ResponseHeaderValues(resp Response, name string) []string {
	return pairs.All(resp.Headers, name, true)
}

// SetHeader gives the first header of resp called name (in any case) value
// and drops the others of that name, or appends name: value when there is
// none.
func SetHeader(resp *Response, name, value string) {
	resp.Headers = pairs.Set(resp.Headers, name, value)
}

// AddHeader appends the header name: value to resp's headers.
func AddHeader(resp *Response, name, value string) {
	resp.Headers = append(resp.Headers, NewPair(name, value))
}

// RemoveHeader removes every header of resp called name (in any case) and
// says whether there was one.
func RemoveHeader(resp *Response, name string) bool {
	var removed bool
	resp.Headers, removed = pairs.Remove(resp.Headers, name)
	return removed
}

// DecodeJSON decodes resp's body, JSON, into v.
func DecodeJSON(resp Response, v any) error {
	if err := json.Unmarshal(resp.Body, v); err != nil {
		return fmt.Errorf("the response body (%s) is not the JSON expected: %w", resp.ContentType, err)
	}
	return nil
}

// SetJSON makes value, as JSON, resp's body, of type application/json.
func SetJSON(resp *Response, value any) error {
	body, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("cannot write the response body in JSON: %w", err)
	}
	resp.Body, resp.ContentType = body, "application/json"
	return nil
}
