// Module JSON: see ../shared/design/DESIGN.md
