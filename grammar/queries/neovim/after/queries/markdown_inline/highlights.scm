;; extends
; specls: spec IDs and markers in Markdown, on top of Neovim's own Markdown highlighting.
; Copy (or add to 'runtimepath') as after/queries/markdown_inline/highlights.scm. The server's
; semantic tokens stay the primary highlighting; these work without it, for example in previews.

; A requirement, criterion or task ID at its definition: **FR-001**, **SC-002**, **NFR-003**.
((strong_emphasis) @constant
  (#lua-match? @constant "^%*%*[A-Z][A-Z]*%-[0-9][0-9]*[a-z]?%*%*$")
  (#set! priority 110))

; Task labels: [P] and [US1].
((shortcut_link) @label
  (#lua-match? @label "^%[P%]$")
  (#set! priority 110))

((shortcut_link) @label
  (#lua-match? @label "^%[US[0-9][0-9]*%]$")
  (#set! priority 110))

; Open questions: [NEEDS CLARIFICATION: ...].
((shortcut_link) @comment.warning
  (#lua-match? @comment.warning "^%[NEEDS CLARIFICATION")
  (#set! priority 120))
