/* doc_edit: a change applied to a stored document's text, re-writing only the members it touches. */
#ifndef CRM_DOC_EDIT_H
#define CRM_DOC_EDIT_H

#include <stddef.h>

#include <jansson.h>

#include "model/change.h"

/*
 * Applies ch (any kind but CHANGE_MERGE_PATCH) to doc, a stored customer
 * document of len bytes as customer_split wrote it, without parsing the
 * whole of it: the members the change and customer_keys read are parsed
 * into a small object, change_apply edits that, and only their values are
 * written back into the text (an event is appended to the events array as
 * it stands).  The bytes are those a parse of the whole document,
 * change_apply and a dump with DOC_DUMP_FLAGS give (tests/unit says so for
 * every kind).  0 with *result change_apply's (msg as it writes it); on
 * CHANGE_APPLIED *edited is the new document (malloc'd).  *keys (json_decref
 * it): those members after the change, for customer_keys and the owner.
 * -1 when doc is not an object this can edit (a key with an escape, one of
 * those members twice, events not an array): the caller parses it whole.
 */
int doc_edit(const char *doc, size_t len, const struct change *ch, char *msg, size_t msglen,
             enum change_result *result, char **edited, json_t **keys);

#endif
