/* customer_ids: UUIDv7 ids for a customer's nested items that came without one. */
#ifndef CRM_CUSTOMER_IDS_H
#define CRM_CUSTOMER_IDS_H

#include <jansson.h>

/*
 * Gives billingAddress and each element of contacts and deliveryAddresses
 * of a canonical customer (ids of absent items are null) a new UUIDv7 id
 * where theirs is null.  0, or -1 when out of memory or the clock fails.
 */
int customer_give_ids(json_t *customer);

#endif
