/* SPDX-License-Identifier: MIT */
/* Input checking for JSON bodies. Two classes, as SPEC §5 wants:
 *  - a field of the wrong JSON type is a 400 naming the field (first one wins);
 *  - a well-typed value that fails a rule is a 422; all such problems are listed.
 * Usage: vcheck_init, the getters, then http_reply_vcheck (core/http.h) to answer. */
#ifndef PETE_CORE_VALID_H
#define PETE_CORE_VALID_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>


struct vcheck {
    char type_field[96]; /* first field with a wrong type, "" when none */
    const char *type_want;
    json_t *j_errors; /* array of {field, message} */
};

void vcheck_init(struct vcheck *v);
void vcheck_cleanup(struct vcheck *v);
/* Records a rule failure (422). */
void vcheck_fail(struct vcheck *v, const char *field, const char *message);
bool vcheck_ok(const struct vcheck *v);

/* Records key as a field of the wrong JSON type (400; the first one recorded wins), for
 * shapes the getters below do not cover (a list of strings). want reads "a list of strings"
 * and ends the message "Field 'key' must be <want>."; it must be a string literal. */
void vcheck_wrong_type(struct vcheck *v, const char *key, const char *want);

/* Getters: return true when the key is present and not null and of the right type
 * (then *out is set); false when absent or null. A wrong type is recorded.
 * Strings are borrowed from obj. */
bool vget_str(struct vcheck *v, const json_t *obj, const char *key, const char **out);
bool vget_int(struct vcheck *v, const json_t *obj, const char *key, int64_t *out);
bool vget_num(struct vcheck *v, const json_t *obj, const char *key, double *out);
bool vget_bool(struct vcheck *v, const json_t *obj, const char *key, bool *out);
/* Present-and-null test for PATCH semantics. */
bool vhas_null(const json_t *obj, const char *key);

#endif
