// `{{name}}`: an auth@0.2 plugin that lets in requests carrying the API key
// of its configuration (`api-key`), in an `x-api-key` header or as a bearer
// token, and abstains from every other request.
//
// Built with the polyplug C SDK: `polyplug build`. Every export owns its
// arguments (free them, or move them into the result); what it returns must
// be heap memory (see the SDK's README).
//
// This includes the world's generated bindings alone, not polyplug.h: its
// helpers call the host interfaces by the names of the 0.1 worlds'
// bindings (`polyplug_plugin_log_log`), which this world's bindings spell
// with their version (`polyplug_plugin_0_1_0_log_log`), so polyplug.h does
// not compile against them yet. The two helpers it needs are below.

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "polyplug_world.h"

typedef exports_polyplug_plugin_0_2_0_authenticator_http_request_t request_t;
typedef exports_polyplug_plugin_0_2_0_authenticator_auth_result_t result_t;

// The API key from `init`; empty when the configuration has none.
static polyplug_string_t api_key;

// An owned copy of the C string `s` (malloc'd): what exports return.
static polyplug_string_t string(const char *s) {
    polyplug_string_t out;
    polyplug_string_dup(&out, s);
    return out;
}

// Whether `s` holds exactly the bytes of the C string `c`.
static bool string_eq(const polyplug_string_t *s, const char *c) {
    size_t len = strlen(c);
    return s->len == len && (len == 0 || memcmp(s->ptr, c, len) == 0);
}

void exports_polyplug_plugin_0_1_0_plugin_describe(exports_polyplug_plugin_0_1_0_plugin_plugin_info_t *ret) {
    ret->name = string("{{name}}");
    ret->version = string("0.1.0");
    ret->description = string("Lets in requests carrying the API key its configuration holds, as an x-api-key header or a bearer token");
}

bool exports_polyplug_plugin_0_1_0_plugin_init(exports_polyplug_plugin_0_1_0_plugin_list_config_entry_t *config, polyplug_string_t *err) {
    (void)err;
    // Without a key the plugin still loads: it says so when asked to decide (an error, not a denial).
    polyplug_string_free(&api_key);
    for (size_t i = 0; i < config->len; i++) {
        if (string_eq(&config->ptr[i].f0, "api-key")) {
            api_key = config->ptr[i].f1;  // moved out of the list: not freed with it
            config->ptr[i].f1 = (polyplug_string_t){NULL, 0};
            break;
        }
    }
    exports_polyplug_plugin_0_1_0_plugin_list_config_entry_free(config);
    return true;
}

void exports_polyplug_plugin_0_2_0_authenticator_supported_schemes(polyplug_list_string_t *ret) {
    ret->len = 2;
    ret->ptr = malloc(2 * sizeof(polyplug_string_t));
    if (ret->ptr == NULL) {
        abort();
    }
    ret->ptr[0] = string("api-key");
    ret->ptr[1] = string("bearer");
}

// `s` without the spaces and tabs around it, borrowing its bytes.
static polyplug_string_t trim(polyplug_string_t s) {
    while (s.len > 0 && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) {
        s.ptr++;
        s.len--;
    }
    while (s.len > 0 && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) {
        s.len--;
    }
    return s;
}

// The first header called `name` (names arrive lower case), trimmed and
// borrowed from `request`, in `*value`: false if there is none.
static bool header(const request_t *request, const char *name, polyplug_string_t *value) {
    for (size_t i = 0; i < request->headers.len; i++) {
        if (string_eq(&request->headers.ptr[i].f0, name)) {
            *value = trim(request->headers.ptr[i].f1);
            return true;
        }
    }
    return false;
}

// The API key `request` presents, borrowed from it, in `*key`: its bearer
// token (`authorization: Bearer <key>`), else its `x-api-key` header. False
// if it presents neither.
static bool presented_key(const request_t *request, polyplug_string_t *key) {
    polyplug_string_t value;
    if (header(request, "authorization", &value)) {
        size_t scheme = 0;
        while (scheme < value.len && value.ptr[scheme] != ' ') {
            scheme++;
        }
        if (scheme == 6 && strncasecmp((const char *)value.ptr, "bearer", 6) == 0) {
            *key = trim((polyplug_string_t){value.ptr + scheme, value.len - scheme});
            return true;
        }
    }
    return header(request, "x-api-key", key);
}

bool exports_polyplug_plugin_0_2_0_authenticator_authenticate(request_t *request, result_t *ret, polyplug_string_t *err) {
    polyplug_string_t key;
    bool ok = true;
    if (!presented_key(request, &key)) {
        // Basic credentials, or none: not this plugin's to decide, the server asks the next one.
        ret->tag = EXPORTS_POLYPLUG_PLUGIN_0_2_0_AUTHENTICATOR_AUTH_RESULT_ABSTAIN;
    } else if (api_key.len == 0) {
        *err = string("no api-key configured");
        ok = false;
    } else if (key.len != api_key.len || memcmp(key.ptr, api_key.ptr, key.len) != 0) {
        ret->tag = EXPORTS_POLYPLUG_PLUGIN_0_2_0_AUTHENTICATOR_AUTH_RESULT_DENY;
        ret->val.deny.status = 401;
        ret->val.deny.reason = string("unknown API key");
    } else {
        ret->tag = EXPORTS_POLYPLUG_PLUGIN_0_2_0_AUTHENTICATOR_AUTH_RESULT_ALLOW;
        exports_polyplug_plugin_0_2_0_authenticator_allowed_t *allowed = &ret->val.allow;
        // Zeroed: no username, email or display name; no groups or attributes.
        allowed->identity = (exports_polyplug_plugin_0_2_0_authenticator_identity_t){0};
        allowed->identity.id = string("demo-user");
        allowed->identity.roles.len = 1;
        allowed->identity.roles.ptr = malloc(sizeof(polyplug_string_t));
        allowed->claims.len = 1;
        allowed->claims.ptr = malloc(sizeof(exports_polyplug_plugin_0_2_0_authenticator_tuple2_string_json_t));
        if (allowed->identity.roles.ptr == NULL || allowed->claims.ptr == NULL) {
            abort();
        }
        allowed->identity.roles.ptr[0] = string("reader");
        allowed->claims.ptr[0].f0 = string("scope");
        allowed->claims.ptr[0].f1 = string("\"read\"");  // a claim's value is JSON text: the string `read`
    }
    // Last: `key` borrows from the request.
    exports_polyplug_plugin_0_2_0_authenticator_http_request_free(request);
    return ok;
}
