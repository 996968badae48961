-- The last line of every load script: "BENCH_RESULT <json>" for the harness (bench/harness/wrk.py),
-- with the counts each thread kept in `bad_status`, `graphql_errors` and `sample`.

local result = {}

local function json_string(s)
   return '"' .. s:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
   end) .. '"'
end

function result.write(threads, summary, latency)
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

return result
