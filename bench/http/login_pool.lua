-- wrk script that creates refresh-token sessions: POST /v1/login as $USERNAME/$PASSWORD and
-- appends each answer's refresh_token to $POOL_FILE (one per line) until $POOL_COUNT are
-- written, then stops. Run with -t1 (one Lua state, one file handle). The file is flushed on
-- every token, so a run cut short by -d leaves only whole lines.
local user, pass = os.getenv("USERNAME"), os.getenv("PASSWORD")
local path, want = os.getenv("POOL_FILE"), tonumber(os.getenv("POOL_COUNT"))
local out = nil
written, failed = 0, 0  -- globals: done() reads them through thread:get()

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"username":"%s","password":"%s"}', user, pass)

function init(args)
  out = assert(io.open(path, "a"))
end

function response(status, headers, body)
  if written >= want then return end
  local token = status == 200 and body:match('"refresh_token":"([^"]+)"')
  if not token then
    failed = failed + 1
    return
  end
  out:write(token, "\n")
  out:flush()
  written = written + 1
  if written >= want then
    out:close()
    wrk.thread:stop()
  end
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format('{"written":%d,"failed":%d,"req_per_s":%.1f}\n', t:get("written"),
                           t:get("failed"), summary.requests / (summary.duration / 1e6)))
  end
end
