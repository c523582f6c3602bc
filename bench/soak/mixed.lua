-- wrk script for the soak (scripts/soak.sh): every thread walks a session lifecycle over its one
-- connection (run with -c equal to -t, so each response belongs to the request just sent):
--   POST /v1/login -> GET /v1/me x4 -> POST /oauth/token -> GET /v1/me x2 -> POST /oauth/token
--   -> POST /v1/logout (Bearer, or the refresh token in the body, by turn) -> GET /v1/me (401)
-- Users soak0..soak{$USERS-1} (password $PASSWORD) are registered by the script beforehand.
-- Expected answers are counted as ok (the 401 after a logout included); anything else as bad.
-- done() prints one JSON line: requests, p50/p99/max latency, socket errors, ok/bad counts.
local users, pass = tonumber(os.getenv("USERS") or "16"), os.getenv("PASSWORD")
thread_index = 0  -- set per thread by setup()
ok, bad, expected_401 = 0, 0, 0  -- globals: done() reads them through thread:get()

local json = {["Content-Type"] = "application/json"}
local form = {["Content-Type"] = "application/x-www-form-urlencoded"}
local plan = {"login", "me", "me", "me", "me", "refresh", "me", "me", "refresh", "logout",
              "me_after_logout"}
local step, round, access, refresh = 1, 0, nil, nil

local function bearer()
  return {["Authorization"] = "Bearer " .. access}
end

local threads = {}
function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function request()
  local what = plan[step]
  if what == "login" then
    local user = "soak" .. ((thread_index + round * 7) % users)
    return wrk.format("POST", "/v1/login", json,
                      string.format('{"username":"%s","password":"%s"}', user, pass))
  elseif what == "me" or what == "me_after_logout" then
    return wrk.format("GET", "/v1/me", bearer())
  elseif what == "refresh" then
    return wrk.format("POST", "/oauth/token", form,
                      "grant_type=refresh_token&refresh_token=" .. refresh)
  elseif round % 2 == 0 then
    return wrk.format("POST", "/v1/logout", bearer(), "{}")
  else
    return wrk.format("POST", "/v1/logout", json,
                      string.format('{"refresh_token":"%s"}', refresh))
  end
end

local function advance(good)
  if good then ok = ok + 1 else bad = bad + 1 end
  step = step + 1
  -- A failed login or refresh leaves nothing to continue with: start a new session.
  if step > #plan or not good and (plan[step - 1] == "login" or plan[step - 1] == "refresh") then
    step, round = 1, round + 1
  end
end

function response(status, headers, body)
  local what = plan[step]
  if what == "login" or what == "refresh" then
    local good = status == 200
    if good then
      access = body:match('"access_token":"([^"]+)"')
      refresh = body:match('"refresh_token":"([^"]+)"')
      good = access ~= nil and refresh ~= nil
    end
    advance(good)
  elseif what == "me" then
    advance(status == 200)
  elseif what == "logout" then
    advance(status == 204)
  else  -- the logged-out session's access token must be refused
    if status == 401 then expected_401 = expected_401 + 1 end
    advance(status == 401)
  end
end

function done(summary, latency, requests)
  local good, wrong, refused = 0, 0, 0
  for _, t in ipairs(threads) do
    good = good + t:get("ok")
    wrong = wrong + t:get("bad")
    refused = refused + t:get("expected_401")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_s":%.3f,"req_per_s":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,' ..
    '"max_ms":%.3f,"socket_errors":%d,"ok":%d,"bad":%d,"expected_401":%d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.timeout, good, wrong, refused))
end
