-- Headless check of lua/bertd.lua (run by test.sh): open a Chinese file, wait for bertd's diagnostic,
-- apply the first code action with an edit, and check the buffer changed exactly at the diagnostic's range.
local function finish(ok, message)
  io.stderr:write((ok and 'ok: ' or 'FAIL: ') .. message .. '\n')
  -- Leaving Neovim stops the client (shutdown + exit), so bertd ends with the editor.
  vim.cmd(ok and 'qall!' or 'cquit! 1')
end

local function env(name)
  local value = os.getenv(name)
  if not value or value == '' then finish(false, name .. ' is not set') end
  return value
end

local bertd, model, sample = env('BERTD_BIN'), env('BERTD_MODEL'), env('BERTD_SAMPLE')
vim.cmd('filetype on')
require('bertd').setup({
  cmd = { bertd, '--stdio', '--log-level', 'warning', '--model', 'csc=' .. model },
  -- The fixture model is random: threshold 0 makes it propose edits.
  settings = { bertd = { threshold = 0, debounceMs = 0 } },
})
vim.cmd('edit ' .. vim.fn.fnameescape(sample))
local bufnr = vim.api.nvim_get_current_buf()
if vim.bo[bufnr].filetype ~= 'text' then finish(false, 'filetype is ' .. vim.bo[bufnr].filetype) end

if not vim.wait(60000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50) then
  finish(false, 'no diagnostic within 60 s')
end
local diagnostic = vim.diagnostic.get(bufnr)[1]
local before = vim.api.nvim_buf_get_lines(bufnr, diagnostic.lnum, diagnostic.lnum + 1, false)[1]
local client = vim.lsp.buf_get_clients(bufnr)[next(vim.lsp.buf_get_clients(bufnr))]
if not client then finish(false, 'no client attached') end

-- vim.diagnostic keeps byte columns; LSP wants the client's offset encoding (utf-16 unless negotiated).
local function position(col)
  local utf32, utf16 = vim.str_utfindex(before, col)
  return { line = diagnostic.lnum, character = client.offset_encoding == 'utf-32' and utf32 or utf16 }
end
local range = { start = position(diagnostic.col), ['end'] = position(diagnostic.end_col) }
local lsp_diagnostic = vim.tbl_extend('force', diagnostic.user_data and diagnostic.user_data.lsp or {},
  { range = range, message = diagnostic.message })

local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', {
  textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  range = range,
  context = { diagnostics = { lsp_diagnostic } },
}, 30000)
local action
for _, response in pairs(responses or {}) do
  for _, candidate in ipairs(response.result or {}) do
    if candidate.edit and not action then action = candidate end
  end
end
if not action then finish(false, 'no code action with an edit: ' .. vim.inspect(responses)) end

local changes = action.edit.changes and action.edit.changes[vim.uri_from_bufnr(bufnr)]
local new_text = changes and changes[1] and changes[1].newText
if not new_text then finish(false, 'the code action edits another document') end
vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)

local after = vim.api.nvim_buf_get_lines(bufnr, diagnostic.lnum, diagnostic.lnum + 1, false)[1]
-- diagnostic.col and end_col are byte columns of the flagged text in the line.
local expected = before:sub(1, diagnostic.col) .. new_text .. before:sub(diagnostic.end_col + 1)
if after == before then finish(false, 'the buffer did not change: ' .. after) end
if after ~= expected then
  finish(false, string.format('expected %q, got %q', expected, after))
end
finish(true, string.format('%q -> %q (%s)', before, after, action.title))
