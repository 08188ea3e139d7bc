// Module Checkpoint: see ../shared/design/DESIGN.md
