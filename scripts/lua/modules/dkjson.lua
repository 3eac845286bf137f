--
-- dkjson-compatible JSON for ntopng-lua scripts, written for this project: the module API of the dkjson
-- module ntopng's scripts use (json.encode, json.decode, json.null), backed by the engine's JSON functions
-- (Rust, serde_json).
--
-- Encoding follows dkjson's conventions: an empty table is [], a table whose keys are 1..n is an array
-- (holes become null while the table is not too sparse), other tables are objects with string keys,
-- NaN and infinities are null, numbers are written with 14 significant digits (3.0 as 3). A table whose
-- metatable has __jsontype = "object" or "array" is written as that (decoded tables carry it, so an empty
-- object survives a round trip). Object keys are written sorted; state.keyorder puts the listed keys first.
-- Unlike dkjson, __tojson metamethods are not supported.
--

local I = _ntopng

local json = {
  version = "dkjson-compatible (ntopng-lua)",
  null = I.json_null,
}

-- json.encode(value [, state]) -> string; raises an error for values JSON cannot represent (functions,
-- userdata, reference cycles). state.indent gives an indented multi-line result.
function json.encode(value, state)
  local indent, keyorder = false, nil
  if type(state) == "table" then
    indent = state.indent and true or false
    keyorder = state.keyorder
  end
  local text, err = I.json_encode(value, indent, keyorder)
  if text == nil then
    if type(state) == "table" and type(state.exception) == "function" then
      local replacement = state.exception("unsupported", value, state, err)
      if replacement ~= nil then return replacement end
    end
    error(err, 2)
  end
  return text
end

-- json.decode(text [, pos [, null [, objectmeta [, arraymeta]]]]) -> value, next_pos
-- or nil, pos, message when there is no valid JSON value at pos. JSON null decodes to the `null` argument
-- (nil by default). Decoded objects and arrays get metatables with __jsontype (pass false to get none).
function json.decode(text, pos, nullval, objectmeta, arraymeta)
  return I.json_decode(text, pos, nullval, objectmeta, arraymeta)
end

-- The JSON string literal of a Lua string.
function json.quotestring(s)
  return (I.json_encode(tostring(s)))
end

-- dkjson can switch to an LPeg parser; here there is only one implementation.
function json.use_lpeg()
  return json
end

return json
