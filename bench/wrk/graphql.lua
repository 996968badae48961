-- POSTs one GraphQL document and checks every answer: an answer that is not HTTP 200 or that
-- carries "errors" counts as an error (GraphQL errors arrive with HTTP 200).
--
--   BENCH_BODY=body.json [BENCH_NONCE=abc] wrk -s bench/wrk/graphql.lua URL
--   BENCH_METHOD=GET wrk -s bench/wrk/graphql.lua URL      (a REST read: no body)
--
-- BENCH_BODY names a file holding the JSON request body. Each "{{n}}" in it is replaced, per
-- request, by a value unique to the run (nonce, thread, counter): how `register` gets fresh
-- usernames. A body without "{{n}}" is formatted once, so plain runs cost wrk nothing extra.
-- done() prints one line "BENCH_RESULT <json>" for the harness.

local method = os.getenv("BENCH_METHOD") or "POST"
local body = ""
if method == "POST" then
   local file = assert(io.open(assert(os.getenv("BENCH_BODY"), "BENCH_BODY is not set"), "rb"))
   body = file:read("*a")
   file:close()
   wrk.headers["Content-Type"] = "application/json"
end
wrk.method = method

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_id", #threads)
end

function init(args)
   bad_status, graphql_errors, sample = 0, 0, nil
end

if body:find("{{n}}", 1, true) then
   -- wrk decides at load time whether requests are built per call: define request() only here.
   local nonce, counter = os.getenv("BENCH_NONCE") or "0", 0
   function request()
      counter = counter + 1
      local unique = nonce .. "t" .. thread_id .. "n" .. counter
      return wrk.format(nil, nil, nil, (body:gsub("{{n}}", unique)))
   end
elseif method == "POST" then
   wrk.body = body
end

function response(status, headers, answer)
   if status ~= 200 then
      bad_status = bad_status + 1
   elseif answer:find('"errors"', 1, true) then
      graphql_errors = graphql_errors + 1
   else
      return
   end
   if sample == nil then
      sample = status .. " " .. answer:sub(1, 300)
   end
end

local function json_string(s)
   return '"' .. s:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
   end) .. '"'
end

function done(summary, latency, requests)
   local status, errors, first = 0, 0, nil
   for _, thread in ipairs(threads) do
      status = status + thread:get("bad_status")
      errors = errors + thread:get("graphql_errors")
      first = first or thread:get("sample")
   end
   local e = summary.errors
   io.write("BENCH_RESULT {",
      '"requests":', summary.requests,
      ',"duration_us":', summary.duration,
      ',"bad_status":', status,
      ',"graphql_errors":', errors,
      ',"socket_errors":', e.connect + e.read + e.write + e.timeout,
      ',"p50_us":', latency:percentile(50),
      ',"p90_us":', latency:percentile(90),
      ',"p99_us":', latency:percentile(99),
      ',"mean_us":', latency.mean,
      ',"max_us":', latency.max,
      ',"sample_error":', first and json_string(first) or "null",
      "}\n")
end
