//! End-to-end tests: the real `specls` binary (or the same server in-process) driven over the
//! Language Server Protocol like an editor drives it.

mod support;

mod code_actions;
mod commands;
mod completion;
mod config;
mod diagnostics;
mod hover;
mod lens;
mod lifecycle;
mod navigation;
mod properties;
mod rename;
mod results;
mod sync;
mod trace;
mod trace_views;
mod workspace;
