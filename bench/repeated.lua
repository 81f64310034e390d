-- wrk script: the same URL every time, revalidated with If-None-Match once the server gave an
-- ETag, so that 304 Not Modified answers count. Prints how many 200s, 304s and others came back.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   etag = nil
   ok, not_modified, other = 0, 0, 0
end

function request()
   if etag then
      return wrk.format(nil, nil, {["If-None-Match"] = etag})
   end
   return wrk.format()
end

function response(status, headers, body)
   if status == 200 then
      ok = ok + 1
      etag = headers["ETag"] or headers["Etag"] or headers["etag"]
   elseif status == 304 then
      not_modified = not_modified + 1
   else
      other = other + 1
   end
end

function done(summary, latency, requests)
   local a, b, c = 0, 0, 0
   for _, thread in ipairs(threads) do
      a = a + thread:get("ok")
      b = b + thread:get("not_modified")
      c = c + thread:get("other")
   end
   io.write(string.format("statuses: 200=%d 304=%d other=%d\n", a, b, c))
end
