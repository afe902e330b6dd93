-- wrk script for the booking benchmark (loadtest/booking-bench.ts): POST /api/v1/bookings with a
-- random driver's pre-issued access token and, unless keys=off, a fresh Idempotency-Key per request
-- (<run tag>-<thread>-<counter>: the bench gives each wrk run its own random tag). Windows:
--   mode=random  a random space from the file, a random 1–3 hour window on whole hours in
--                [base, base + slots hours) (scenarios a, b, c);
--   mode=garage  the one space in the file, 15-minute slots from base handed out in order, each
--                thread its own, skipping the held ones: slot i is held when i < held_end and
--                i % gap ~= 0 (booking-bench.ts seeds them by the same rule) (scenario d).
-- With rate=<requests/s> the run is paced: each thread sends on a fixed schedule of rate/threads
-- requests per second (wrk's delay(): a connection that answered waits for the thread's next slot).
-- wrk times a request from its write, so a paced run's latency is service time only: the wait of a
-- request whose slot came while every connection was busy is not counted.
-- With path=<template> it posts to the template with {spaceId} filled in (the Restate peer's ingress,
-- /SpaceBookings/{spaceId}/book) instead of /api/v1/bookings.
-- Counts answers by status and prints one JSON line.
--   wrk -s loadtest/wrk/booking.lua <url> -- spaces=<file> tokens=<file> base=<epoch s> threads=<n>
--       run=<tag> keys=on|off mode=random slots=<n> | mode=garage held_end=<n> gap=<n> [rate=<n>]
--       [path=<template>]
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_number", counter)
  table.insert(threads, thread)
end

local spaces, tokens = {}, {}
local opt = {}
local key_prefix
local sent = 0
-- garage mode: how many free slots lie among the held ones (indices 0, gap, 2 gap, … below held_end)
local gaps = 0
counts = {}

local function iso(seconds)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", seconds)
end

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } booking_bench_timespec;
int clock_gettime(int clock_id, booking_bench_timespec *ts);
]])
local clock = ffi.new("booking_bench_timespec")
local CLOCK_MONOTONIC = 1

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

-- Paced runs: the thread's schedule, one request every interval_ms from its first answer on.
local next_at, interval_ms
local function paced_delay()
  local now = now_ms()
  local slot = next_at or now
  next_at = slot + interval_ms
  return math.max(0, math.floor(slot - now))
end

function init(args)
  for _, arg in ipairs(args) do
    local name, value = arg:match("^([%w_]+)=(.*)$")
    if name then opt[name] = value end
  end
  for line in io.lines(opt.spaces) do
    if #line > 0 then spaces[#spaces + 1] = line end
  end
  for line in io.lines(opt.tokens) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  opt.base = tonumber(opt.base)
  opt.threads = tonumber(opt.threads)
  opt.slots = tonumber(opt.slots or 0)
  opt.held_end = tonumber(opt.held_end or 0)
  opt.gap = tonumber(opt.gap or 1)
  gaps = math.ceil(opt.held_end / opt.gap)
  key_prefix = opt.run .. "-" .. thread_number .. "-"
  math.randomseed(tonumber(opt.run, 16) % 2147483647 + thread_number * 7919)
  if opt.rate then
    interval_ms = 1000 * opt.threads / tonumber(opt.rate)
    delay = paced_delay
  end
end

-- The k-th free 15-minute slot (from 0): first the gaps among the held slots, then every slot after.
local function free_slot(k)
  if k < gaps then return k * opt.gap end
  return opt.held_end + (k - gaps)
end

function request()
  local space, start, stop
  if opt.mode == "garage" then
    space = spaces[1]
    start = opt.base + free_slot(sent * opt.threads + thread_number - 1) * 900
    stop = start + 900
  else
    space = spaces[math.random(#spaces)]
    start = opt.base + math.random(0, opt.slots - 1) * 3600
    stop = start + math.random(1, 3) * 3600
  end
  sent = sent + 1
  local body = '{"spaceId":"' .. space .. '","start":"' .. iso(start) .. '","end":"' .. iso(stop) .. '"}'
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
  }
  if opt.keys ~= "off" then headers["Idempotency-Key"] = key_prefix .. sent end
  local path = opt.path and (opt.path:gsub("{spaceId}", space)) or "/api/v1/bookings"
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
