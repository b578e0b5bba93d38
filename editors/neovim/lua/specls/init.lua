-- specls for Neovim: starts the language server for Markdown specs and the code files that cite
-- them. Works from Neovim 0.7 (vim.lsp.start_client) to 0.11 (see lsp/specls.lua for
-- vim.lsp.config).

local M = {}

local uv = vim.loop

--- Defaults; every key can be given to setup().
M.defaults = {
  -- The server command; `specls` alone runs the language server on stdio.
  cmd = { "specls" },
  -- Spec documents.
  filetypes = { "markdown" },
  -- Code whose comments, strings and test names cite spec IDs (grammar/code.toml lists what the
  -- server reads); definition, hover and references work there too.
  code_filetypes = { "rust", "python", "typescript", "typescriptreact", "javascript", "javascriptreact", "go", "java", "kotlin", "c", "cpp", "ruby" },
  -- The nearest folder holding one of these is the workspace root, as for `specls check`.
  root_markers = { ".specify", ".kiro", "openspec", "specls.toml", ".git" },
  -- The keys of specls.toml (rules, vague_terms, include, exclude, formats, code), sent as
  -- initializationOptions and answered to workspace/configuration; specls.toml still wins.
  settings = {},
  -- Session options: { textSync = "full" } or { pushDiagnostics = true }.
  init_options = {},
  on_attach = nil,
  capabilities = nil,
}

--- The nearest ancestor of `path` (a file or folder) holding one of `markers`, or nil.
function M.find_root(path, markers)
  local dir = path
  local stat = uv.fs_stat(dir)
  if not stat or stat.type ~= "directory" then
    dir = vim.fn.fnamemodify(path, ":h")
  end
  while dir and dir ~= "" do
    for _, marker in ipairs(markers) do
      if uv.fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      return nil
    end
    dir = parent
  end
  return nil
end

--- An on_attach that leaves code buffers their own highlighting: specls's semantic tokens are
--- for specs (Neovim 0.9 and later request them for every attached buffer), then calls `user`.
function M.on_attach(spec_filetypes, user)
  return function(client, bufnr)
    local semantic = vim.lsp.semantic_tokens
    if semantic and not vim.tbl_contains(spec_filetypes, vim.bo[bufnr].filetype) then
      semantic.stop(bufnr, client.id)
    end
    if user then
      user(client, bufnr)
    end
  end
end

--- The client configuration for a workspace root (the table vim.lsp.start takes).
function M.client_config(opts, root)
  return {
    name = "specls",
    cmd = opts.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ":t") } },
    init_options = vim.tbl_extend("force", {}, opts.settings, opts.init_options),
    settings = { specls = opts.settings },
    on_attach = M.on_attach(opts.filetypes, opts.on_attach),
    capabilities = opts.capabilities or vim.lsp.protocol.make_client_capabilities(),
  }
end

local options = nil
-- Neovim 0.7 has no vim.lsp.start: one client per root, started once.
local clients_by_root = {}

local function attach_legacy(bufnr, config)
  local id = clients_by_root[config.root_dir]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped() then
    id = vim.lsp.start_client(config)
    if not id then
      vim.notify("specls: could not start " .. table.concat(config.cmd, " "), vim.log.levels.ERROR)
      return nil
    end
    clients_by_root[config.root_dir] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- Start specls for a buffer (or attach it to the running client of its root); returns the
--- client id, or nil when the buffer has no file or specls cannot start.
function M.attach(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local opts = options or M.defaults
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" or vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  if vim.fn.executable(opts.cmd[1]) ~= 1 then
    vim.notify_once(
      "specls: `" .. opts.cmd[1] .. "` is not executable; install it with `cargo install --path server` "
        .. "from a clone of specls, or set cmd in require('specls').setup{}",
      vim.log.levels.ERROR
    )
    return nil
  end
  local root = M.find_root(name, opts.root_markers) or vim.fn.fnamemodify(name, ":p:h")
  local config = M.client_config(opts, root)
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  return attach_legacy(bufnr, config)
end

--- setup{...}: merge options over the defaults and start specls on the configured filetypes.
function M.setup(user)
  options = vim.tbl_deep_extend("force", {}, M.defaults, user or {})
  local filetypes = vim.list_extend(vim.deepcopy(options.filetypes), options.code_filetypes)
  local group = vim.api.nvim_create_augroup("specls", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  -- Buffers opened before setup ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(filetypes, vim.bo[bufnr].filetype) then
      M.attach(bufnr)
    end
  end
end

return M
