;;; authlint.el --- authlint as eglot's server for Python and Rust  -*- lexical-binding: t -*-
;; The configuration docs/editors.md gives. Eglot is built into Emacs 29
;; and later; on Emacs 28, install it (Debian: elpa-eglot; or M-x
;; package-install RET eglot). AUTHLINT names the binary (default: authlint).
(require 'eglot)
(let ((authlint (or (getenv "AUTHLINT") "authlint")))
  (add-to-list 'eglot-server-programs
               `((python-mode python-ts-mode rust-mode rust-ts-mode) . (,authlint "server"))))
(add-hook 'python-mode-hook #'eglot-ensure)
(add-hook 'rust-mode-hook #'eglot-ensure)
