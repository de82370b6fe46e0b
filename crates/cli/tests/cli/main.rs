//! gocua-cli's integration tests, one binary: the `gocua` binary on real
//! device stores.

mod cli;
mod guards;
mod words;
