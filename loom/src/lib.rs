//! Nothing: the package holds the loom model checks of `stackslot`, in `tests/`.
