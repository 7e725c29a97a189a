/* SPDX-License-Identifier: MIT */
/* `peterental fetch URL` (src/outbound/outbound_cli.c and its wiring in main.c): the report
 * function against the local stand-in (a good URL, a 500, a refused metadata address, usage
 * errors), then the real binary ($PETE_BIN) the way an operator runs it: exit 0 with the
 * facts for a good URL under SCRAPE_ALLOW_PRIVATE=true, non-zero with the refusal for
 * http://169.254.169.254/. */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "outbound/outbound.h"
#include "test_outbound_standin.h"

static struct standin sv;
static char *tmp_dir;

static int group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    tmp_dir = tu_tempdir();
    return standin_start(&sv, NULL, NULL) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    standin_stop(&sv);
    tu_rmtree(tmp_dir);
    free(tmp_dir);
    curl_global_cleanup();
    return 0;
}

/* The whole content of a stream written so far (the caller frees it). */
static char *slurp(FILE *f)
{
    fflush(f);
    long n = ftell(f);
    assert_true(n >= 0);
    char *s = calloc(1, (size_t)n + 1);
    assert_non_null(s);
    rewind(f);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    return s;
}

/* Runs outbound_cli_main on argv; *out_text and *err_text receive what it printed. */
static int run_main(const struct outbound_setup *s, int argc, char **argv, char **out_text,
                    char **err_text)
{
    FILE *out = tmpfile(), *err = tmpfile();
    assert_non_null(out);
    assert_non_null(err);
    int rc = outbound_cli_main(s, argc, argv, out, err);
    *out_text = slurp(out);
    *err_text = slurp(err);
    fclose(out);
    fclose(err);
    return rc;
}

static void test_report_good_url(void **state)
{
    (void)state;
    char url[96], want[128];
    char *out = NULL, *err = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/redirect?to=/json", sv.port);
    char *argv[] = {"fetch", url, NULL};
    struct outbound_setup s = {.allow_private = true};
    assert_int_equal(run_main(&s, 2, argv, &out, &err), 0);
    assert_non_null(strstr(out, "status:     200\n"));
    snprintf(want, sizeof want, "final URL:  http://127.0.0.1:%d/json\n", sv.port);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "connected:  127.0.0.1\n"));
    assert_non_null(strstr(out, "redirects:  1\n"));
    assert_non_null(strstr(out, "bytes:      "));
    assert_non_null(strstr(out, "time:       "));
    assert_string_equal(err, "");
    free(out);
    free(err);
}

static void test_report_failures(void **state)
{
    (void)state;
    char url[96];
    char *out = NULL, *err = NULL;
    struct outbound_setup open = {.allow_private = true}, closed = {0};
    /* an HTTP error status is a failure */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/status?code=500", sv.port);
    char *argv[] = {"fetch", url, NULL};
    assert_int_equal(run_main(&open, 2, argv, &out, &err), 1);
    assert_non_null(strstr(out, "status:     500\n"));
    assert_non_null(strstr(err, "HTTP 500"));
    free(out);
    free(err);
    /* the guard's refusal, named */
    char meta[] = "http://169.254.169.254/";
    char *argv2[] = {"fetch", meta, NULL};
    assert_int_equal(run_main(&closed, 2, argv2, &out, &err), 1);
    assert_non_null(strstr(err, "refused: 169.254.169.254 is link-local (cloud metadata)"));
    assert_non_null(strstr(err, "SCRAPE_ALLOW_PRIVATE"));
    free(out);
    free(err);
    /* a timeout, with --timeout */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/delay?s=5", sv.port);
    char *argv3[] = {"fetch", "--timeout", "500", url, NULL};
    assert_int_equal(run_main(&open, 4, argv3, &out, &err), 1);
    assert_non_null(strstr(err, "fetch failed (timeout)"));
    free(out);
    free(err);
}

static void test_usage(void **state)
{
    (void)state;
    char *out = NULL, *err = NULL;
    char *none[] = {"fetch", NULL};
    assert_int_equal(run_main(NULL, 1, none, &out, &err), 2);
    assert_non_null(strstr(err, "Usage: peterental fetch"));
    free(out);
    free(err);
    char *bad_timeout[] = {"fetch", "--timeout", "soon", "http://x/", NULL};
    assert_int_equal(run_main(NULL, 4, bad_timeout, &out, &err), 2);
    assert_non_null(strstr(err, "--timeout"));
    free(out);
    free(err);
    char *help[] = {"fetch", "--help", NULL};
    assert_int_equal(run_main(NULL, 2, help, &out, &err), 0);
    assert_non_null(strstr(out, "Usage: peterental fetch"));
    free(out);
    free(err);
}

/* Runs $PETE_BIN fetch url (with SCRAPE_ALLOW_PRIVATE=allow); returns its exit status. */
static int run_binary(const char *url, const char *allow, char **out_text, char **err_text)
{
    const char *bin = getenv("PETE_BIN");
    char out_path[600], err_path[600];
    assert_non_null(bin);
    snprintf(out_path, sizeof out_path, "%s/out", tmp_dir);
    snprintf(err_path, sizeof err_path, "%s/err", tmp_dir);
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(o, 1);
        dup2(e, 2);
        setenv("SCRAPE_ALLOW_PRIVATE", allow, 1);
        setenv("DATA_DIR", tmp_dir, 1);
        execl(bin, bin, "fetch", url, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    FILE *f = fopen(out_path, "r");
    fseek(f, 0, SEEK_END);
    *out_text = slurp(f);
    fclose(f);
    f = fopen(err_path, "r");
    fseek(f, 0, SEEK_END);
    *err_text = slurp(f);
    fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_binary(void **state)
{
    (void)state;
    char url[96], want[128];
    char *out = NULL, *err = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/json", sv.port);
    assert_int_equal(run_binary(url, "true", &out, &err), 0);
    assert_non_null(strstr(out, "status:     200\n"));
    snprintf(want, sizeof want, "final URL:  %s\n", url);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "connected:  127.0.0.1\n"));
    assert_non_null(strstr(out, "bytes:      "));
    free(out);
    free(err);
    /* the same URL without the lift is refused */
    assert_int_equal(run_binary(url, "false", &out, &err), 1);
    assert_non_null(strstr(err, "refused: 127.0.0.1 is loopback"));
    free(out);
    free(err);
    assert_int_equal(run_binary("http://169.254.169.254/", "false", &out, &err), 1);
    assert_non_null(strstr(err, "refused: 169.254.169.254 is link-local (cloud metadata)"));
    free(out);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_good_url),
        cmocka_unit_test(test_report_failures),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_binary),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
