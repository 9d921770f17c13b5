// `{{name}}`: a response plugin that answers `GET /hello` with the JSON
// `{"hello": <the query's name, or "world">}`, and nothing else.
package main

import "github.com/polyplug/polyplug/sdk/go/response"

type hello struct{}

func (hello) Describe() response.PluginInfo {
	return response.PluginInfo{
		Name:        "{{name}}",
		Version:     "0.1.0",
		Description: "Answers GET /hello with a JSON greeting for the name in the query",
	}
}

func (hello) Init(config response.Config) error {
	return nil
}

func (hello) Priority() int32 {
	return 0 // a plugin with a higher priority that handles the same request answers it instead
}

func (hello) CanHandle(req response.HttpRequest) bool {
	return handles(req)
}

func (hello) Generate(req response.HttpRequest) (response.HttpResponse, error) {
	if !handles(req) {
		// Not found is an answer, not a failure (an error makes the server answer 500).
		return response.JSON(404, map[string]string{"error": "not found"})
	}
	name, ok := response.QueryParam(req, "name")
	if !ok {
		name = "world"
	}
	return response.JSON(200, map[string]string{"hello": name})
}

// handles says whether req is this plugin's: `GET /hello`.
func handles(req response.HttpRequest) bool {
	return req.Method == "GET" && req.Path == "/hello"
}

func init() { response.Export(hello{}) }

// A plugin has no main program: the host calls its exports.
func main() {}
