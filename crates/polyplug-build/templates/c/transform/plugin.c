// `{{name}}`: a transform plugin that upper-cases message payloads (ASCII
// letters), tags each message with a header, and drops empty messages.
//
// Built with the polyplug C SDK: `polyplug build`. Every export owns its
// arguments (free them, or move them into the result); what it returns must
// be heap memory (see the SDK's README).

#include "polyplug.h"

void exports_polyplug_plugin_plugin_describe(exports_polyplug_plugin_plugin_plugin_info_t *ret) {
    ret->name = polyplug_string("{{name}}");
    ret->version = polyplug_string("0.1.0");
    ret->description = polyplug_string("Upper-cases message payloads and drops empty messages");
}

bool exports_polyplug_plugin_plugin_init(exports_polyplug_plugin_plugin_list_config_entry_t *config, polyplug_string_t *err) {
    (void)err;
    exports_polyplug_plugin_plugin_list_config_entry_free(config);
    return true;
}

bool exports_polyplug_plugin_transformer_transform(exports_polyplug_plugin_transformer_message_t *input,
                                                  exports_polyplug_plugin_transformer_option_message_t *ret,
                                                  polyplug_string_t *err) {
    (void)err;
    if (input->payload.len == 0) {
        polyplug_log_debug("dropped an empty message");
        exports_polyplug_plugin_transformer_message_free(input);
        ret->is_some = false;
        return true;
    }
    for (size_t i = 0; i < input->payload.len; i++) {
        uint8_t c = input->payload.ptr[i];
        if (c >= 'a' && c <= 'z') {
            input->payload.ptr[i] = (uint8_t)(c - 'a' + 'A');
        }
    }
    // Add a header: grow the list (a zero-length list owns no memory).
    polyplug_list_tuple2_string_string_t *headers = &input->headers;
    polyplug_tuple2_string_string_t *grown =
        realloc(headers->len > 0 ? headers->ptr : NULL, (headers->len + 1) * sizeof *grown);
    if (grown == NULL) {
        abort();
    }
    grown[headers->len].f0 = polyplug_string("x-transformed-by");
    grown[headers->len].f1 = polyplug_string("{{name}}");
    headers->ptr = grown;
    headers->len++;
    // The input's memory becomes the result's: nothing to free.
    ret->is_some = true;
    ret->val = *input;
    return true;
}
