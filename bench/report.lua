-- report.lua: wrk's summary as one machine-readable line (bench.sh parses it).
-- Used alone for the ceilings (no request() here, so wrk sends a static request)
-- and loaded by crm.lua for the API scenarios.
--
-- errors: "status" is wrk's count of responses with a status >= 400; connect, read,
-- write and timeout are socket errors.  Latencies are in microseconds.
-- extra_fields: a script that loads this one may set it to a function that returns
-- more " key=value" pairs for the line (crm.lua: expect, matched, other).

extra_fields = nil

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d max_us=%d"
		.. " status=%d connect=%d read=%d write=%d timeout=%d%s\n",
		summary.requests, summary.duration, summary.bytes,
		latency:percentile(50), latency:percentile(99), latency.max,
		e.status, e.connect, e.read, e.write, e.timeout,
		extra_fields and extra_fields() or ""))
end
