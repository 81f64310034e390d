-- wrk script: every request a URL not requested before, so no response cache can answer it.
--
--   wrk ... http://127.0.0.1:8100 -s bench/unique.lua -- PATH FIRST STEP STEPS THREADS NONCE
--
-- Request n (counted over all threads) asks for PATH&offset=FIRST+(n % STEPS)*STEP&x=NONCE-ROUND,
-- ROUND = n // STEPS: the offsets walk FIRST, FIRST+STEP, ... and then walk again with the next
-- ROUND. `x` is a parameter the API ignores; NONCE (one per run) keeps URLs apart across runs too.
-- THREADS must equal wrk's -t: thread i takes n = i, i+THREADS, i+2*THREADS, ...

local count = 0

function setup(thread)
   count = count + 1
   thread:set("thread_index", count - 1)
end

function init(args)
   path, first, step, steps = args[1], tonumber(args[2]), tonumber(args[3]), tonumber(args[4])
   threads, nonce = tonumber(args[5]), args[6]
   sent = 0
end

function request()
   local n = sent * threads + thread_index
   sent = sent + 1
   local offset = first + (n % steps) * step
   local round = math.floor(n / steps)
   return wrk.format(nil, string.format("%s&offset=%d&x=%s-%d", path, offset, nonce, round))
end
