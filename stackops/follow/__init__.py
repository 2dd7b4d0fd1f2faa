"""Following an operation: the state table walk, polling, progress, interrupts and signals."""
