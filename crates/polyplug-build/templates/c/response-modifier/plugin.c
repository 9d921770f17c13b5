// `{{name}}`: a response-modifier plugin that adds `x-powered-by: polyplug`
// to JSON responses (replacing any `x-powered-by` they had), and leaves
// every other response alone.
//
// Built with the polyplug C SDK: `polyplug build`. Every export owns its
// arguments (free them, or move them into the result); what it returns must
// be heap memory (see the SDK's README).

#include "polyplug.h"

typedef exports_polyplug_plugin_modifier_http_request_t request_t;
typedef exports_polyplug_plugin_modifier_http_response_t response_t;

void exports_polyplug_plugin_plugin_describe(exports_polyplug_plugin_plugin_plugin_info_t *ret) {
    ret->name = polyplug_string("{{name}}");
    ret->version = polyplug_string("0.1.0");
    ret->description = polyplug_string("Adds an x-powered-by header to JSON responses");
}

bool exports_polyplug_plugin_plugin_init(exports_polyplug_plugin_plugin_list_config_entry_t *config, polyplug_string_t *err) {
    (void)err;
    exports_polyplug_plugin_plugin_list_config_entry_free(config);
    return true;
}

static uint8_t lower(uint8_t c) {
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

// Whether the `len` bytes at `s` are `lowercase` in any case.
static bool same_text(const uint8_t *s, size_t len, const char *lowercase) {
    if (len != strlen(lowercase)) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (lower(s[i]) != (uint8_t)lowercase[i]) {
            return false;
        }
    }
    return true;
}

// Whether `content_type` is JSON: `application/json` or `.../...+json`, any
// case, with or without parameters (`; charset=utf-8`).
static bool is_json(const polyplug_string_t *content_type) {
    size_t start = 0, end = 0;
    while (end < content_type->len && content_type->ptr[end] != ';') {
        end++;
    }
    while (start < end && (content_type->ptr[start] == ' ' || content_type->ptr[start] == '\t')) {
        start++;
    }
    while (end > start && (content_type->ptr[end - 1] == ' ' || content_type->ptr[end - 1] == '\t')) {
        end--;
    }
    const uint8_t *media = content_type->ptr + start;
    size_t len = end - start;
    return same_text(media, len, "application/json") || (len >= 5 && same_text(media + len - 5, 5, "+json"));
}

bool exports_polyplug_plugin_modifier_should_modify(request_t *request, response_t *response) {
    bool json = is_json(&response->content_type);
    exports_polyplug_plugin_modifier_http_request_free(request);
    exports_polyplug_plugin_modifier_http_response_free(response);
    return json;
}

bool exports_polyplug_plugin_modifier_modify(request_t *request, response_t *response, response_t *ret, polyplug_string_t *err) {
    (void)err;
    // Drop the x-powered-by headers there are, keeping the others in order.
    polyplug_list_tuple2_string_string_t *headers = &response->headers;
    size_t kept = 0;
    for (size_t i = 0; i < headers->len; i++) {
        polyplug_tuple2_string_string_t *header = &headers->ptr[i];
        if (same_text(header->f0.ptr, header->f0.len, "x-powered-by")) {
            polyplug_tuple2_string_string_free(header);
        } else {
            headers->ptr[kept++] = *header;
        }
    }
    // Add ours: grow the list (a zero-length list owns no memory).
    polyplug_tuple2_string_string_t *grown =
        realloc(headers->len > 0 ? headers->ptr : NULL, (kept + 1) * sizeof *grown);
    if (grown == NULL) {
        abort();
    }
    grown[kept].f0 = polyplug_string("x-powered-by");
    grown[kept].f1 = polyplug_string("polyplug");
    headers->ptr = grown;
    headers->len = kept + 1;
    // The response's memory becomes the result's: not freed here.
    *ret = *response;
    exports_polyplug_plugin_modifier_http_request_free(request);
    return true;
}
