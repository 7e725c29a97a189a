-- SPDX-License-Identifier: MIT
-- wrk script for bench/enqueue.py: every request is POST /database/sources with a URL never
-- used before (so each one is a new source), as the next tenant of BENCH_TOKENS. done()
-- prints the same machine-readable line as bench/wrk.lua.

local tokens = {}
local n = 0
local i = 0
local sent = 0
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("tid", counter)
end

function init(args)
    for line in io.lines(os.getenv("BENCH_TOKENS")) do
        if line ~= "" then
            n = n + 1
            tokens[n] = "Bearer " .. line
        end
    end
    i = (tid or 0) * 7 % n
end

function request()
    i = i % n + 1
    sent = sent + 1
    local body = string.format('{"url":"https://t%d-%d.bench.example/rentals"}', tid or 0, sent)
    return wrk.format("POST", "/database/sources", { ["Authorization"] = tokens[i],
                                                     ["Content-Type"] = "application/json" },
                      body)
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d non2xx=%d "
            .. "socket_errors=%d\n",
        summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
        latency:percentile(50), latency:percentile(99), e.status,
        e.connect + e.read + e.write + e.timeout))
end
