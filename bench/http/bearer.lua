-- wrk script for GET /v1/me: one Bearer access token ($TOKEN) on every request; prints one
-- JSON summary line (req/s, p50/p99/max latency, errors) for scripts/bench-http.sh.
local token = os.getenv("TOKEN")
if token == nil or token == "" then error("TOKEN is not set") end
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. token

-- PACE_MS set: each connection waits that long before its next request, so the offered load is
-- connections / PACE_MS (a latency measurement below saturation; wrk times each request from
-- its send, not the wait).
local pace = tonumber(os.getenv("PACE_MS") or "")
if pace ~= nil then
  function delay() return pace end
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_s":%.3f,"req_per_s":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,' ..
    '"max_ms":%.3f,"errors":%d,"non2xx":%d}\n',
    summary.requests, secs, summary.requests / secs, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.status + e.timeout, e.status))
end
