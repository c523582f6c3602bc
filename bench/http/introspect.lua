-- wrk script for POST /oauth/introspect (RFC 7662): the access token $TOKEN, hinted, with the
-- introspection client's HTTP Basic credentials $BASIC (base64 of id:secret). The summary line
-- (and PACE_MS) come from bearer.lua beside it.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "bearer.lua")
local basic = os.getenv("BASIC")
if basic == nil or basic == "" then error("BASIC is not set") end
wrk.method = "POST"
wrk.body = "token=" .. os.getenv("TOKEN") .. "&token_type_hint=access_token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. basic
