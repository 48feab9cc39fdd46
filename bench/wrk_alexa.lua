-- wrk script for `python -m bench`: cycle through pre-signed Alexa requests.
-- Arguments (after the URL): a file of "<Signature-256>\t<JSON body>" lines, and the
-- SignatureCertChainUrl. Prints one BENCH_JSON line the runner parses, counting
-- non-2xx responses itself (wrk's own "status" errors only count >= 400).

local threads = {}
local prepared = {}
local index = 0
non2xx = 0

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path, cert_url = args[1], args[2]
  for line in io.lines(path) do
    local signature, body = line:match("^([^\t]*)\t(.*)$")
    local headers = {
      ["Content-Type"] = "application/json; charset=utf-8",
      ["Signature-256"] = signature,
      ["SignatureCertChainUrl"] = cert_url,
    }
    table.insert(prepared, wrk.format("POST", "/", headers, body))
  end
  if #prepared == 0 then
    error("no requests in " .. tostring(path))
  end
  -- Threads start at different points of the list, so they send different users.
  index = (thread_number or 0) * math.floor(#prepared / 2)
end

function request()
  index = index % #prepared + 1
  return prepared[index]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "timeout": %d, "status": %d, "non2xx": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    bad, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
