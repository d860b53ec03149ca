-- wrk script: send pre-signed requests from a file, each once (TAB separates header and body).
local reqs = {}
local idx = 0

init = function(args)
  for line in io.lines(args[1]) do
    local auth, body = line:match("^([^\t]*)\t(.*)$")
    local headers = {["Content-Type"] = "application/json"}
    if auth ~= "" then headers["Authorization"] = auth end
    reqs[#reqs + 1] = wrk.format("POST", nil, headers, body)
  end
end

request = function()
  idx = idx + 1
  if idx > #reqs then idx = 1 end
  return reqs[idx]
end
