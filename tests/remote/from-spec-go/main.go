// Command fromspec is a remote polyplug plugin for the `transform` world,
// written from docs/remote-protocol.md and docs/json-mapping.md alone, with
// the Go standard library only. It is a test fixture: see README.md.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// witText is the output of `polyplug wit transform`, byte for byte.
//
//go:embed transform.wit
var witText string

const (
	world       = "polyplug:plugin/transform@0.1.0"
	pluginName  = "from-spec-go"
	version     = "0.1.0"
	description = "Upper-cases the keys of JSON-object payloads (a protocol test fixture written from the spec)"
	served      = "transformer/transform"
	maxBody     = 8 << 20 // bytes; a larger body is RESOURCE_EXHAUSTED
)

var (
	digest = func() string {
		sum := sha256.Sum256([]byte(witText))
		return "sha256:" + hex.EncodeToString(sum[:])
	}()
	apiKey = os.Getenv("POLYPLUG_API_KEY") // empty: no key required
)

// failure is a non-`err` failure: a status from the code table and its body.
type failure struct {
	status  int
	code    string
	message string
}

func fail(status int, code, format string, args ...any) *failure {
	return &failure{status, code, fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"code":"INTERNAL","message":"could not encode the answer"}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func writeFailure(w http.ResponseWriter, f *failure) {
	if f.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="polyplug"`)
	}
	writeJSON(w, f.status, map[string]string{"code": f.code, "message": f.message})
}

func authorized(r *http.Request) bool {
	if apiKey == "" {
		return true
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(apiKey)) == 1
}

func handler(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == "/v1/health":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeFailure(w, fail(404, "NOT_FOUND", "no route %s %s; use GET /v1/health", r.Method, path))
			return
		}
		writeJSON(w, 200, map[string]string{"status": "SERVING"})
		return
	case !authorized(r):
		writeFailure(w, fail(401, "UNAUTHENTICATED",
			"missing or wrong API key: send `Authorization: Bearer <key>`"))
		return
	case path == "/v1/describe":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeFailure(w, fail(404, "NOT_FOUND", "no route %s %s; use GET /v1/describe", r.Method, path))
			return
		}
		writeJSON(w, 200, map[string]any{
			"protocol":   1,
			"plugin":     map[string]string{"name": pluginName, "version": version, "description": description},
			"world":      world,
			"wit":        witText,
			"digest":     digest,
			"idempotent": []string{served},
		})
		return
	case strings.HasPrefix(path, "/v1/call/"):
		rest := strings.TrimPrefix(path, "/v1/call/")
		iface, fn, ok := strings.Cut(rest, "/")
		if !ok || iface == "" || fn == "" || strings.Contains(fn, "/") {
			writeFailure(w, fail(404, "NOT_FOUND",
				"no route %s; a call is POST /v1/call/{interface}/{function}", path))
			return
		}
		if r.Method != http.MethodPost {
			writeFailure(w, fail(404, "NOT_FOUND", "no route %s %s; a call is a POST", r.Method, path))
			return
		}
		if iface+"/"+fn != served {
			writeFailure(w, fail(501, "UNIMPLEMENTED",
				"this plugin serves no function `%s/%s`; it serves: %s", iface, fn, served))
			return
		}
		call(w, r)
		return
	default:
		writeFailure(w, fail(404, "NOT_FOUND",
			"no route %s %s; this service answers GET /v1/health, GET /v1/describe and POST /v1/call/{interface}/{function}",
			r.Method, path))
	}
}

// deadline reads `polyplug-timeout`. ok is false when there is none.
func deadline(r *http.Request, start time.Time) (time.Time, bool, *failure) {
	h := r.Header.Get("polyplug-timeout")
	if h == "" {
		return time.Time{}, false, nil
	}
	ms, err := strconv.ParseUint(strings.TrimSpace(h), 10, 64)
	if err != nil {
		return time.Time{}, false, fail(400, "INVALID_ARGUMENT",
			"the polyplug-timeout header %q is not a whole number of milliseconds", h)
	}
	const maxMs = uint64(1) << 40 // about 35 years; keeps the Duration from overflowing
	if ms > maxMs {
		ms = maxMs
	}
	return start.Add(time.Duration(ms) * time.Millisecond), true, nil
}

func call(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	end, hasDeadline, f := deadline(r, start)
	if f != nil {
		writeFailure(w, f)
		return
	}
	late := func() *failure {
		return fail(504, "DEADLINE_EXCEEDED",
			"the call did not finish within polyplug-timeout (%s ms)", r.Header.Get("polyplug-timeout"))
	}
	ctx := r.Context()
	if hasDeadline {
		if !time.Now().Before(end) {
			writeFailure(w, late())
			return
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, end)
		defer cancel()
		// Reading the body counts against the deadline too.
		_ = http.NewResponseController(w).SetReadDeadline(end)
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			writeFailure(w, fail(429, "RESOURCE_EXHAUSTED", "the request body is over %d bytes", maxBody))
		case hasDeadline && !time.Now().Before(end):
			writeFailure(w, late())
		default:
			writeFailure(w, fail(400, "INVALID_ARGUMENT", "could not read the request body: %v", err))
		}
		return
	}
	msg, f := parseArgs(body)
	if f != nil {
		writeFailure(w, f)
		return
	}

	// Run the function, but stop waiting for it once the deadline passes
	// (or the caller goes away).
	done := make(chan any, 1)
	go func() { done <- transform(msg) }()
	select {
	case result := <-done:
		if hasDeadline && !time.Now().Before(end) {
			writeFailure(w, late())
			return
		}
		writeJSON(w, 200, map[string]any{"result": result})
	case <-ctx.Done():
		if r.Context().Err() != nil {
			writeFailure(w, fail(499, "CANCELLED", "the caller went away"))
			return
		}
		writeFailure(w, late())
	}
}

// message is the WIT record transformer.message.
type message struct {
	Payload     string      `json:"payload"`
	ContentType string      `json:"content-type"`
	Headers     [][2]string `json:"headers"`
}

// ---- JSON mapping, input side: just the types `transform` takes. ----

func found(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case 'n':
		return "null"
	case 't', 'f':
		return "bool " + string(raw)
	case '"':
		return "string " + abbreviate(string(raw))
	case '[':
		return "an array"
	case '{':
		return "an object"
	default:
		return "number " + abbreviate(string(raw))
	}
}

func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

func invalid(path, want string, raw json.RawMessage) *failure {
	return fail(400, "INVALID_ARGUMENT",
		"function `%s`: at %s: expected %s, found %s", served, path, want, found(raw))
}

func isKind(raw json.RawMessage, first byte) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == first
}

func decodeString(path string, raw json.RawMessage) (string, *failure) {
	var s string
	if !isKind(raw, '"') || json.Unmarshal(raw, &s) != nil {
		return "", invalid(path, "a string", raw)
	}
	return s, nil
}

func parseArgs(body []byte) (message, *failure) {
	var m message
	if !utf8.Valid(body) {
		return m, fail(400, "INVALID_ARGUMENT", "the request body is not UTF-8")
	}
	var top map[string]json.RawMessage
	if !isKind(body, '{') || json.Unmarshal(body, &top) != nil {
		return m, fail(400, "INVALID_ARGUMENT",
			"the request body is not a JSON object; send {\"args\": [<message>]}")
	}
	rawArgs, ok := top["args"]
	var args []json.RawMessage
	if !ok || !isKind(rawArgs, '[') || json.Unmarshal(rawArgs, &args) != nil {
		return m, fail(400, "INVALID_ARGUMENT",
			"the request body has no \"args\" array; send {\"args\": [<message>]}")
	}
	if len(args) != 1 {
		return m, fail(400, "INVALID_ARGUMENT",
			"function `%s` takes 1 argument (input: message), got %d", served, len(args))
	}
	var rec map[string]json.RawMessage
	if !isKind(args[0], '{') || json.Unmarshal(args[0], &rec) != nil {
		return m, invalid("$.input", "a record message (an object)", args[0])
	}
	for k := range rec {
		if k != "payload" && k != "content-type" && k != "headers" {
			return m, fail(400, "INVALID_ARGUMENT",
				"function `%s`: at $.input: unknown field %q (message has payload, content-type, headers)", served, k)
		}
	}
	for _, k := range []string{"payload", "content-type", "headers"} {
		if _, ok := rec[k]; !ok {
			return m, fail(400, "INVALID_ARGUMENT",
				"function `%s`: at $.input: missing field %q", served, k)
		}
	}
	var f *failure
	if m.Payload, f = decodeString("$.input.payload", rec["payload"]); f != nil {
		return m, f
	}
	if m.ContentType, f = decodeString("$.input.content-type", rec["content-type"]); f != nil {
		return m, f
	}
	var headers []json.RawMessage
	if !isKind(rec["headers"], '[') || json.Unmarshal(rec["headers"], &headers) != nil {
		return m, invalid("$.input.headers", "a list (an array)", rec["headers"])
	}
	m.Headers = make([][2]string, 0, len(headers))
	for i, h := range headers {
		p := fmt.Sprintf("$.input.headers[%d]", i)
		var pair []json.RawMessage
		if !isKind(h, '[') || json.Unmarshal(h, &pair) != nil {
			return m, invalid(p, "a tuple<string, string> (an array of 2)", h)
		}
		if len(pair) != 2 {
			return m, fail(400, "INVALID_ARGUMENT",
				"function `%s`: at %s: expected a tuple<string, string> (an array of 2), found an array of %d", served, p, len(pair))
		}
		var kv [2]string
		for j := range pair {
			if kv[j], f = decodeString(fmt.Sprintf("%s[%d]", p, j), pair[j]); f != nil {
				return m, f
			}
		}
		m.Headers = append(m.Headers, kv)
	}
	return m, nil
}

// ---- The function: result<option<message>, string>. ----

// variant is a WIT result in the JSON mapping.
type variant struct {
	Tag string `json:"tag"`
	Val any    `json:"val"`
}

func transform(m message) any {
	if m.Payload == `{"drop":true}` {
		return variant{"ok", nil} // ok(none): {"tag":"ok","val":null}
	}
	payload, err := upperKeys(m.Payload)
	if err != nil {
		return variant{"err", err.Error()}
	}
	headers := append(append(make([][2]string, 0, len(m.Headers)+1), m.Headers...),
		[2]string{"x-transformed-by", pluginName})
	return variant{"ok", message{payload, m.ContentType, headers}} // ok(some(m))
}

// upperKeys upper-cases the top-level keys of a JSON object, keeping their
// order and every value's text as it was.
func upperKeys(payload string) (string, error) {
	dec := json.NewDecoder(strings.NewReader(payload))
	notObject := errors.New("the payload is not a JSON object")
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", notObject
	}
	var out bytes.Buffer
	out.WriteByte('{')
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", notObject
		}
		key := strings.ToUpper(tok.(string))
		if seen[key] {
			return "", fmt.Errorf("the payload has two keys that upper-case to %q", key)
		}
		seen[key] = true
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return "", notObject
		}
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		var k bytes.Buffer
		enc := json.NewEncoder(&k)
		enc.SetEscapeHTML(false)
		enc.Encode(key)
		out.Write(bytes.TrimRight(k.Bytes(), "\n"))
		out.WriteByte(':')
		out.Write(val)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return "", notObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", notObject
	}
	out.WriteByte('}')
	return out.String(), nil
}

func main() {
	addr := os.Getenv("POLYPLUG_LISTEN")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatalf("listen on %s: %v", addr, err)
	}
	// os.Stdout is unbuffered: the line is out when Fprintf returns.
	fmt.Fprintf(os.Stdout, "polyplug-remote listening on http://%s\n", ln.Addr())

	srv := &http.Server{Handler: http.HandlerFunc(handler), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
