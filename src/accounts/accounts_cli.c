/* SPDX-License-Identifier: MIT */
/* `peterental user`: the operator's hands on built-in accounts without a server running.
 *
 *   user add --email E [--first NAME] [--last NAME]   the password is read from stdin
 *   user show (--email E | --id N)
 *   user delete (--email E | --id N)                  erases the tenant and all it owns
 *
 * `add` works with SIGNUP=closed (that is what it is for) and prints the new user as JSON;
 * `show` prints the user as GET /users/me does; `delete` is users_erase, the same as
 * DELETE /users/me. Exit status: 0 done, 1 refused or failed (a sentence on stderr), 2 usage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "accounts/accounts.h"
#include "core/app.h"
#include "core/valid.h"

#define PASSWORD_LINE 1024

static const char usage_text[] =
    "Usage: peterental user add --email E [--first NAME] [--last NAME]  (password on stdin)\n"
    "       peterental user show (--email E | --id N)\n"
    "       peterental user delete (--email E | --id N)\n";

struct user_args {
    const char *email, *first, *last;
    int64_t id;
};

static int parse(int argc, char **argv, struct user_args *u)
{
    static const struct option opts[] = {{"email", required_argument, NULL, 'e'},
                                         {"first", required_argument, NULL, 'f'},
                                         {"last", required_argument, NULL, 'l'},
                                         {"id", required_argument, NULL, 'i'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    char *end = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'e': u->email = optarg; break;
        case 'f': u->first = optarg; break;
        case 'l': u->last = optarg; break;
        case 'i':
            u->id = strtoll(optarg, &end, 10);
            if (!end || *end || u->id < 1) {
                fprintf(stderr, "user: --id must be a user id\n");
                return 2;
            }
            break;
        case 'h': fputs(usage_text, stdout); return -1;
        default: fputs(usage_text, stderr); return 2;
        }
    }
    return 0;
}

/* The password: the first line of stdin, without its newline; false when there is none. */
static bool read_password(char *buf, size_t len)
{
    if (!fgets(buf, (int)len, stdin))
        return false;
    buf[strcspn(buf, "\r\n")] = '\0';
    return buf[0] != '\0';
}

static void print_user(const struct users_user *u)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "user_id", (json_int_t)u->id,
                          "issuer", u->issuer, "subject", u->subject, "email", u->email,
                          "full_name", u->full_name, "created_at", u->created_at,
                          "updated_at", u->updated_at);
    char *s = json_dumps(j, JSON_COMPACT);
    printf("%s\n", s ? s : "{}");
    free(s);
    json_decref(j);
}

/* Prints each problem of v on stderr. */
static void print_problems(const struct vcheck *v)
{
    if (v->type_field[0])
        fprintf(stderr, "user: %s must be %s\n", v->type_field, v->type_want);
    size_t i;
    json_t *j_e;
    json_array_foreach(v->j_errors, i, j_e)
        fprintf(stderr, "user: %s %s\n", json_string_value(json_object_get(j_e, "field")),
                json_string_value(json_object_get(j_e, "message")));
}

static int add(struct app *a, const struct user_args *u)
{
    char password[PASSWORD_LINE];
    struct accounts_signup_in in = {u->email, password, u->first, u->last};
    struct accounts_session s = {0};
    struct vcheck v;
    long retry = 0;
    if (!u->email) {
        fputs(usage_text, stderr);
        return 2;
    }
    if (!read_password(password, sizeof password)) {
        fprintf(stderr, "user: give the password on stdin (one line)\n");
        return 2;
    }
    vcheck_init(&v);
    app_err e = accounts_signup(a, &in, "", &v, &s, &retry);
    sodium_memzero(password, sizeof password);
    if (e == APP_OK)
        print_user(&s.user);
    else if (e == APP_E_VALIDATION)
        print_problems(&v);
    else if (e == APP_E_CONFLICT)
        fprintf(stderr, "user: an account with this email exists\n");
    else
        fprintf(stderr, "user: the account could not be created (%s)\n", app_err_code(e));
    vcheck_cleanup(&v);
    accounts_session_cleanup(&s);
    return e == APP_OK ? 0 : 1;
}

/* The user named by --id or by a built-in account's --email. */
static app_err find(struct app *a, const struct user_args *u, struct users_user *out)
{
    int64_t id = u->id;
    if (!id) {
        app_err e = accounts_user_of(a, u->email, &id);
        if (e != APP_OK)
            return e;
    }
    return users_get(a, id, out);
}

int accounts_cli(struct app *a, int argc, char **argv)
{
    struct user_args u = {0};
    const char *verb = argc > 1 ? argv[1] : "";
    if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    int rc = parse(argc - 1, argv + 1, &u);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if (strcmp(verb, "add") == 0)
        return add(a, &u);
    if ((strcmp(verb, "show") != 0 && strcmp(verb, "delete") != 0) || !(u.email || u.id)) {
        fputs(usage_text, stderr);
        return 2;
    }
    struct users_user user;
    app_err e = find(a, &u, &user);
    if (e == APP_E_NOTFOUND) {
        fprintf(stderr, "user: no such user\n");
        return 1;
    }
    if (e == APP_OK && strcmp(verb, "delete") == 0)
        e = users_erase(a, user.issuer, user.subject);
    if (e != APP_OK) {
        fprintf(stderr, "user: %s failed (%s)\n", verb, app_err_code(e));
        return 1;
    }
    if (strcmp(verb, "show") == 0)
        print_user(&user);
    else
        printf("erased user %lld (%s)\n", (long long)user.id, user.email);
    return 0;
}
