-- bertd for Neovim 0.7+ with the built-in LSP client (no plugins): Chinese spelling diagnostics and quick
-- fixes from `bertd --stdio`. Usage, in init.lua:  require('bertd').setup()  (options below).
local M = {}

M.defaults = {
  -- The command that serves one editor on stdio; add `'--model', 'csc=/path/to/model'` to choose models.
  cmd = { 'bertd', '--stdio' },
  filetypes = { 'text', 'markdown' },
  -- Sent as workspace/didChangeConfiguration (and initializationOptions): threshold, ignore, debounceMs.
  settings = { bertd = {} },
}

-- Starts (once) or reuses the bertd client and attaches it to `bufnr`.
local function attach(config, bufnr)
  local client_config = {
    name = 'bertd',
    cmd = config.cmd,
    root_dir = vim.loop.cwd(),
    settings = config.settings,
    init_options = config.settings,
  }
  if vim.lsp.start then
    -- Neovim 0.8+: reuses a running client with the same name and root.
    vim.lsp.start(client_config, { bufnr = bufnr })
    return
  end
  -- Neovim 0.7: one client for the session, attached to each matching buffer.
  if not M.client_id or vim.lsp.client_is_stopped(M.client_id) then
    M.client_id = vim.lsp.start_client(client_config)
  end
  if M.client_id then
    vim.lsp.buf_attach_client(bufnr, M.client_id)
  end
end

--- Starts bertd for buffers of `opts.filetypes`; `opts` overrides `M.defaults` (cmd, filetypes, settings).
function M.setup(opts)
  local config = vim.tbl_deep_extend('force', M.defaults, opts or {})
  local group = vim.api.nvim_create_augroup('bertd', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = config.filetypes,
    callback = function(event) attach(config, event.buf) end,
  })
end

return M
