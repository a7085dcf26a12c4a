/* json_read: JSON text to a jansson value, json_loadb's answer in a third of its time. */
#ifndef CRM_JSON_READ_H
#define CRM_JSON_READ_H

#include <stddef.h>

#include <jansson.h>

/*
 * json_loadb(text, len, 0, err), the same value or the same error: the
 * common case (an object or array of strings, numbers, literals) is read
 * by json_read_fast, and everything else by jansson itself.  An import
 * reads 700 MB of JSON Lines, where jansson's reader, a function call and a
 * buffer append per character, was half of crmctl's CPU.
 */
json_t *json_read(const char *text, size_t len, json_error_t *err);

/*
 * The value, or NULL when this reader declines: on anything jansson would
 * refuse, and on what it leaves to jansson (integers of more than 18
 * digits, reals that overflow, nesting deeper than 256).  Whatever
 * it accepts, jansson reads as the same value (tests/unit/test_json_read.c
 * compares the two on every input it makes).  json_read's first step; here
 * for the test.
 */
json_t *json_read_fast(const char *text, size_t len);

#endif
