#!/usr/bin/env bash
# Regenerates docs/img/neovim-hover.png: Neovim in tmux on the e2e fixture, hover on FR-001 in
# tasks.md with the FR-009 diagnostic below it, captured with its colours and drawn by
# render_ansi.py (needs tmux, nvim and Python's Pillow).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
bin="${SPECLS_BIN:-${CARGO_TARGET_DIR:-$repo/target}/debug/specls}"
work="$(mktemp -d)"
session="specls-shot-$$"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$work"' EXIT

cat > "$work/init.lua" <<LUA
vim.opt.runtimepath:prepend("$repo/editors/neovim")
vim.cmd("filetype on | syntax on | colorscheme desert")
vim.opt.termguicolors = true
vim.opt.number = true
vim.cmd("highlight NormalFloat guibg=#2b2b2b guifg=#e8e8e8 | highlight FloatBorder guibg=#2b2b2b guifg=#87afd7")
vim.lsp.handlers["textDocument/hover"] = vim.lsp.with(vim.lsp.handlers.hover, { border = "rounded" })
require("specls").setup({ cmd = { "$bin" } })
LUA

cd "$here/fixture"
TERM=xterm-256color tmux new-session -d -s "$session" -x 118 -y 20 \
  "XDG_STATE_HOME=$work XDG_CACHE_HOME=$work nvim -u $work/init.lua -i NONE specs/001-harbour-access/tasks.md"
sleep 5
# The cursor on FR-001 of T002 (line 11), then hover.
tmux send-keys -t "$session" ':call cursor(11, 72)' Enter
sleep 0.5
tmux send-keys -t "$session" ':lua vim.lsp.buf.hover()' Enter
sleep 2
tmux capture-pane -t "$session" -p -e > "$work/screen.ansi"
python3 "$here/render_ansi.py" "$work/screen.ansi" "$repo/docs/img/neovim-hover.png"
