//! The MCP server: [`server::KommoServer`] (the rmcp handler), the tool registry in [`tools`],
//! and the compact renderings in [`format`].

pub mod format;
pub mod http;
pub mod server;
pub mod tools;

pub use server::KommoServer;
