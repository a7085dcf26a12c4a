/* customer_ids: UUIDv7 ids for a customer's nested items that came without one. */
#include "model/customer_ids.h"

#include "lib/uuid7.h"

/* Gives v (an object, or anything else: left alone) a UUIDv7 id when its id is null. */
static int give_id(json_t *v)
{
	char id[UUID7_STR_SIZE];
	if (!json_is_object(v) || !json_is_null(json_object_get(v, "id")))
		return 0;
	if (uuid7_generate(id) != 0)
		return -1;
	return json_object_set_new(v, "id", json_string(id));
}

int customer_give_ids(json_t *customer)
{
	static const char *const lists[] = {"contacts", "deliveryAddresses"};
	int rc = give_id(json_object_get(customer, "billingAddress"));
	for (size_t l = 0; rc == 0 && l < sizeof(lists) / sizeof(lists[0]); l++) {
		size_t i;
		json_t *v;
		json_array_foreach (json_object_get(customer, lists[l]), i, v)
			rc |= give_id(v);
	}
	return rc ? -1 : 0;
}
