-- wrk script for Scripts/load-test --mix: every connection sends a mix of search, ask and ground requests, each
-- request's kind drawn at random with the weights in EVIDENT_LOAD_WEIGHTS ("search=80,ask=10,ground=10"), its body
-- taken in turn from EVIDENT_LOAD_FOLDER/<kind>.jsonl (one JSON body per line).
--
-- wrk measures latency over all requests together; this script times each kind on its own. It needs one connection
-- per wrk thread (wrk -t N -c N), so that a thread's responses answer its requests in order, and LuaJIT's ffi for a
-- monotonic clock. Requests sent in the first EVIDENT_LOAD_WARMUP_MS milliseconds are checked for their status
-- but left out of the latencies and rates: 64 connections that open together send their first requests in one
-- burst, which says how the server copes with a burst, not how it serves a steady load. done() prints one JSON
-- line per kind.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } evident_timespec;
int clock_gettime(int clock, evident_timespec *time);
]]
local clock_monotonic = 1
local now_time = ffi.new("evident_timespec")
local function now_ms()
    ffi.C.clock_gettime(clock_monotonic, now_time)
    return tonumber(now_time.tv_sec) * 1000 + tonumber(now_time.tv_nsec) / 1e6
end

local kinds = {}        -- {name, weight, bodies, next}
local total_weight = 0
local pending = nil     -- {kind, started} of the request in flight on this thread's connection

-- Filled by this thread and read by done(): per kind, the globals latencies_<kind> (ms) and failures_<kind>
-- (non-2xx answers). Flat: wrk's thread:get copies flat tables but not nested ones.
unanswered = 0
warmup_requests = 0
local warmup_ms = tonumber(os.getenv("EVIDENT_LOAD_WARMUP_MS") or "0")
local measuring_from = nil

local function kind_names()
    local names = {}
    for part in string.gmatch(os.getenv("EVIDENT_LOAD_WEIGHTS"), "[^,]+") do
        names[#names + 1] = string.match(part, "^(%a+)=")
    end
    return names
end

local threads = {}

function setup(thread)
    thread:set("thread_number", #threads + 1)
    threads[#threads + 1] = thread
end

function init(args)
    local folder = os.getenv("EVIDENT_LOAD_FOLDER")
    for part in string.gmatch(os.getenv("EVIDENT_LOAD_WEIGHTS"), "[^,]+") do
        local name, weight = string.match(part, "^(%a+)=(%d+)$")
        local kind = {name = name, weight = tonumber(weight), bodies = {}, next = 1}
        for line in io.lines(folder .. "/" .. name .. ".jsonl") do
            if #line > 0 then kind.bodies[#kind.bodies + 1] = line end
        end
        kind.route = "/v1/" .. name
        kinds[#kinds + 1] = kind
        total_weight = total_weight + kind.weight
        _G["latencies_" .. name] = {}
        _G["failures_" .. name] = 0
    end
    -- A different, repeatable sequence of kinds and bodies per thread.
    measuring_from = now_ms() + warmup_ms
    math.randomseed(7919 * thread_number)
    for _, kind in ipairs(kinds) do kind.next = math.random(1, #kind.bodies) end
end

local function draw()
    local point = math.random() * total_weight
    for _, kind in ipairs(kinds) do
        point = point - kind.weight
        if point < 0 then return kind end
    end
    return kinds[#kinds]
end

function request()
    -- A request sent while another waits means the connection was lost and reopened.
    if pending ~= nil then unanswered = unanswered + 1 end
    local kind = draw()
    local body = kind.bodies[kind.next]
    kind.next = kind.next % #kind.bodies + 1
    pending = {kind = kind.name, started = now_ms()}
    return wrk.format("POST", kind.route, {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
    if pending == nil then return end
    if pending.started >= measuring_from then
        local list = _G["latencies_" .. pending.kind]
        list[#list + 1] = now_ms() - pending.started
    else
        warmup_requests = warmup_requests + 1
    end
    if status < 200 or status > 299 then
        _G["failures_" .. pending.kind] = _G["failures_" .. pending.kind] + 1
    end
    pending = nil
end

local function percentile(sorted, fraction)
    if #sorted == 0 then return 0 end
    local rank = math.max(1, math.ceil(fraction * #sorted))
    return sorted[rank]
end

function done(summary, latency, requests)
    local seconds = summary.duration / 1e6 - warmup_ms / 1000
    local merged, failed = {}, {}
    local lost, warmup = 0, 0
    local names = kind_names()
    for _, name in ipairs(names) do
        merged[name], failed[name] = {}, 0
    end
    for _, thread in ipairs(threads) do
        for _, name in ipairs(names) do
            for _, value in ipairs(thread:get("latencies_" .. name)) do merged[name][#merged[name] + 1] = value end
            failed[name] = failed[name] + thread:get("failures_" .. name)
        end
        lost = lost + thread:get("unanswered")
        warmup = warmup + thread:get("warmup_requests")
    end
    for _, name in ipairs(names) do
        local list = merged[name]
        table.sort(list)
        local sum = 0
        for _, value in ipairs(list) do sum = sum + value end
        io.write(string.format(
            '{"route": "/v1/%s", "kind": "%s", "requests": %d, "seconds": %.3f, "per_second": %.1f, ' ..
            '"mean_ms": %.3f, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "non_2xx": %d}\n',
            name, name, #list, seconds, #list / seconds, #list > 0 and sum / #list or 0,
            percentile(list, 0.5), percentile(list, 0.9), percentile(list, 0.99), percentile(list, 1.0),
            failed[name]))
    end
    io.write(string.format(
        '{"summary": true, "requests": %d, "non_2xx": %d, "connect_errors": %d, "read_errors": %d, ' ..
        '"write_errors": %d, "timeouts": %d, "unanswered": %d, "warmup_requests": %d, "warmup_seconds": %.3f}\n',
        summary.requests, summary.errors.status, summary.errors.connect, summary.errors.read,
        summary.errors.write, summary.errors.timeout, lost, warmup, warmup_ms / 1000))
end
