-- End-to-end test of the specls plugin through Neovim's own LSP client (Neovim 0.7 and later).
-- Run by run.sh as: nvim --headless -u NONE -i NONE +"luafile e2e.lua"
-- with SPECLS_BIN (the server binary) and SPECLS_PLUGIN (editors/neovim) in the environment.
-- Prints one line per check and exits non-zero when any check fails.

local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local fixture = here .. "/fixture"
local passes, failures, skips = 0, 0, 0

local function say(line)
  io.stdout:write(line .. "\n")
  io.stdout:flush()
end

local function check(name, ok, detail)
  if ok then
    passes = passes + 1
    say("ok: " .. name)
  else
    failures = failures + 1
    say("FAIL: " .. name .. (detail and (" (" .. detail .. ")") or ""))
  end
end

local function skip(what)
  skips = skips + 1
  say("skip: server does not advertise " .. what)
end

local function finish()
  say(string.format("neovim-e2e: %d passed, %d failed, %d skipped", passes, failures, skips))
  for _, client in ipairs(vim.lsp.get_active_clients()) do
    client.stop()
  end
  if failures > 0 then
    vim.cmd("cquit 1")
  end
  vim.cmd("qall!")
end

-- A failure inside a check ends the run instead of leaving Neovim waiting.
local function guarded(fn)
  local ok, err = xpcall(fn, debug.traceback)
  if not ok then
    check("no Lua error", false, err)
  end
  finish()
end

local function clients(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr, name = "specls" })
  end
  return vim.tbl_filter(function(c)
    return c.name == "specls"
  end, vim.lsp.buf_get_clients(bufnr))
end

--- Open a fixture file and wait until specls is attached to it.
local function open(relative)
  vim.cmd("edit " .. vim.fn.fnameescape(fixture .. "/" .. relative))
  local bufnr = vim.api.nvim_get_current_buf()
  local attached = vim.wait(20000, function()
    return #clients(bufnr) > 0
  end, 50)
  check("specls attached to " .. relative, attached)
  return bufnr
end

--- The 0-based line and column of the first occurrence of `needle` in a buffer (ASCII lines, so
--- the column is the same in every position encoding).
local function locate(bufnr, needle)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local col = line:find(needle, 1, true)
    if col then
      return i - 1, col - 1
    end
  end
  error("fixture has no " .. needle)
end

--- The 0-based line of `needle` in a fixture file on disk.
local function line_in_file(relative, needle)
  for i, line in ipairs(vim.fn.readfile(fixture .. "/" .. relative)) do
    if line:find(needle, 1, true) then
      return i - 1
    end
  end
  error(relative .. " has no " .. needle)
end

--- A request at `needle` in `bufnr`, answered by specls (nil when it did not answer in time).
local function request(bufnr, method, needle, extra)
  local line, col = locate(bufnr, needle)
  local params = vim.tbl_extend("force", {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = line, character = col },
  }, extra or {})
  local responses = vim.lsp.buf_request_sync(bufnr, method, params, 10000) or {}
  for _, response in pairs(responses) do
    if response.error then
      error(method .. ": " .. vim.inspect(response.error))
    end
    return response.result
  end
  return nil
end

--- Locations of a definition answer (Location, Location[] or LocationLink[]) as { file, line }.
local function locations(result)
  if not result then
    return {}
  end
  if result.uri or result.targetUri then
    result = { result }
  end
  local out = {}
  for _, loc in ipairs(result) do
    local range = loc.targetSelectionRange or loc.range
    table.insert(out, { file = vim.uri_to_fname(loc.uri or loc.targetUri), line = range.start.line })
  end
  return out
end

local function has_location(result, relative, line)
  for _, loc in ipairs(locations(result)) do
    if loc.file == vim.fn.resolve(fixture .. "/" .. relative) and loc.line == line then
      return true
    end
  end
  return false, vim.inspect(locations(result))
end

local function hover_text(result)
  if not result then
    return ""
  end
  local contents = result.contents
  if type(contents) == "string" then
    return contents
  end
  if contents.value then
    return contents.value
  end
  local parts = {}
  for _, part in ipairs(contents) do
    table.insert(parts, type(part) == "string" and part or part.value)
  end
  return table.concat(parts, "\n")
end

local function diagnostic_code(d)
  return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
end

guarded(function()
  vim.cmd("filetype on")
  vim.opt.runtimepath:prepend(os.getenv("SPECLS_PLUGIN"))
  require("specls").setup({ cmd = { os.getenv("SPECLS_BIN") } })

  -- Diagnostics: T003 cites FR-009, which no spec defines.
  local tasks = open("specs/001-harbour-access/tasks.md")

  -- The root is the fixture (it holds .specify/), not the repository around it (.git).
  local root = clients(tasks)[1].config.root_dir
  check("root: the folder holding .specify/", vim.fn.resolve(root) == vim.fn.resolve(fixture), root)
  local unresolved = nil
  vim.wait(20000, function()
    for _, d in ipairs(vim.diagnostic.get(tasks)) do
      if diagnostic_code(d) == "unresolved-reference" and d.message:find("FR-009", 1, true) then
        unresolved = d
        return true
      end
    end
    return false
  end, 50)
  check("diagnostic: unresolved-reference on FR-009", unresolved ~= nil, vim.inspect(vim.diagnostic.get(tasks)))
  if unresolved then
    local line = locate(tasks, "T003")
    check("diagnostic: on the line of T003", unresolved.lnum == line, "line " .. unresolved.lnum)
  end

  -- Definition from a task ID to the requirement it cites.
  local fr_001 = line_in_file("specs/001-harbour-access/spec.md", "**FR-001**")
  local result = request(tasks, "textDocument/definition", "T002")
  check("definition: T002 -> FR-001 in spec.md", has_location(result, "specs/001-harbour-access/spec.md", fr_001))

  -- Hover on a principle cited in the plan.
  local plan = open("specs/001-harbour-access/plan.md")
  local hover = hover_text(request(plan, "textDocument/hover", "Principle II"))
  check("hover: Principle II names the principle", hover:find("Gates Fail Closed", 1, true) ~= nil, hover)
  check("hover: Principle II gives the constitution's version", hover:find("2.1.0", 1, true) ~= nil, hover)

  -- Definition from a code comment to the spec.
  local gate = open("src/gate.rs")
  local fr_002 = line_in_file("specs/001-harbour-access/spec.md", "**FR-002**")
  local from_code = request(gate, "textDocument/definition", "FR-002")
  check("definition: // Implements: FR-002 -> spec.md", has_location(from_code, "specs/001-harbour-access/spec.md", fr_002))

  local spec = open("specs/001-harbour-access/spec.md")
  local capabilities = clients(spec)[1].server_capabilities

  -- Completion of the missing Success Criteria section at a new heading.
  if capabilities.completionProvider then
    vim.api.nvim_buf_set_lines(spec, -1, -1, false, { "", "## " })
    local last = vim.api.nvim_buf_line_count(spec) - 1
    local responses = vim.lsp.buf_request_sync(spec, "textDocument/completion", {
      textDocument = { uri = vim.uri_from_bufnr(spec) },
      position = { line = last, character = 3 },
    }, 10000) or {}
    local labels = {}
    for _, response in pairs(responses) do
      local items = response.result and (response.result.items or response.result) or {}
      for _, item in ipairs(items) do
        table.insert(labels, item.label)
      end
    end
    local offered = vim.tbl_filter(function(label)
      return label:find("Success Criteria", 1, true) ~= nil
    end, labels)
    check("completion: the missing Success Criteria section", #offered > 0, vim.inspect(labels))
    vim.cmd("silent! undo")
  else
    skip("completionProvider")
  end

  -- The mark-spec-gap code action on a requirement whose verifying test fails (junit.xml).
  if capabilities.codeActionProvider then
    local line = locate(spec, "**FR-002**")
    local titles, refused = {}, nil
    vim.wait(20000, function()
      local on_line = vim.tbl_filter(function(d)
        return d.lnum == line
      end, vim.diagnostic.get(spec))
      -- Built field by field: Neovim 0.7 keeps only the extra fields (code, relatedInformation)
      -- in `user_data.lsp`, and a diagnostic without a range makes the request invalid.
      local lsp_diagnostics = vim.tbl_map(function(d)
        return {
          range = { start = { line = d.lnum, character = d.col }, ["end"] = { line = d.end_lnum, character = d.end_col } },
          message = d.message,
          code = diagnostic_code(d),
          severity = d.severity,
          source = d.source,
        }
      end, on_line)
      local responses = vim.lsp.buf_request_sync(spec, "textDocument/codeAction", {
        textDocument = { uri = vim.uri_from_bufnr(spec) },
        range = { start = { line = line, character = 0 }, ["end"] = { line = line, character = 0 } },
        context = { diagnostics = lsp_diagnostics },
      }, 10000) or {}
      titles = {}
      for _, response in pairs(responses) do
        if response.err then
          -- A refused request will not succeed on the next try: report it instead of waiting.
          refused = response.err.message or vim.inspect(response.err)
          return true
        end
        for _, action in ipairs(response.result or {}) do
          table.insert(titles, action.title)
        end
      end
      for _, title in ipairs(titles) do
        local lower = title:lower()
        if lower:find("gap", 1, true) or lower:find("clarification", 1, true) then
          return true
        end
      end
      return false
    end, 500)
    local marked = vim.tbl_filter(function(title)
      return title:lower():find("gap", 1, true) or title:lower():find("clarification", 1, true)
    end, titles)
    check("code action: mark spec gap on FR-002", #marked > 0, refused or vim.inspect(titles))
  else
    skip("codeActionProvider")
  end
end)
