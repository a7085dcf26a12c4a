-- crm.lua: wrk requests for the CRM API scenarios of bench.sh.
--
--   wrk ... -s bench/crm.lua http://127.0.0.1:18280 -- MODE TOKENS_FILE [WRITE_SET [ETAGS_FILE]]
--
-- MODE: get (GET /crm/customers/{id}, random tenant and id), by-status (random
-- status), my, overdue (default page), write (a cycle of tag add, next-action
-- update, removal of the tag added two requests before), create (POST
-- /crm/customers, a new name every request), conditional (by-status's GET with
-- If-None-Match naming the page's current ETag); get-gz, by-status-gz, my-gz,
-- overdue-gz: the same as get, by-status, my and overdue with
-- "Accept-Encoding: gzip" (what the client gets back, compressed or not, is the
-- server's choice; bench.sh probes and reports it).
-- TOKENS_FILE: lines "TENANT USER CUSTOMERS TOKEN" (bench.sh writes it); every
-- request uses a random line, so tenants and users are spread evenly.  Customer
-- ids are derived as gen-data makes them: TENANT-c%06d, 0 <= n < CUSTOMERS.
-- WRITE_SET (500): the write mode changes only the last WRITE_SET customers of each
-- tenant, the ones bench.sh restores after the run (reads use every customer).
-- ETAGS_FILE (conditional): lines "TENANT STATUS ETAG", the by-status pages to poll.
--
-- BENCH_EXPECT_STATUS (environment, e.g. 201): count the responses with that status
-- and those with another status below 400 (wrk counts >= 400 itself); the RESULT
-- line gets " expect=S matched=N other=N".  It is read when wrk loads the script,
-- as wrk decides then whether it hands responses to Lua at all, which costs: the
-- other modes go without response().

dofile((os.getenv("BENCH_LUA_DIR") or "bench") .. "/report.lua")

local thread_count = 0
local threads = {}
function setup(thread)
	thread_count = thread_count + 1
	thread:set("thread_no", thread_count)
	threads[thread_count] = thread
end

local expect = tonumber(os.getenv("BENCH_EXPECT_STATUS") or "")
if expect then
	-- per thread (globals, so that done() can read them with thread:get)
	matched, other = 0, 0
	function response(status, headers, body)
		if status == expect then
			matched = matched + 1
		elseif status < 400 then
			other = other + 1
		end
	end
	extra_fields = function()
		local m, o = 0, 0
		for _, t in ipairs(threads) do
			m = m + (t:get("matched") or 0)
			o = o + (t:get("other") or 0)
		end
		return string.format(" expect=%d matched=%d other=%d", expect, m, o)
	end
end

local api = "/api/v1/crm/customers"
local statuses = { "LEAD", "PROSPECT", "ACTIVE", "CUSTOMER", "INACTIVE", "CHURNED" }
local mode = "get"
local tokens = {}
local write_set = 500
local etags = {} -- tenant -> { { status = S, tag = T }, ... }
local stamp = 0
local gzip = false

function init(args)
	mode = args[1] or "get"
	-- MODE-gz: MODE's requests, asking for gzip
	if mode:sub(-3) == "-gz" then
		mode = mode:sub(1, -4)
		gzip = true
	end
	local file = args[2] or error("crm.lua: no tokens file given")
	write_set = tonumber(args[3] or "500")
	for line in io.lines(file) do
		local t, u, n, tok = line:match("^(%S+) (%S+) (%d+) (%S+)$")
		if t then
			tokens[#tokens + 1] = { tenant = t, user = u, n = tonumber(n), auth = "Bearer " .. tok }
		end
	end
	if #tokens == 0 then
		error("crm.lua: no tokens in " .. file)
	end
	if mode == "conditional" then
		local efile = args[4] or error("crm.lua: conditional needs an ETags file")
		for line in io.lines(efile) do
			local t, st, tag = line:match("^(%S+) (%S+) (.+)$")
			if t then
				etags[t] = etags[t] or {}
				table.insert(etags[t], { status = st, tag = tag })
			end
		end
		for _, t in ipairs(tokens) do
			if etags[t.tenant] == nil then
				error("crm.lua: no ETags for tenant " .. t.tenant .. " in " .. efile)
			end
		end
	end
	-- names of created customers: this run's start, the thread and a counter
	stamp = os.time()
	math.randomseed(os.time() * 1000 + (thread_no or 0) * 7919)
end

local function pick()
	return tokens[math.random(#tokens)]
end

local function customer_id(t)
	return string.format("%s-c%06d", t.tenant, math.random(0, t.n - 1))
end

local function write_target(t)
	local from = t.n > write_set and t.n - write_set or 0
	return string.format("%s-c%06d", t.tenant, math.random(from, t.n - 1))
end

local function headers(t, body)
	local h = { Authorization = t.auth }
	if body then
		h["Content-Type"] = "application/json"
	end
	if gzip then
		h["Accept-Encoding"] = "gzip"
	end
	return h
end

-- write mode: a per-thread cycle, so most writes are real changes (an event each)
local step, seq, queue, head, tail = 0, 0, {}, 1, 0

local function next_action(t)
	seq = seq + 1
	local due = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + math.random(-30, 60) * 86400)
	local body = string.format('{"nextAction":"Bench follow-up %d","nextActionDueDate":"%s"}', seq, due)
	return wrk.format("PATCH", api .. "/" .. write_target(t) .. "/next-action", headers(t, true), body)
end

local function write_request()
	step = step % 3 + 1
	if step == 1 then
		local t = pick()
		seq = seq + 1
		local item = { t = t, id = write_target(t), tag = string.format("bench-%d-%d", thread_no or 0, seq) }
		tail = tail + 1
		queue[tail] = item
		return wrk.format("POST", api .. "/" .. item.id .. "/tags/" .. item.tag, headers(t))
	elseif step == 2 then
		return next_action(pick())
	end
	local item = queue[head]
	if item == nil then
		return next_action(pick())
	end
	queue[head] = nil
	head = head + 1
	return wrk.format("DELETE", api .. "/" .. item.id .. "/tags/" .. item.tag, headers(item.t))
end

-- create mode: every request a new customer with its own name; three in four are
-- companies, as in the data set.  bench.sh deletes them after the scenario.
local function create_request()
	local t = pick()
	seq = seq + 1
	local key = string.format("%d-%d-%d", stamp, thread_no or 0, seq)
	local company = seq % 4 ~= 0
	local body = string.format('{"name":"Bench %s %s","type":"%s","email":"bench-%s@example.com",'
		.. '"phone":"+31 20 %03d %04d","leadSource":"Bench","tags":["bench","wave %d"]}',
		company and "Company" or "Person", key, company and "COMPANY" or "PERSON", key,
		math.random(0, 999), math.random(0, 9999), seq % 10)
	return wrk.format("POST", api, headers(t, true), body)
end

-- conditional mode: a client that polls a page it has, with the page's ETag
local function conditional_request()
	local t = pick()
	local list = etags[t.tenant]
	local e = list[math.random(#list)]
	local h = { Authorization = t.auth, ["If-None-Match"] = e.tag }
	return wrk.format("GET", api .. "/by-status/" .. e.status, h)
end

function request()
	if mode == "write" then
		return write_request()
	elseif mode == "create" then
		return create_request()
	elseif mode == "conditional" then
		return conditional_request()
	end
	local t = pick()
	local path
	if mode == "get" then
		path = api .. "/" .. customer_id(t)
	elseif mode == "by-status" then
		path = api .. "/by-status/" .. statuses[math.random(#statuses)]
	elseif mode == "my" then
		path = api .. "/my"
	elseif mode == "overdue" then
		path = api .. "/overdue-actions"
	else
		error("crm.lua: unknown mode " .. mode)
	end
	return wrk.format("GET", path, headers(t))
end
