-- POSTs /api/auth/refresh (Strapi's refresh mode) with a refresh token that has not been used:
-- each thread keeps a pool of tokens, takes one per request and puts back the one the answer
-- gives (a token is single use). The pool starts with this thread's share of BENCH_TOKENS, a
-- file of one token per line: one per connection, so a connection always finds one. An answer
-- that is not HTTP 200 with a new token counts as an error.
--
--   BENCH_TOKENS=tokens.txt BENCH_THREADS=2 wrk -t2 -c64 -s bench/wrk/refresh.lua URL
--
-- done() prints one line "BENCH_RESULT <json>" for the harness, as graphql.lua does.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

-- The shared result line, from beside this script.
local result = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "result.lua")

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_id", #threads)
end

function init(args)
   bad_status, graphql_errors, sample = 0, 0, nil
   pool = {}
   local count, line_number = tonumber(os.getenv("BENCH_THREADS")), 0
   local path = assert(os.getenv("BENCH_TOKENS"), "BENCH_TOKENS is not set")
   for line in io.lines(path) do
      if line_number % count == thread_id - 1 then
         table.insert(pool, line)
      end
      line_number = line_number + 1
   end
end

function request()
   -- An empty pool would mean more requests under way than tokens: sent anyway, and refused.
   local token = table.remove(pool) or "none-left"
   return wrk.format(nil, nil, nil, '{"refreshToken":"' .. token .. '"}')
end

function response(status, headers, answer)
   local token = status == 200 and answer:match('"refreshToken":"(%x+)"')
   if token then
      table.insert(pool, token)
      return
   end
   bad_status = bad_status + 1
   if sample == nil then
      sample = status .. " " .. answer:sub(1, 300)
   end
end

function done(summary, latency, requests)
   result.write(threads, summary, latency)
end
