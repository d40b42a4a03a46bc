-- wrk script for bench/run.py. Configured through the environment:
--   BENCH_METHOD   GET or POST
--   BENCH_AUTH     Authorization header value (optional)
--   BENCH_BODY     form body (optional; with BENCH_CODES, the part before the code)
--   BENCH_CODES    file of "code verifier" lines; each request redeems the next one
--   BENCH_THREADS  wrk's -t, so that each thread takes its own share of the codes
-- done() prints one line "BENCH_RESULT {json}" that run.py parses.

local method = os.getenv("BENCH_METHOD") or "GET"
local auth = os.getenv("BENCH_AUTH")
local body = os.getenv("BENCH_BODY")
local codes_file = os.getenv("BENCH_CODES")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")

local headers = {}
if auth and auth ~= "" then headers["Authorization"] = auth end
if body and body ~= "" then
  headers["Content-Type"] = "application/x-www-form-urlencoded"
end

wrk.method = method
wrk.headers = headers
if body and body ~= "" and not codes_file then wrk.body = body end

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

non2xx = 0
reused = 0 -- requests sent after this thread ran out of codes (a code used twice)
statuses = "" -- "status:count,..." of the non-2xx answers (a string crosses Lua states)
sample = "" -- the first non-2xx answer's body
local counts = {}

function init(args)
  if codes_file then
    codes = {}
    local n = 0
    for line in io.lines(codes_file) do
      if n % nthreads == id then
        local code, verifier = line:match("^(%S+) (%S+)$")
        table.insert(codes, "&code=" .. code .. "&code_verifier=" .. verifier)
      end
      n = n + 1
    end
    position = 0
  end
end

if codes_file then
  function request()
    position = position + 1
    if position > #codes then
      reused = reused + 1
    end
    local suffix = codes[(position - 1) % #codes + 1]
    return wrk.format(method, nil, headers, body .. suffix)
  end
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    counts[status] = (counts[status] or 0) + 1
    local parts = {}
    for code, n in pairs(counts) do table.insert(parts, code .. ":" .. n) end
    statuses = table.concat(parts, ",")
    if sample == "" then sample = string.sub(body or "", 1, 200) end
  end
end

local function json_string(text)
  return '"' .. text:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

function done(summary, latency, requests)
  local total_non2xx, total_reused, all_statuses, first_sample = 0, 0, {}, ""
  for _, thread in ipairs(threads) do
    total_non2xx = total_non2xx + (thread:get("non2xx") or 0)
    total_reused = total_reused + (thread:get("reused") or 0)
    for code, n in string.gmatch(thread:get("statuses") or "", "(%d+):(%d+)") do
      all_statuses[code] = (all_statuses[code] or 0) + tonumber(n)
    end
    if first_sample == "" then first_sample = thread:get("sample") or "" end
  end
  local parts = {}
  for code, n in pairs(all_statuses) do table.insert(parts, '"' .. code .. '": ' .. n) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "non2xx": %d, "reused_codes": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "timeout": %d, "status": %d, "statuses": {%s}, ' ..
    '"sample": %s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, total_non2xx, total_reused, e.connect, e.read,
    e.write, e.timeout, e.status, table.concat(parts, ", "), json_string(first_sample)))
end
