// validate_log.mjs OPENAPI.json LOG.jsonl: every answer the HTTP tests received
// (tests/http/client.c logs them when CRM_TEST_HTTP_LOG is set) checked against
// the document: the operation is found from the method and path, the status
// must be one the operation documents (an undocumented status fails), the
// body must validate against the schema of the answer's media type for that
// status (ajv, JSON Schema 2020-12), a 204/304/HEAD answer has no body, and
// every documented header is there when required and valid when present.
// A path or method the document does not have is checked against the
// document's x-unrouted-responses (404, 405 with Allow, ...).
// Prints one line per failure (at most 40) and a closing
// "openapi-responses: N passed, M failed" line; exits 1 when any failed.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [docPath, logPath] = process.argv.slice(2);
if (!docPath || !logPath) {
	console.error('usage: node validate_log.mjs OPENAPI.json LOG.jsonl');
	process.exit(2);
}
const doc = JSON.parse(readFileSync(docPath, 'utf8'));
const BASE = '/api/v1'; // the path prefix the document's server "/api/v1" stands for

// The whole document is one schema resource, so that "#/components/schemas/X"
// inside any schema resolves as it does in the document.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
ajv.addSchema({ ...doc, $id: 'api' });
const compiled = new Map();
function validatorAt(pointer) {
	if (!compiled.has(pointer)) compiled.set(pointer, ajv.getSchema(`api#${pointer}`));
	return compiled.get(pointer);
}
const esc = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');
// Follows a $ref within the document; returns [object, its JSON pointer].
function deref(obj, pointer) {
	while (obj && obj.$ref) {
		pointer = obj.$ref.slice(1);
		obj = pointer.split('/').slice(1).reduce((o, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
	}
	return [obj, pointer];
}

// Path templates, literal segments before parameters (as the route table orders them).
const templates = Object.keys(doc.paths).map((p) => ({ path: p, segs: p.split('/').slice(1) }));
function decodeSeg(s) {
	try {
		return decodeURIComponent(s);
	} catch {
		return null;
	}
}
function findPath(rawPath) {
	const segs = rawPath.split('/').slice(1).map(decodeSeg);
	let best = null;
	let bestLiterals = -1;
	for (const t of templates) {
		if (t.segs.length !== segs.length) continue;
		let ok = true;
		let literals = 0;
		for (let i = 0; i < segs.length && ok; i++) {
			const param = /^\{.+\}$/.test(t.segs[i]);
			if (param) ok = segs[i] !== null && segs[i] !== '';
			else ok = segs[i] === t.segs[i] && ++literals > 0;
		}
		if (ok && literals > bestLiterals) {
			best = t.path;
			bestLiterals = literals;
		}
	}
	return best;
}

function parseHeaders(block) {
	const h = new Map();
	for (const line of block.split(/\r?\n/).slice(1)) {
		const i = line.indexOf(':');
		if (i <= 0) continue;
		const name = line.slice(0, i).trim().toLowerCase();
		const value = line.slice(i + 1).trim();
		h.set(name, h.has(name) ? `${h.get(name)}, ${value}` : value);
	}
	return h;
}

const failures = [];
let passed = 0;
const seen = new Map(); // "operationId status" -> count
const lines = readFileSync(logPath, 'utf8').split('\n').filter((l) => l.length > 0);
for (const line of lines) {
	const x = JSON.parse(line);
	const url = Buffer.from(x.url, 'base64').toString('latin1');
	const headers = parseHeaders(Buffer.from(x.headers, 'base64').toString('latin1'));
	let body = Buffer.from(x.body, 'base64');
	const where = `${x.method} ${url} -> ${x.status}`;
	const problems = [];
	const fail = (why) => problems.push(why);

	const u = new URL(url);
	const at = u.pathname.indexOf(`${BASE}/`);
	const rawPath = at >= 0 ? u.pathname.slice(at + BASE.length) : null;
	const path = rawPath === null ? null : findPath(rawPath);
	const method = x.method === 'HEAD' ? 'get' : x.method.toLowerCase();
	let responses;
	let responsesPtr;
	let opName;
	if (path !== null && doc.paths[path][method]) {
		responses = doc.paths[path][method].responses;
		responsesPtr = `/paths/${esc(path)}/${method}/responses`;
		opName = doc.paths[path][method].operationId;
	} else {
		responses = doc['x-unrouted-responses'];
		responsesPtr = '/x-unrouted-responses';
		opName = path === null ? '(no such path)' : `(${x.method} not on ${path})`;
	}
	const entry = responses[String(x.status)];
	if (!entry) {
		fail(`status ${x.status} is not documented for ${opName}`);
	} else {
		seen.set(`${opName} ${x.status}`, (seen.get(`${opName} ${x.status}`) || 0) + 1);
		const [resp, respPtr] = deref(entry, `${responsesPtr}/${x.status}`);
		for (const [name, h] of Object.entries(resp.headers || {})) {
			const [hdr, hdrPtr] = deref(h, `${respPtr}/headers/${esc(name)}`);
			const value = headers.get(name.toLowerCase());
			if (value === undefined) {
				if (hdr.required) fail(`required header ${name} is missing`);
				continue;
			}
			const v = validatorAt(`${hdrPtr}/schema`);
			if (!v(value)) fail(`header ${name}: ${JSON.stringify(value)} ${ajv.errorsText(v.errors)}`);
		}
		const noBody = x.status === 204 || x.status === 304 || x.method === 'HEAD';
		if (noBody) {
			if (body.length > 0) fail(`a ${x.status} to ${x.method} has a body`);
		} else if (!resp.content) {
			if (body.length > 0) fail('a body where the document has none');
		} else {
			const type = (headers.get('content-type') || '').split(';')[0].trim().toLowerCase();
			const media = resp.content[type];
			if (!media) {
				fail(`Content-Type ${type || '(none)'} is not documented (${Object.keys(resp.content).join(', ')})`);
			} else if (type.endsWith('json')) {
				if ((headers.get('content-encoding') || '') === 'gzip') body = gunzipSync(body);
				let value;
				try {
					value = JSON.parse(body.toString('utf8'));
				} catch {
					fail('the body is not JSON');
				}
				if (value !== undefined) {
					const v = validatorAt(`${respPtr}/content/${esc(type)}/schema`);
					if (!v(value)) fail(`body: ${ajv.errorsText(v.errors, { separator: '; ' }).slice(0, 400)}`);
				}
			}
		}
	}
	if (problems.length === 0) passed++;
	else failures.push(`${where}: ${problems.join('; ')}`);
}

for (const f of failures.slice(0, 40)) console.log(`FAIL ${f}`);
if (failures.length > 40) console.log(`... and ${failures.length - 40} more`);
const ops = new Set([...seen.keys()].map((k) => k.split(' ')[0]));
console.log(`openapi-responses: ${ops.size} operations seen, ${seen.size} (operation, status) pairs`);
console.log(`openapi-responses: ${passed} passed, ${failures.length} failed`);
process.exit(failures.length === 0 && lines.length > 0 ? 0 : 1);
