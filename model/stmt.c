/* stmt: the SQL table.  Column lists are written once here; readers index them by position. */
#include "model/stmt.h"

#define LIST_COLS "doc, list_extra"
#define LIST_BY(col)                                                                               \
	"SELECT " LIST_COLS ", sort_name, id FROM customers"                                       \
	" WHERE tenant_id = ? AND " col " = ? AND sort_name >= ? AND (sort_name > ? OR id > ?)"    \
	" ORDER BY sort_name, id LIMIT ?"

const struct stmt_def stmt_table[STMT__MAX] = {
        [STMT_CUSTOMER_GET_ENRICHED] =
                {"SELECT c.doc, u.id, u.username, u.display_name, c.enriched_extra FROM customers c"
                 " LEFT JOIN users u ON u.tenant_id = c.tenant_id AND u.id = c.owner_id"
                 " WHERE c.tenant_id = ? AND c.id = ?",
                 2, 5},
        [STMT_CUSTOMER_REFRESH_ENRICHED] = {ENRICHED_REFRESH_SQL " WHERE c.tenant_id = ?", 1, 0},
        [STMT_CUSTOMER_LIST_BY_OWNER] = {LIST_BY("owner_id"), 6, 4},
        [STMT_CUSTOMER_LIST_BY_STATUS] = {LIST_BY("crm_status"), 6, 4},
        [STMT_CUSTOMER_LIST_OVERDUE] =
                {"SELECT " LIST_COLS ", overdue_key, id FROM customers"
                 " WHERE tenant_id = ? AND overdue_key < ? AND overdue_key >= ?"
                 " AND (overdue_key > ? OR id > ?) ORDER BY overdue_key, id LIMIT ?",
                 6, 4},
        [STMT_CUSTOMER_LOCK] =
                {"SELECT doc, list_extra FROM customers WHERE tenant_id = ? AND id = ? FOR UPDATE",
                 2, 2},
        [STMT_CUSTOMER_UPDATE] = {"UPDATE customers SET sort_name = ?, owner_id = ?, crm_status = "
                                  "?, overdue_key = ?,"
                                  " doc = ? WHERE tenant_id = ? AND id = ?",
                                  7, 0},
        [STMT_USER_GET_ACTIVE] =
                {"SELECT id FROM users WHERE tenant_id = ? AND id = ? AND active = 1", 2, 1},
        [STMT_USER_UPSERT] = {"INSERT INTO users (tenant_id, id, username, display_name, active) "
                              "VALUES (?, ?, ?, ?, ?)"
                              " ON DUPLICATE KEY UPDATE username = VALUES(username),"
                              " display_name = VALUES(display_name), active = VALUES(active)",
                              5, 0},
        [STMT_CUSTOMER_UPSERT] =
                {"INSERT INTO customers (tenant_id, id, sort_name, owner_id, crm_status,"
                 " overdue_key, doc, list_extra, enriched_extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                 " ',\"opportunities\":[],\"recentActivities\":[]')"
                 " ON DUPLICATE KEY UPDATE sort_name = VALUES(sort_name), owner_id = "
                 "VALUES(owner_id),"
                 " crm_status = VALUES(crm_status), overdue_key = VALUES(overdue_key),"
                 " doc = VALUES(doc), list_extra = VALUES(list_extra)",
                 8, 0},
        [STMT_OPPORTUNITY_UPSERT] =
                {"INSERT INTO opportunities (tenant_id, id, customer_id, created_key, doc)"
                 " VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE customer_id = "
                 "VALUES(customer_id),"
                 " created_key = VALUES(created_key), doc = VALUES(doc)",
                 5, 0},
        [STMT_ACTIVITY_UPSERT] =
                {"INSERT INTO activities (tenant_id, id, customer_id, recent_key, doc)"
                 " VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE customer_id = "
                 "VALUES(customer_id),"
                 " recent_key = VALUES(recent_key), doc = VALUES(doc)",
                 5, 0},
};
