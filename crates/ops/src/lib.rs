//! Profile math: merge, diff, scale, normalize, compact, filters, tag filters, units.
#![deny(missing_docs)]
