-- POSTs the body in BODY_FILE with a distinct id in every request, with the benchmark token. RUN_ID keeps the ids of
-- one run (a warm-up, say) apart from the next run's against the same server, which would otherwise be duplicates.
local file = assert(io.open(os.getenv("BODY_FILE"), "rb"))
local template = file:read("*a")
file:close()
local at = template:find("__ID__", 1, true)
local before, after = template:sub(1, at - 1), template:sub(at + 6)
local counter = 0
local run = os.getenv("RUN_ID") or "0"
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("TOKEN") }

request = function()
  counter = counter + 1
  return wrk.format("POST", "/maiagent/webhook", headers, before .. "req-" .. run .. "-" .. counter .. after)
end
