-- wrk script: POST /api/viewer/heartbeat, cycling through the JSON bodies in BODIES_FILE
-- (one per line) with the API key in API_KEY.
local bodies = {}
local index = 0

function init(args)
  for line in io.lines(os.getenv("BODIES_FILE")) do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
  -- Each wrk thread starts at a different place in the list.
  index = math.random(#bodies)
end

function request()
  index = index % #bodies + 1
  return wrk.format("POST", "/api/viewer/heartbeat", {
    ["Content-Type"] = "application/json",
    ["x-api-key"] = os.getenv("API_KEY"),
  }, bodies[index])
end
