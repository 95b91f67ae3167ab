//! kommo-mcp: a Kommo CRM (ex-amoCRM) connector with a Rust core.
//!
//! The crate is one library used three ways:
//! - as a Node addon (napi-rs): the JS SDK in [`node`];
//! - as an MCP server (rmcp over stdio), started by `bin/kommo-mcp.js` through [`node::cli`];
//! - as plain Rust, which is how `cargo test` exercises every layer without Node.
//!
//! Data flows one way: JS call or MCP tool -> typed arguments -> [`api`] -> transport -> Kommo,
//! and typed results flow back to be rendered once, at the edge ([`mcp::format`] for the model,
//! napi objects for JS). [`sandbox`] is an in-process emulator of the Kommo API v4.

pub mod api;
pub mod config;
pub mod error;
#[doc(hidden)]
pub mod fuzz_checks;
pub mod mcp;
pub mod node;
pub mod phone;
pub mod phone_db;
pub mod sandbox;
pub mod schema;
pub mod text;

/// Package name as published on npm.
pub const PACKAGE_NAME: &str = "@syncraengine/kommo-mcp";
/// Package version (kept equal to `package.json` by `napi version`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
