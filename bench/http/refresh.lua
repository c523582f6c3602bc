-- wrk script that spends refresh tokens: every request spends a distinct refresh token from
-- $POOL_FILE, starting at line $POOL_OFFSET + 1 (each used once: a reused one would be
-- refresh-token reuse, RFC 9700 §4.14.2, and revoke its family). $SPEND says how:
--   refresh (default)  POST /oauth/token grant_type=refresh_token
--   logout             POST /v1/logout {"refresh_token": ...} (a distinct session per request)
-- Run with -t1 (one Lua state walks the list). Counts 2xx answers and the others; if the list
-- runs out the thread stops and the summary says "exhausted" (the run is then not valid).
local path, offset = os.getenv("POOL_FILE"), tonumber(os.getenv("POOL_OFFSET") or "0")
local logout = os.getenv("SPEND") == "logout"
local tokens, next_index = {}, 1
ok, bad, used, exhausted = 0, 0, 0, 0  -- globals: done() reads them via thread:get()
local headers = {["Content-Type"] = logout and "application/json" or
                                    "application/x-www-form-urlencoded"}

function init(args)
  local n = 0
  for line in io.lines(path) do
    n = n + 1
    if n > offset then tokens[#tokens + 1] = line end
  end
end

function request()
  local token = tokens[next_index]
  if token == nil then
    exhausted = 1
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  next_index = next_index + 1
  used = used + 1
  if logout then
    return wrk.format("POST", "/v1/logout", headers, '{"refresh_token":"' .. token .. '"}')
  end
  return wrk.format("POST", "/oauth/token", headers,
                    "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else bad = bad + 1 end
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  for _, t in ipairs(threads) do
    io.write(string.format(
      '{"requests":%d,"duration_s":%.3f,"req_per_s":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,' ..
      '"max_ms":%.3f,"errors":%d,"status_200":%d,"status_other":%d,"tokens_used":%d,' ..
      '"exhausted":%s}\n',
      summary.requests, secs, summary.requests / secs, latency:percentile(50) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000,
      e.connect + e.read + e.write + e.timeout, t:get("ok"), t:get("bad"), t:get("used"),
      t:get("exhausted") == 1 and "true" or "false"))
  end
end
