-- wrk script for the search benchmark (loadtest/search-bench.ts): GETs the paths of a file in order,
-- one request after another on each connection, stops once `limit` answers came back, and prints
-- one JSON line: requests, latency percentiles (µs) and answers by status.
--   wrk -t1 -c1 -s loadtest/wrk/search.lua <url> -- <paths file> <limit>
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local paths = {}
local next_path = 0
local answered = 0
local limit
counts = {}

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  limit = tonumber(args[2]) or #paths
end

function request()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  answered = answered + 1
  if answered == limit then
    -- wrk's main thread sleeps for the whole -d duration: say we are done, the caller sends SIGINT.
    io.write("WRK_ANSWERED\n")
    io.flush()
    wrk.thread:stop()
  end
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
    'WRK_RESULT {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d,"meanUs":%d,' ..
      '"socketErrors":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    latency.mean, e.connect + e.read + e.write + e.timeout, table.concat(parts, ",")))
end
