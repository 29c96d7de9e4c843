-- wrk script: each connection sends one request, then stays open and idle.
-- PERF_IDLE_CONNS connections get their first request at once; every later
-- delay() (after a response) parks the connection for 10 minutes.
local limit = tonumber(os.getenv("PERF_IDLE_CONNS") or "5000")
local calls = 0
function delay()
	calls = calls + 1
	if calls <= limit then return 0 end
	return 600000
end
