-- wrk script for scripts/bench/serve_bench.py: POSTs one MNIST test image per request to the URL's
-- path, as MLflow scoring JSON ({"inputs": [[784 floats]]}).
--
--   wrk -t2 -c64 -d10s -s serve_post.lua http://127.0.0.1:PORT/invocations -- BODIES_FILE
--
-- BODIES_FILE holds one JSON body a line (serve_bench.py writes 100 of them). Each thread takes the
-- bodies round-robin from its own starting point. At the end it prints one JSON line:
--   WRK_JSON {"requests":..,"seconds":..,"requests_per_s":..,"p50_ms":..,"p90_ms":..,"p99_ms":..,
--             "max_ms":..,"non_2xx_3xx":..,"socket_errors":..}

local counter = 0
local threads = {}

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local requests = {}
local index = 1

function init(args)
   local file = args[1]
   if file == nil then
      error("serve_post.lua needs the bodies' file after --")
   end
   local headers = { ["Content-Type"] = "application/json" }
   for line in io.lines(file) do
      if #line > 0 then
         table.insert(requests, wrk.format("POST", nil, headers, line))
      end
   end
   if #requests == 0 then
      error("no bodies in " .. file)
   end
   -- Threads start at different bodies (id is set by setup before init runs).
   index = ((id or 0) * 37) % #requests + 1
end

function request()
   local r = requests[index]
   index = index % #requests + 1
   return r
end

function done(summary, latency, requests)
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      'WRK_JSON {"requests":%d,"seconds":%.3f,"requests_per_s":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,' ..
      '"p99_ms":%.3f,"max_ms":%.3f,"non_2xx_3xx":%d,"socket_errors":%d}\n',
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
