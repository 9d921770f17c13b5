// CSV (RFC 4180, with a header row) to JSON: the part of the plugin that
// knows nothing about polyplug.

#ifndef CSV_H
#define CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// A growable byte buffer; `data` is malloc'd (or NULL while empty).
typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
} csv_buf;

// Appends `len` bytes at `bytes`.
void csv_buf_append(csv_buf *buf, const void *bytes, size_t len);

// Appends a printf-formatted text.
__attribute__((format(printf, 2, 3)))
void csv_buf_printf(csv_buf *buf, const char *format, ...);

// Frees the buffer's memory and empties it.
void csv_buf_free(csv_buf *buf);

// Converts the CSV text `csv` (`len` bytes of UTF-8; fields separated by
// `delimiter`, records by LF or CRLF; the first record names the columns) to
// a JSON array with one object per record, its members in column order, every
// value a string. Blank lines are skipped; empty input is `[]`.
//
// Returns true with the JSON appended to `out`, or false with a message
// naming the line appended to `error` (an unterminated quoted field, a record
// whose field count differs from the header's, a stray quote, a header column
// without a name or named twice).
bool csv_to_json(const uint8_t *csv, size_t len, uint8_t delimiter, csv_buf *out, csv_buf *error);

#endif
