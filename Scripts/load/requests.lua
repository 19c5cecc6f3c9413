-- wrk script for Scripts/load-test: POSTs one kind of request (search, ask or ground), cycling through the
-- bodies in the file named by the environment variable EVIDENT_LOAD_BODIES (one JSON body per line), and prints
-- one JSON line of results at the end.
local bodies = {}
local path = os.getenv("EVIDENT_LOAD_BODIES")
local route = os.getenv("EVIDENT_LOAD_ROUTE")
local next_body = 1

function init(args)
    for line in io.lines(path) do
        if #line > 0 then bodies[#bodies + 1] = line end
    end
    -- Each thread starts at a different place in the list.
    next_body = (math.random(1, #bodies))
end

function request()
    local body = bodies[next_body]
    next_body = next_body % #bodies + 1
    return wrk.format("POST", route, {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
    local seconds = summary.duration / 1e6
    io.write(string.format(
        '{"route": "%s", "requests": %d, "seconds": %.3f, "per_second": %.1f, "p50_ms": %.3f, "p90_ms": %.3f, ' ..
        '"p99_ms": %.3f, "max_ms": %.3f, "non_2xx": %d, "connect_errors": %d, "read_errors": %d, ' ..
        '"write_errors": %d, "timeouts": %d}\n',
        route, summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
        latency.max / 1000, summary.errors.status, summary.errors.connect, summary.errors.read,
        summary.errors.write, summary.errors.timeout))
end
