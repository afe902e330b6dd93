-- wrk script for the booking benchmark (loadtest/booking-bench.ts): POST /api/v1/bookings with a
-- random space from a file, a random 1–3 hour window on whole hours in [base, base + slots hours),
-- and a random driver's pre-issued access token; counts answers by status and prints one JSON line.
-- An optional path template posts elsewhere, its {spaceId} replaced by the request's space (the
-- Restate peer's ingress: /SpaceBookings/{spaceId}/book, loadtest/restate-peer/).
--   wrk -s loadtest/wrk/booking.lua <url> -- <spaces file> <tokens file> <base epoch s> <slots> [path template]
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_number", counter)
  table.insert(threads, thread)
end

local spaces, tokens = {}, {}
local base, slots, path_template
counts = {}

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then spaces[#spaces + 1] = line end
  end
  for line in io.lines(args[2]) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  base = tonumber(args[3])
  slots = tonumber(args[4])
  path_template = args[5]
  math.randomseed(os.time() * 1000 + thread_number * 7919)
  wrk.method = "POST"
  wrk.path = "/api/v1/bookings"
end

local function iso(seconds)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", seconds)
end

function request()
  local space = spaces[math.random(#spaces)]
  local start = base + math.random(0, slots - 1) * 3600
  local stop = start + math.random(1, 3) * 3600
  local body = '{"spaceId":"' .. space .. '","start":"' .. iso(start) .. '","end":"' .. iso(stop) .. '"}'
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
  }
  local path = "/api/v1/bookings"
  if path_template then path = path_template:gsub("{spaceId}", space) end
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for status, n in pairs(c) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do
    parts[#parts + 1] = '"' .. status .. '":' .. n
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d,' ..
      '"socketErrors":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ",")))
end
