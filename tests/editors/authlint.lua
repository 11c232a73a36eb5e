-- authlint as Neovim's language server for Python and Rust buffers: the
-- configuration docs/editors.md gives, for every Neovim from 0.7 on.
-- `AUTHLINT` names the binary (default: `authlint` on PATH).
local cmd = { os.getenv("AUTHLINT") or "authlint", "server" }
vim.diagnostic.config({ virtual_text = true, underline = true })

if vim.fn.has("nvim-0.11") == 1 then
  -- Neovim 0.11 and later: declare the server, then enable it.
  vim.lsp.config("authlint", {
    cmd = cmd,
    filetypes = { "python", "rust" },
    root_markers = { "authlint.toml", ".authlint.toml", "pyproject.toml", "Cargo.toml", ".git" },
  })
  vim.lsp.enable("authlint")
elseif vim.fn.has("nvim-0.8") == 1 then
  -- Neovim 0.8 to 0.10: start (or reuse) the server for each buffer.
  vim.api.nvim_create_autocmd("FileType", {
    pattern = { "python", "rust" },
    callback = function(args)
      local markers = { "authlint.toml", ".authlint.toml", "pyproject.toml", "Cargo.toml", ".git" }
      local found = vim.fs.find(markers, { upward = true, path = vim.fs.dirname(args.file) })[1]
      vim.lsp.start({
        name = "authlint",
        cmd = cmd,
        root_dir = found and vim.fs.dirname(found) or vim.fn.getcwd(),
      })
    end,
  })
else
  -- Neovim 0.7 (Debian 12's): one client, attached to each buffer.
  local client_id = nil
  vim.api.nvim_create_autocmd("FileType", {
    pattern = { "python", "rust" },
    callback = function(args)
      if client_id == nil then
        local root = vim.fn.getcwd()
        client_id = vim.lsp.start_client({
          name = "authlint",
          cmd = cmd,
          root_dir = root,
          workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
        })
      end
      vim.lsp.buf_attach_client(args.buf, client_id)
    end,
  })
end
