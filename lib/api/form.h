/* SPDX-License-Identifier: MIT */
/*
 * form.h: turning what a client sends — a query string, an application/x-www-form-urlencoded
 * body, or a JSON body — into one flat JSON object of request fields, as the original API's
 * request.args / request.form / request.json did.
 *
 * Every value that comes out is valid UTF-8 without NUL bytes; anything else is refused.
 */
#pragma once

#include <jansson.h>
#include <stddef.h>

#define FORM_MAX_FIELDS 64U

/* Decodes "a=1&b=x+y&c=%C3%A9" into obj (string values; '+' is a space; a key without '=' gets "").
 * A key given twice: -EBADMSG. Bad percent escapes, NUL, invalid UTF-8, more than FORM_MAX_FIELDS
 * fields: -EBADMSG. On error obj may hold some fields already; callers discard it. */
int form_decode(const char *s, size_t size, json_t *obj);

/* Parses a JSON body that must be one object whose values are strings, numbers, booleans or null
 * (no nesting), and adds its fields to obj. Duplicate keys (in the body, or already in obj):
 * -EBADMSG. Not an object, nested values, invalid JSON: -EBADMSG. */
int form_decode_json(const char *s, size_t size, json_t *obj);

/* Decodes a body by its Content-Type: application/json (or a body starting with '{' and no type),
 * application/x-www-form-urlencoded, or empty. Other types: -EMEDIUMTYPE (415). */
int form_decode_body(const char *content_type, const char *body, size_t size, json_t *obj);
