// Module Tokenizer: see ../shared/design/DESIGN.md
