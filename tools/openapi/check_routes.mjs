// check_routes.mjs OPENAPI.json ROUTES.txt: the route table (`crmctl routes`: "METHOD
// /pattern name" a line) and the document's operations are the same set, both ways:
// every route is documented with its method and path, every documented operation is
// routed (except those marked x-served-by: nginx, which nginx serves from files), and
// each operation's operationId is its route's name in camelCase ("customers.by_owner"
// -> customersByOwner), so that neither can be renamed alone.
// Prints "openapi-routes: N passed, M failed"; exits 1 when any failed.
import { readFileSync } from 'node:fs';

const [docPath, routesPath] = process.argv.slice(2);
const doc = JSON.parse(readFileSync(docPath, 'utf8'));
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const camel = (name) => name.replace(/[._]([a-z])/g, (_, c) => c.toUpperCase());

const routes = new Map(); // "GET /crm/customers/{id}" -> route name
for (const line of readFileSync(routesPath, 'utf8').split('\n')) {
	if (line.trim() === '') continue;
	const [method, path, name] = line.trim().split(/\s+/);
	routes.set(`${method} ${path}`, name);
}
const documented = new Map(); // "GET /crm/customers/{id}" -> operation
for (const [path, item] of Object.entries(doc.paths)) {
	for (const m of METHODS) {
		if (item[m] && !item[m]['x-served-by']) documented.set(`${m.toUpperCase()} ${path}`, item[m]);
	}
}

const failures = [];
let passed = 0;
for (const [key, name] of routes) {
	const op = documented.get(key);
	if (!op) failures.push(`route ${key} (${name}) is not in the document`);
	else if (op.operationId !== camel(name))
		failures.push(`${key}: operationId ${op.operationId}, the route is ${name} (expected ${camel(name)})`);
	else passed++;
}
for (const [key, op] of documented) {
	if (!routes.has(key)) failures.push(`the document's ${key} (${op.operationId}) is not in the route table`);
	else passed++;
}
for (const f of failures) console.log(`FAIL ${f}`);
console.log(`openapi-routes: ${passed} passed, ${failures.length} failed`);
process.exit(failures.length === 0 && routes.size > 0 ? 0 : 1);
