/* SPDX-License-Identifier: MIT */
/* test-result: the answer shape and the exit status → HTTP status map (ARCHITECTURE.md). */
#include "result.h"
#include "tests.h"

static void test_map(void) {
        CHECK_INT(http_status_for_exit(0), 200);
        CHECK_INT(http_status_for_exit(64), 400);
        CHECK_INT(http_status_for_exit(65), 400);
        CHECK_INT(http_status_for_exit(66), 404);
        CHECK_INT(http_status_for_exit(73), 409);
        CHECK_INT(http_status_for_exit(69), 503);
        CHECK_INT(http_status_for_exit(75), 503);
        CHECK_INT(http_status_for_exit(70), 500);
        CHECK_INT(http_status_for_exit(78), 500);
        CHECK_INT(http_status_for_exit(1), 500);
        CHECK_INT(http_status_for_exit(255), 500);
}

static void test_shapes(void) {
        _cleanup_json_ json_t *ok = result_ok(), *err = NULL, *bad_utf8 = NULL, *failed = NULL;
        int status;

        CHECK(json_is_true(json_object_get(ok, "success")));
        CHECK_INT(json_object_size(ok), 1);

        err = result_error("no_such_tenant", "database %s does not exist", "acme");
        CHECK(json_is_false(json_object_get(err, "success")));
        CHECK_STR(json_string_value(json_object_get(err, "error")), "database acme does not exist");
        CHECK_STR(json_string_value(json_object_get(err, "code")), "no_such_tenant");

        /* Client input quoted in a message must not cost us the error itself. */
        bad_utf8 = result_error("bad_request", "field %s", "\xff\xfe");
        CHECK_STR(json_string_value(json_object_get(bad_utf8, "code")), "bad_request");
        CHECK(json_is_string(json_object_get(bad_utf8, "error")));

        status = result_fail(&failed, EXIT_EXISTS, "db_exists", "taken");
        CHECK_INT(status, 73);
        CHECK_STR(json_string_value(json_object_get(failed, "code")), "db_exists");
}

static void test_request_string(void) {
        _cleanup_json_ json_t *r = json_pack("{s:s,s:i,s:n,s:b}", "a", "x", "n", 5, "z", "t", 1);
        int bad = 0;

        CHECK_STR(request_string(r, "a", &bad), "x");
        CHECK_INT(bad, 0);
        CHECK(request_string(r, "missing", &bad) == NULL);
        CHECK(request_string(r, "z", &bad) == NULL);
        CHECK_INT(bad, 0);
        CHECK(request_string(r, "n", &bad) == NULL);
        CHECK_INT(bad, 1);
        bad = 0;
        CHECK(request_string(r, "t", &bad) == NULL);
        CHECK_INT(bad, 1);
        CHECK(request_string(NULL, "a", NULL) == NULL);
}

static void test_request_bool(void) {
        _cleanup_json_ json_t *r = json_pack("{s:b,s:b,s:s,s:s,s:s,s:s,s:s,s:i,s:n}", "t", 1, "f", 0, "s1", "TRUE",
                                             "s0", "0", "yes", "yes", "no", "No", "junk", "maybe", "n", 1, "z");
        int bad = 0;

        CHECK(request_bool(r, "t", false, &bad));
        CHECK(!request_bool(r, "f", true, &bad));
        CHECK(request_bool(r, "s1", false, &bad));
        CHECK(!request_bool(r, "s0", true, &bad));
        CHECK(request_bool(r, "yes", false, &bad));
        CHECK(!request_bool(r, "no", true, &bad));
        CHECK(request_bool(r, "missing", true, &bad));
        CHECK(!request_bool(r, "z", false, &bad));
        CHECK_INT(bad, 0);
        CHECK(request_bool(r, "junk", true, &bad));
        CHECK_INT(bad, 1);
        bad = 0;
        CHECK(!request_bool(r, "n", false, &bad));
        CHECK_INT(bad, 1);
}

static void test_error_set(void) {
        char *e = NULL;

        error_set(&e, "ERROR: %s\nDETAIL:\t%d", "x", 1);
        CHECK_STR(e, "ERROR: x DETAIL: 1");
        error_set(&e, "second");
        CHECK_STR(e, "second");
        free(e);
        error_set(NULL, "ignored");
}

int main(void) {
        test_map();
        test_shapes();
        test_request_string();
        test_request_bool();
        test_error_set();
        return test_exit_status();
}
