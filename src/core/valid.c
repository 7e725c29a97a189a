/* SPDX-License-Identifier: MIT */
/* JSON field checking: wrong types are a 400 naming the first field; rule failures are
 * collected and answered together as one 422. */
#include "core/valid.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void vcheck_init(struct vcheck *v)
{
    v->type_field[0] = '\0';
    v->type_want = NULL;
    v->j_errors = json_array();
}

void vcheck_cleanup(struct vcheck *v)
{
    json_decref(v->j_errors);
    v->j_errors = NULL;
}

void vcheck_fail(struct vcheck *v, const char *field, const char *message)
{
    json_array_append_new(v->j_errors,
                          json_pack("{s:s, s:s}", "field", field, "message", message));
}

bool vcheck_ok(const struct vcheck *v)
{
    return v->type_field[0] == '\0' && json_array_size(v->j_errors) == 0;
}

void vcheck_wrong_type(struct vcheck *v, const char *key, const char *want)
{
    if (v->type_field[0])
        return;
    snprintf(v->type_field, sizeof v->type_field, "%s", key);
    v->type_want = want;
}

static const json_t *present(const json_t *obj, const char *key)
{
    const json_t *j = json_object_get(obj, key);
    return (j && !json_is_null(j)) ? j : NULL;
}

bool vget_str(struct vcheck *v, const json_t *obj, const char *key, const char **out)
{
    const json_t *j = present(obj, key);
    if (!j)
        return false;
    if (!json_is_string(j)) {
        vcheck_wrong_type(v, key, "a string");
        return false;
    }
    *out = json_string_value(j);
    return true;
}

bool vget_int(struct vcheck *v, const json_t *obj, const char *key, int64_t *out)
{
    const json_t *j = present(obj, key);
    if (!j)
        return false;
    if (json_is_integer(j)) {
        *out = (int64_t)json_integer_value(j);
        return true;
    }
    /* 2.0 is an integer to a person */
    if (json_is_real(j)) {
        double d = json_real_value(j);
        if (d == floor(d) && fabs(d) < 9e15) {
            *out = (int64_t)d;
            return true;
        }
    }
    vcheck_wrong_type(v, key, "an integer");
    return false;
}

bool vget_num(struct vcheck *v, const json_t *obj, const char *key, double *out)
{
    const json_t *j = present(obj, key);
    if (!j)
        return false;
    if (!json_is_number(j)) {
        vcheck_wrong_type(v, key, "a number");
        return false;
    }
    *out = json_number_value(j);
    return true;
}

bool vget_bool(struct vcheck *v, const json_t *obj, const char *key, bool *out)
{
    const json_t *j = present(obj, key);
    if (!j)
        return false;
    if (!json_is_boolean(j)) {
        vcheck_wrong_type(v, key, "true or false");
        return false;
    }
    *out = json_is_true(j);
    return true;
}

bool vhas_null(const json_t *obj, const char *key)
{
    const json_t *j = json_object_get(obj, key);
    return j && json_is_null(j);
}
