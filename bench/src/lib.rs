//! Capture generation for tests and benchmarks (see [`gen`]).
//!
//! The repository may not ship third-party captures, so every capture its tests and benchmarks
//! need is generated here, together with an independent description of what it contains.

pub mod gen;
