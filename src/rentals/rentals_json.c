/* SPDX-License-Identifier: MIT */
/* The rental and source structs' life cycle and their SPEC §5 JSON shapes. */
#include <stdlib.h>
#include <string.h>

#include "rentals/rentals.h"

void rental_init(struct rental *r)
{
    memset(r, 0, sizeof *r);
    r->available = true;
}

void rental_cleanup(struct rental *r)
{
    char **strs[] = {&r->website, &r->source_url, &r->rental_id, &r->address, &r->unit,
                     &r->city, &r->state, &r->zip, &r->property_type, &r->available_date,
                     &r->description, &r->contact_info, &r->source_type, &r->scraped_at,
                     &r->created_at, &r->updated_at};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    json_decref(r->j_amenities);
    json_decref(r->j_images);
    json_decref(r->j_extra);
    memset(r, 0, sizeof *r);
}

void rental_set_str(char **dst, const char *src)
{
    char *copy = src ? strdup(src) : NULL;
    free(*dst);
    *dst = copy;
}

void rental_list_cleanup(struct rental_list *l)
{
    for (int i = 0; i < l->n; i++)
        rental_cleanup(&l->items[i]);
    free(l->items);
    free(l->days);
    memset(l, 0, sizeof *l);
}

void rental_source_cleanup(struct rental_source *s)
{
    free(s->website);
    free(s->url);
    free(s->last_scraped_at);
    free(s->last_status);
    free(s->last_error);
    free(s->created_at);
    memset(s, 0, sizeof *s);
}

void rental_source_list_cleanup(struct rental_source_list *l)
{
    for (int i = 0; i < l->n; i++)
        rental_source_cleanup(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

void rental_stats_cleanup(struct rental_stats *s)
{
    for (int i = 0; i < s->nsites; i++) {
        free(s->sites[i].website);
        free(s->sites[i].last_scraped);
    }
    free(s->sites);
    free(s->last_updated);
    memset(s, 0, sizeof *s);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *list_or_empty(const json_t *j)
{
    return json_is_array(j) ? json_deep_copy(j) : json_array();
}

json_t *rentals_to_json(const struct rental *r)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(r->id));
    json_object_set_new(j, "user_id", json_integer(r->user_id));
    json_object_set_new(j, "property_address", str_or_null(r->address));
    json_object_set_new(j, "unit", str_or_null(r->unit));
    json_object_set_new(j, "city", str_or_null(r->city));
    json_object_set_new(j, "state", str_or_null(r->state));
    json_object_set_new(j, "zip", str_or_null(r->zip));
    json_object_set_new(j, "price", r->has_price ? json_real(r->price) : json_null());
    json_object_set_new(j, "bedrooms", r->has_bedrooms ? json_integer(r->bedrooms) : json_null());
    json_object_set_new(j, "bathrooms", r->has_bathrooms ? json_real(r->bathrooms) : json_null());
    json_object_set_new(j, "square_feet",
                        r->has_square_feet ? json_integer(r->square_feet) : json_null());
    json_object_set_new(j, "property_type", str_or_null(r->property_type));
    json_object_set_new(j, "available_date", str_or_null(r->available_date));
    json_object_set_new(j, "available", json_boolean(r->available));
    json_object_set_new(j, "description", str_or_null(r->description));
    json_object_set_new(j, "contact_info", str_or_null(r->contact_info));
    json_object_set_new(j, "amenities", list_or_empty(r->j_amenities));
    json_object_set_new(j, "images", list_or_empty(r->j_images));
    json_object_set_new(j, "website", str_or_null(r->website));
    json_object_set_new(j, "url", str_or_null(r->source_url));
    json_object_set_new(j, "source_type", str_or_null(r->source_type));
    json_object_set_new(j, "created_at", str_or_null(r->created_at));
    json_object_set_new(j, "updated_at", str_or_null(r->updated_at));
    json_object_set_new(j, "scraped_at", str_or_null(r->scraped_at));
    return j;
}

json_t *rentals_source_to_json(const struct rental_source *s)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(s->id));
    json_object_set_new(j, "website", str_or_null(s->website));
    json_object_set_new(j, "url", str_or_null(s->url));
    json_object_set_new(j, "is_active", json_boolean(s->is_active));
    json_object_set_new(j, "last_scraped_at", str_or_null(s->last_scraped_at));
    json_object_set_new(j, "last_status", str_or_null(s->last_status));
    json_object_set_new(j, "last_error", str_or_null(s->last_error));
    json_object_set_new(j, "rental_count", json_integer(s->rental_count));
    json_object_set_new(j, "created_at", str_or_null(s->created_at));
    return j;
}
