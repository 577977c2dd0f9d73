/* SPDX-License-Identifier: MIT */
/* test-text: characters counted as the API's limits count them, and control characters found. */
#include "tests.h"
#include "text.h"

static void test_utf8_length(void) {
        CHECK_INT(text_utf8_length(""), 0);
        CHECK_INT(text_utf8_length("acme"), 4);
        /* "Café Ltd": é is two bytes, one character. */
        CHECK_INT(text_utf8_length("Caf\xc3\xa9 Ltd"), 8);
        /* "₦" (U+20A6) is three bytes; "𝄞" (U+1D11E) four. */
        CHECK_INT(text_utf8_length("\xe2\x82\xa6" "100"), 4);
        CHECK_INT(text_utf8_length("\xf0\x9d\x84\x9e"), 1);
}

static void test_has_control(void) {
        static const char *const clean[] = { "", "Acme Ltd", "Caf\xc3\xa9", "\xe2\x82\xa6",
                                             /* U+00A0 and U+00FF: 0xC2 0xA0 and 0xC3 0xBF, not C1 */
                                             "a\xc2\xa0" "b", "\xc3\xbf", NULL };
        static const char *const dirty[] = { "a\nb", "a\rb", "\t", "\x1b[31mred", "a\x7f",
                                             /* C1: U+0085 (NEL) and U+009B (CSI) */
                                             "a\xc2\x85" "b", "\xc2\x9b" "31m", NULL };

        for (size_t i = 0; clean[i]; i++)
                CHECK(!text_has_control(clean[i]));
        for (size_t i = 0; dirty[i]; i++)
                CHECK(text_has_control(dirty[i]));
}

int main(void) {
        test_utf8_length();
        test_has_control();
        return test_exit_status();
}
