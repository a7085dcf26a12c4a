// client_session.ts: a scripted session of a client generated from the API document
// (@hey-api/openapi-ts, `make` generates it into BUILD/openapi/session/client) against the
// test service, as a client developer would write it.  If the document and the service
// disagree (a path, a parameter, a body, a status, a header), a step fails here.
//
// Steps: a 401; create (three customers); read with its ETag; walk a list's pages by its
// Link headers; each of the six changes; a merge patch with If-Match; a 412 with a stale
// tag; an Idempotency-Key replayed; a 404.  Ends with "client-session: N passed, M failed".
//
// Environment (scripts/test.sh): CRM_TEST_BASE_URL, CRM_TEST_CRMCTL, CRM_TEST_CONF.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

import { client } from './client/client.gen';
import {
	customersAddTag,
	customersByOwner,
	customersClearOwner,
	customersCreate,
	customersGet,
	customersMy,
	customersPatch,
	customersRemoveTag,
	customersSetNextAction,
	customersSetOwner,
	customersSetStatus,
} from './client/index';
import type { EnrichedCustomer } from './client/index';

function env(name: string): string {
	const v = process.env[name];
	if (!v) throw new Error(`${name} is not set (run through scripts/test.sh)`);
	return v;
}

const crmctl = (...args: string[]): string =>
	execFileSync(env('CRM_TEST_CRMCTL'), ['-c', env('CRM_TEST_CONF'), ...args], { encoding: 'utf8' }).trim();

// A tenant of its own, so that the lists hold exactly what this session made.
const tenant = `t-client-${process.pid}`;
const me = `${tenant}-u1`;
const colleague = `${tenant}-u2`;
crmctl('user', 'add', '--tenant', tenant, '--id', me, '--username', 'me', '--name', 'Me');
crmctl('user', 'add', '--tenant', tenant, '--id', colleague, '--username', 'colleague', '--name', 'A Colleague');
const token = crmctl('token', '--sub', me, '--tenant', tenant, '--scope', 'crm:read crm:write', '--ttl', '600');

client.setConfig({ baseUrl: env('CRM_TEST_BASE_URL'), auth: () => token });

let passed = 0;
let failed = 0;
async function step(name: string, run: () => Promise<void>): Promise<void> {
	try {
		await run();
		passed++;
		console.log(`  ok   ${name}`);
	} catch (e) {
		failed++;
		console.log(`  FAIL ${name}: ${e instanceof Error ? e.message : String(e)}`);
	}
}
function expect(cond: boolean, what: string): void {
	if (!cond) throw new Error(what);
}
function expectStatus(response: Response | undefined, status: number): void {
	expect(response !== undefined, 'no response');
	expect(response!.status === status, `status ${response!.status}, expected ${status}`);
}
// The next page's query from a Link header (`</api/v1/...?limit=1&cursor=...>; rel="next"`).
function nextQuery(link: string | null): { limit?: number; cursor?: string } | null {
	const m = link === null ? null : /^<([^>]+)>; rel="next"$/.exec(link);
	if (m === null) return null;
	const q = new URL(m[1], 'http://x').searchParams;
	return { limit: Number(q.get('limit')), cursor: q.get('cursor') ?? undefined };
}

let first: EnrichedCustomer | undefined;
let etag = '';

async function main(): Promise<void> {
	await step('a request without a token is a 401 with WWW-Authenticate', async () => {
		const { error, response } = await customersMy({ auth: () => undefined });
		expectStatus(response, 401);
		expect(response.headers.get('WWW-Authenticate')?.startsWith('Bearer') === true, 'WWW-Authenticate');
		expect(error !== undefined && 'title' in error && 'detail' in error, 'the error shape');
	});

	await step('create three customers (201, Location, ETag)', async () => {
		for (const name of ['Alpha BV', 'Beta BV', 'Gamma BV']) {
			const { data, response } = await customersCreate({
				body: { name, type: 'COMPANY', ownerId: me, contacts: [{ firstName: 'Anna', email: 'anna@example.com' }] },
			});
			expectStatus(response, 201);
			expect(response.headers.get('Location')?.endsWith(`/crm/customers/${data!.id}`) === true, 'Location');
			expect(data!.events.length === 1 && data!.events[0].type === 'CREATE', 'one CREATE event');
			first ??= data;
		}
	});

	await step('read the customer with its ETag', async () => {
		const { data, response } = await customersGet({ path: { id: first!.id } });
		expectStatus(response, 200);
		expect(data!.name === 'Alpha BV' && data!.owner?.id === me, 'the body');
		etag = response.headers.get('ETag') ?? '';
		expect(etag.length > 0, 'no ETag');
	});

	await step("walk a list's pages by their Link headers", async () => {
		const names: string[] = [];
		let query: { limit?: number; cursor?: string } | null = { limit: 1 };
		for (let pages = 0; query !== null && pages < 10; pages++) {
			const { data, response } = await customersByOwner({ path: { ownerId: me }, query });
			expectStatus(response, 200);
			names.push(...data!.map((c) => c.name ?? ''));
			query = nextQuery(response.headers.get('Link'));
		}
		expect(names.join() === 'Alpha BV,Beta BV,Gamma BV', `pages gave ${names.join()}`);
	});

	const id = (): { id: string } => ({ id: first!.id });
	await step('change 1: crm-status LEAD -> PROSPECT', async () => {
		const { data, response } = await customersSetStatus({ path: id(), body: { crmStatus: 'PROSPECT' } });
		expectStatus(response, 200);
		expect(data!.crmStatus === 'PROSPECT', 'status');
	});
	await step('change 2: next action with a due date', async () => {
		const { data, response } = await customersSetNextAction({
			path: id(),
			body: { nextAction: 'Call back', nextActionDueDate: '2030-01-02T10:00:00+01:00' },
		});
		expectStatus(response, 200);
		expect(data!.nextAction === 'Call back' && data!.nextActionDueDate === '2030-01-02T09:00:00Z', 'next action');
	});
	await step('change 3: assign an owner', async () => {
		const { data, response } = await customersSetOwner({ path: { ...id(), ownerId: colleague } });
		expectStatus(response, 200);
		expect(data!.ownerId === colleague && data!.owner?.displayName === 'A Colleague', 'owner');
	});
	await step('change 4: remove the owner', async () => {
		const { data, response } = await customersClearOwner({ path: id() });
		expectStatus(response, 200);
		expect(data!.ownerId === null && data!.owner === null, 'no owner');
	});
	await step('change 5: add a tag (with a "/" in it)', async () => {
		const { data, response } = await customersAddTag({ path: { ...id(), tag: 'vip/gold' } });
		expectStatus(response, 200);
		expect(data!.tags.includes('vip/gold'), `tags ${data!.tags.join()}`);
	});
	await step('change 6: remove the tag, whatever its case', async () => {
		const { data, response } = await customersRemoveTag({ path: { ...id(), tag: 'VIP/Gold' } });
		expectStatus(response, 200);
		expect(data!.tags.length === 0, 'tags left');
		expect(data!.events.length === 7, `${data!.events.length} events, expected 7`);
		// the tag of the customer as it is now; a change answers with the plain (not gzip)
		// representation's tag, which is what If-Match compares with
		etag = response.headers.get('ETag') ?? '';
	});

	await step('merge patch with If-Match: the current ETag', async () => {
		const { data, response } = await customersPatch({
			path: id(),
			headers: { 'If-Match': etag },
			body: { email: 'info@alpha.example', phone: null },
		});
		expectStatus(response, 200);
		expect(data!.email === 'info@alpha.example', 'email');
		expect(response.headers.get('ETag') !== etag, 'the ETag did not change');
	});
	await step('the old ETag now gets a 412, and nothing changes', async () => {
		const { error, response } = await customersPatch({ path: id(), headers: { 'If-Match': etag }, body: { email: 'x@y.example' } });
		expectStatus(response, 412);
		expect(error !== undefined && 'detail' in error, 'the error shape');
		const { data } = await customersGet({ path: id() });
		expect(data!.email === 'info@alpha.example', 'changed anyway');
	});

	await step('a retried create with the same Idempotency-Key is replayed', async () => {
		const key = randomUUID();
		const body = { name: 'Delta BV', type: 'COMPANY' as const };
		const a = await customersCreate({ body, headers: { 'Idempotency-Key': key } });
		const b = await customersCreate({ body, headers: { 'Idempotency-Key': key } });
		expectStatus(a.response, 201);
		expectStatus(b.response, 201);
		expect(b.response.headers.get('Idempotent-Replayed') === 'true', 'Idempotent-Replayed');
		expect(a.response.headers.get('Idempotent-Replayed') === null, 'the first answer is marked replayed');
		expect(a.data!.id === b.data!.id, 'two customers');
	});

	await step('an unknown customer is a 404', async () => {
		const { error, response } = await customersGet({ path: { id: 'no-such-customer' } });
		expectStatus(response, 404);
		expect(error !== undefined && 'detail' in error, 'the error shape');
	});

	console.log(`client-session: ${passed} passed, ${failed} failed`);
	process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
	console.log(`client-session: ${e instanceof Error ? e.stack : String(e)}`);
	console.log(`client-session: ${passed} passed, ${failed + 1} failed`);
	process.exit(1);
});
