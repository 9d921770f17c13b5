// Example auth plugin in Go: HS256 JWT verification with the standard
// library only. `polyplug build` builds it with the polyplug Go SDK,
// github.com/polyplug/polyplug/sdk/go, which it provides through a Go
// workspace of its own (build/go.work): no `require` for it is needed here
// (see sdk/go/README.md).
module github.com/polyplug/polyplug/examples/auth-go-jwt

go 1.25
