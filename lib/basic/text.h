/* SPDX-License-Identifier: MIT */
/*
 * text.h: what a line of text from a request may hold: its length in characters, and whether a
 * control character hides in it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Characters, not bytes, of a string already known to be UTF-8 (jansson checks every string it
 * parses): the limits the API states are in characters. */
size_t text_utf8_length(const char *s);

/* Whether s holds a control character: C0, DEL, or C1 (U+0080..U+009F, in UTF-8 0xC2 0x80..0x9F).
 * A company name, a login or a reason is printed in WHMCS, in status and in journal lines, where a
 * newline or an ANSI escape would forge output. */
bool text_has_control(const char *s);
