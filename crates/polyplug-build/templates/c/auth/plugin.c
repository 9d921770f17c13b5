// `{{name}}`: an auth plugin that lets in requests carrying the API key of
// its configuration (`api-key`).
//
// Built with the polyplug C SDK: `polyplug build`. Every export owns its
// arguments (free them, or move them into the result); what it returns must
// be heap memory (see the SDK's README).

#include "polyplug.h"

typedef exports_polyplug_plugin_authenticator_auth_decision_t decision_t;

// The API key from `init`.
static polyplug_string_t api_key;

void exports_polyplug_plugin_plugin_describe(exports_polyplug_plugin_plugin_plugin_info_t *ret) {
    ret->name = polyplug_string("{{name}}");
    ret->version = polyplug_string("0.1.0");
    ret->description = polyplug_string("Lets in requests carrying the API key its configuration holds");
}

bool exports_polyplug_plugin_plugin_init(exports_polyplug_plugin_plugin_list_config_entry_t *config, polyplug_string_t *err) {
    polyplug_string_free(&api_key);
    for (size_t i = 0; i < config->len; i++) {
        if (polyplug_string_eq(&config->ptr[i].f0, "api-key")) {
            polyplug_string_free(&api_key);
            api_key = config->ptr[i].f1;  // moved out of the list: not freed with it
            config->ptr[i].f1 = (polyplug_string_t){NULL, 0};
        }
    }
    exports_polyplug_plugin_plugin_list_config_entry_free(config);
    if (api_key.len == 0) {
        return polyplug_fail(err, "set `api-key` in the plugin's configuration");
    }
    return true;
}

static void deny(decision_t *ret, const char *reason) {
    ret->tag = EXPORTS_POLYPLUG_PLUGIN_AUTHENTICATOR_AUTH_DECISION_DENY;
    ret->val.deny.status = 401;
    ret->val.deny.reason = polyplug_string(reason);
}

bool exports_polyplug_plugin_authenticator_authenticate(exports_polyplug_plugin_authenticator_request_context_t *context,
                                                       exports_polyplug_plugin_authenticator_credentials_t *credentials,
                                                       decision_t *ret, polyplug_string_t *err) {
    (void)err;
    if (credentials->tag != EXPORTS_POLYPLUG_PLUGIN_AUTHENTICATOR_CREDENTIALS_API_KEY) {
        deny(ret, "missing API key");
    } else if (!polyplug_string_equal(&credentials->val.api_key, &api_key)) {
        deny(ret, "invalid API key");
    } else {
        ret->tag = EXPORTS_POLYPLUG_PLUGIN_AUTHENTICATOR_AUTH_DECISION_ALLOW;
        exports_polyplug_plugin_authenticator_principal_t *who = &ret->val.allow;
        who->id = polyplug_string("api-key");
        who->roles.len = 1;
        who->roles.ptr = malloc(sizeof(polyplug_string_t));
        if (who->roles.ptr == NULL) {
            abort();
        }
        who->roles.ptr[0] = polyplug_string("user");
        who->claims = (polyplug_list_tuple2_string_string_t){NULL, 0};
    }
    exports_polyplug_plugin_authenticator_request_context_free(context);
    exports_polyplug_plugin_authenticator_credentials_free(credentials);
    return true;
}
