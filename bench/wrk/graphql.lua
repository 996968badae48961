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

-- The shared result line, from beside this script.
local result = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "result.lua")

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

function done(summary, latency, requests)
   result.write(threads, summary, latency)
end
