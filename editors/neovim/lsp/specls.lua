-- specls for Neovim 0.11's vim.lsp.config: with this plugin on 'runtimepath',
--   vim.lsp.enable("specls")
-- starts it; override keys with vim.lsp.config("specls", { ... }).
local specls = require("specls")
local defaults = specls.defaults

return {
  cmd = defaults.cmd,
  filetypes = vim.list_extend(vim.deepcopy(defaults.filetypes), defaults.code_filetypes),
  root_dir = function(bufnr, on_dir)
    local name = vim.api.nvim_buf_get_name(bufnr)
    on_dir(specls.find_root(name, defaults.root_markers) or vim.fs.dirname(name))
  end,
  on_attach = specls.on_attach(defaults.filetypes),
  init_options = {},
  settings = { specls = {} },
}
