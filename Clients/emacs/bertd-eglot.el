;;; bertd-eglot.el --- bertd spelling diagnostics through eglot  -*- lexical-binding: t; -*-

;; Starts `bertd --stdio' for text and markdown buffers with eglot (built into Emacs 29; a package
;; before).  Diagnostics appear through Flymake; `M-x eglot-code-actions' applies a correction.
;; Usage: (load "/path/to/bertd-eglot.el"), then `M-x eglot' in a text buffer, or enable
;; `bertd-eglot-auto-start' to start it in every text and markdown buffer.

;;; Code:

(require 'eglot)

(defgroup bertd-eglot nil
  "BERT annotations from bertd in Emacs."
  :group 'tools)

(defcustom bertd-eglot-command '("bertd" "--stdio")
  "The command that serves one editor on stdio.
Add \"--model\" \"csc=/path/to/model\" to choose the correction model."
  :type '(repeat string))

(defcustom bertd-eglot-settings '(:threshold 0.5)
  "Settings sent to bertd under `bertd': :threshold (0..1), :ignore (a vector of words), :debounceMs."
  :type 'plist)

(defcustom bertd-eglot-modes '(text-mode markdown-mode)
  "Major modes bertd checks."
  :type '(repeat symbol))

(defcustom bertd-eglot-auto-start nil
  "Non-nil: start eglot with bertd in every buffer of `bertd-eglot-modes'."
  :type 'boolean)

;; A function entry so the command is read when eglot starts, after customizations are loaded.
(add-to-list 'eglot-server-programs
             (cons bertd-eglot-modes (lambda (&rest _) bertd-eglot-command)))

;; Sent with workspace/didChangeConfiguration; other servers' sections are kept.  A configuration
;; that is a function (newer eglot allows it) is the user's own: leave it alone.
(let ((configuration (default-value 'eglot-workspace-configuration)))
  (when (listp configuration)
    (setq-default eglot-workspace-configuration
                  (plist-put (copy-sequence configuration) :bertd bertd-eglot-settings))))

(defun bertd-eglot-maybe-start ()
  "Start eglot when `bertd-eglot-auto-start' is set."
  (when bertd-eglot-auto-start (eglot-ensure)))

(dolist (mode bertd-eglot-modes)
  (add-hook (intern (format "%s-hook" mode)) #'bertd-eglot-maybe-start))

(provide 'bertd-eglot)
;;; bertd-eglot.el ends here
