// `{{name}}`: a response plugin that answers `GET /hello` with the JSON
// `{"hello": <the query's name, or "world">}`, and nothing else.
//
// Built with the polyplug C SDK: `polyplug build`. Every export owns its
// arguments (free them, or move them into the result); what it returns must
// be heap memory (see the SDK's README).

#include "json.h"

typedef exports_polyplug_plugin_responder_http_request_t request_t;
typedef exports_polyplug_plugin_responder_http_response_t response_t;

void exports_polyplug_plugin_plugin_describe(exports_polyplug_plugin_plugin_plugin_info_t *ret) {
    ret->name = polyplug_string("{{name}}");
    ret->version = polyplug_string("0.1.0");
    ret->description = polyplug_string("Answers GET /hello with a JSON greeting for the name in the query");
}

bool exports_polyplug_plugin_plugin_init(exports_polyplug_plugin_plugin_list_config_entry_t *config, polyplug_string_t *err) {
    (void)err;
    exports_polyplug_plugin_plugin_list_config_entry_free(config);
    return true;
}

int32_t exports_polyplug_plugin_responder_priority(void) {
    return 0;  // a plugin with a higher priority that handles the same request answers it instead
}

// Whether `request` is this plugin's: `GET /hello`.
static bool handles(const request_t *request) {
    return polyplug_string_eq(&request->method, "GET") && polyplug_string_eq(&request->path, "/hello");
}

bool exports_polyplug_plugin_responder_can_handle(request_t *request) {
    bool mine = handles(request);
    exports_polyplug_plugin_responder_http_request_free(request);
    return mine;
}

bool exports_polyplug_plugin_responder_generate(request_t *request, response_t *ret, polyplug_string_t *err) {
    (void)err;
    json_buf body = {0};
    if (!handles(request)) {
        // Not found is an answer, not a failure (`false` makes the server answer 500).
        ret->status = 404;
        json_text(&body, "{\"error\":\"not found\"}");
    } else {
        polyplug_string_t name = polyplug_string_borrow("world");
        for (size_t i = 0; i < request->query.len; i++) {
            if (polyplug_string_eq(&request->query.ptr[i].f0, "name")) {
                name = request->query.ptr[i].f1;  // borrowed: the request is freed after the body is written
                break;
            }
        }
        ret->status = 200;
        json_text(&body, "{\"hello\":");
        json_quoted(&body, name.ptr, name.len);
        json_text(&body, "}");
    }
    polyplug_string_t bytes = json_take(&body);
    ret->body = (polyplug_list_u8_t){bytes.ptr, bytes.len};
    ret->headers = (polyplug_list_tuple2_string_string_t){NULL, 0};
    ret->content_type = polyplug_string("application/json");
    exports_polyplug_plugin_responder_http_request_free(request);
    return true;
}
