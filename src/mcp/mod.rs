//! The MCP server: [`server::KommoServer`] (the rmcp handler), the tool registry in [`tools`],
//! the compact renderings in [`format`], and the [`resources`], [`prompts`] and
//! [`completion`] capabilities.

pub mod completion;
pub mod format;
pub mod http;
pub mod prompts;
pub mod resources;
pub mod server;
pub mod tools;

pub use server::KommoServer;
