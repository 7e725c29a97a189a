-- SPDX-License-Identifier: MIT
-- wrk script for bench/run. BENCH_TOKENS (a file of JWTs, one a line) set: every request
-- carries the next token, so requests rotate over all tenants (each thread starts at its
-- own offset). BENCH_POSTS (a file of "secret<TAB>JSON body" lines) set: every request is a
-- POST of the next body with its secret as X-Vapi-Secret (the Vapi webhook). Neither: plain
-- GETs. done() prints one machine-readable line for bench/run.

local tokens = {}
local posts = {}
local n = 0
local i = 0
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("offset", counter * 37)
end

function init(args)
    local bodies = os.getenv("BENCH_POSTS")
    if bodies and bodies ~= "" then
        for line in io.lines(bodies) do
            local secret, body = line:match("^([^\t]+)\t(.+)$")
            if secret then
                n = n + 1
                posts[n] = { secret, body }
            end
        end
    end
    local path = os.getenv("BENCH_TOKENS")
    if n == 0 and path and path ~= "" then
        for line in io.lines(path) do
            if line ~= "" then
                n = n + 1
                tokens[n] = "Bearer " .. line
            end
        end
    end
    i = (offset or 0) % math.max(n, 1)
end

function request()
    if n == 0 then
        return wrk.format(nil, nil, nil)
    end
    i = i % n + 1
    if posts[i] then
        return wrk.format("POST", nil, { ["Content-Type"] = "application/json",
                                         ["X-Vapi-Secret"] = posts[i][1] }, posts[i][2])
    end
    return wrk.format(nil, nil, { ["Authorization"] = tokens[i] })
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
