// Module BERT: see ../shared/design/DESIGN.md
