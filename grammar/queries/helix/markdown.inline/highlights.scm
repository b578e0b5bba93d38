; specls: spec IDs and markers in Markdown, on top of Helix's own Markdown highlighting.
; Helix reads one highlights.scm per language, the first found in its runtime folders, so append
; this file to a copy of Helix's markdown.inline/highlights.scm in
; ~/.config/helix/runtime/queries/markdown.inline/highlights.scm (see editors/helix/README.md).
; Later patterns win, so these come last.

; A requirement, criterion or task ID at its definition: **FR-001**, **SC-002**, **NFR-003**.
((strong_emphasis) @constant
  (#match? @constant "^\\*\\*[A-Z]+-[0-9]+[a-z]?\\*\\*$"))

; Task labels: [P] and [US1].
((shortcut_link) @label
  (#match? @label "^\\[(P|US[0-9]+)\\]$"))

; Open questions: [NEEDS CLARIFICATION: ...].
((shortcut_link) @warning
  (#match? @warning "^\\[NEEDS CLARIFICATION"))
