-- wrk script: POST /api/token/viewer for users PREFIX0 .. PREFIX<COUNT-1> in a cycle, so each
-- request re-joins a seated viewer and the server signs a new participant token for it.
-- Environment: API_KEY, JOIN_PREFIX, JOIN_COUNT.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-api-key"] = os.getenv("API_KEY")
local prefix = os.getenv("JOIN_PREFIX")
local count = tonumber(os.getenv("JOIN_COUNT"))
local n = 0
request = function()
  local body = '{"userId":"' .. prefix .. n .. '"}'
  n = (n + 1) % count
  return wrk.format(nil, nil, nil, body)
end
