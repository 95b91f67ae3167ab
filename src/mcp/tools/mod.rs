//! The tool registry: every tool is declared next to its handler in the file of its resource
//! (`contacts.rs`, `pipelines.rs`, ...) and assembled here.
//!
//! A tool declares its name, title, description (written for a model), toolset, whether it
//! reads or writes, and typed arguments and output. Input and output JSON schemas are generated
//! from those types; annotations are derived from [`Access`], so read-only mode and toolset
//! selection are filters over [`all`].

pub mod contacts;
pub mod leads;
pub mod pipelines;

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::api::Client;
use crate::error::Error;

/// What a tool does to Kommo data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Only reads.
    Read,
    /// Changes data. `destructive`: may delete or overwrite; `idempotent`: repeating the same
    /// call has no further effect.
    Write { destructive: bool, idempotent: bool },
}

/// Shared state every tool handler receives.
#[derive(Clone, Debug)]
pub struct Context {
    pub client: Client,
}

/// What a tool returns: compact text for the model and the same data as `structuredContent`.
#[derive(Debug, Clone)]
pub struct ToolOutput {
    pub text: String,
    pub structured: serde_json::Value,
}

/// Text rendering of a tool's output, written for a model to read.
pub trait Render {
    fn render(&self) -> String;
}

type Handler = dyn Fn(Context, JsonObject) -> BoxFuture<'static, Result<ToolOutput, Error>> + Send + Sync;

/// One tool: its metadata and handler.
pub struct ToolDef {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// Area the tool belongs to (`contacts`, `pipelines`, ...).
    pub toolset: &'static str,
    pub access: Access,
    input_schema: Arc<JsonObject>,
    output_schema: Arc<JsonObject>,
    handler: Box<Handler>,
}

impl std::fmt::Debug for ToolDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolDef")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Static metadata of a tool, given to [`define`].
pub struct Meta {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub toolset: &'static str,
    pub access: Access,
}

/// Declares a tool from a typed async handler. `P` is the arguments type (its doc comments
/// become the input schema's descriptions), `O` the output type.
pub fn define<P, O, F, Fut>(meta: Meta, handler: F) -> ToolDef
where
    P: DeserializeOwned + JsonSchema + Send + 'static,
    O: Serialize + JsonSchema + Render + 'static,
    F: Fn(Context, P) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, Error>> + Send + 'static,
{
    let tool_name = meta.name;
    let handler = Arc::new(handler);
    let call = move |ctx: Context, args: JsonObject| -> BoxFuture<'static, Result<ToolOutput, Error>> {
        let handler = handler.clone();
        Box::pin(async move {
            let params: P = parse_args(tool_name, args)?;
            let out = handler(ctx, params).await?;
            let structured = serde_json::to_value(&out).map_err(|e| Error::InvalidResponse {
                context: tool_name.to_string(),
                reason: e.to_string(),
            })?;
            Ok(ToolOutput {
                text: out.render(),
                structured,
            })
        })
    };
    ToolDef {
        name: meta.name,
        title: meta.title,
        description: meta.description,
        toolset: meta.toolset,
        access: meta.access,
        input_schema: rmcp::handler::server::common::schema_for_type::<P>(),
        output_schema: rmcp::handler::server::common::schema_for_output::<O>(),
        handler: Box::new(call),
    }
}

/// Deserialises tool arguments, naming the offending argument on failure.
fn parse_args<P: DeserializeOwned>(tool: &str, args: JsonObject) -> Result<P, Error> {
    let value = serde_json::Value::Object(args);
    serde_path_to_error::deserialize::<_, P>(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        if path == "." || path.is_empty() {
            Error::invalid(format!("{tool} arguments"), inner)
        } else {
            Error::invalid(path, inner)
        }
    })
}

impl ToolDef {
    /// Runs the tool.
    pub fn call(&self, ctx: Context, args: JsonObject) -> BoxFuture<'static, Result<ToolOutput, Error>> {
        (self.handler)(ctx, args)
    }

    /// Whether the tool only reads.
    pub fn is_read_only(&self) -> bool {
        self.access == Access::Read
    }

    /// The MCP description of the tool.
    pub fn to_tool(&self) -> Tool {
        let (read_only, destructive, idempotent) = match self.access {
            Access::Read => (true, false, true),
            Access::Write {
                destructive,
                idempotent,
            } => (false, destructive, idempotent),
        };
        let annotations = ToolAnnotations::with_title(self.title)
            .read_only(read_only)
            .destructive(destructive)
            .idempotent(idempotent)
            .open_world(true);
        Tool::new(self.name, self.description, self.input_schema.clone())
            .with_title(self.title)
            .with_raw_output_schema(self.output_schema.clone())
            .with_annotations(annotations)
    }
}

/// Every tool, in listing order.
pub fn all() -> Vec<ToolDef> {
    let mut tools = Vec::new();
    tools.extend(contacts::tools());
    tools.extend(leads::tools());
    tools.extend(pipelines::tools());
    tools
}

/// Checks a free-text argument's length (characters), so oversized input never reaches Kommo.
pub fn check_len(arg: &str, value: &str, max: usize) -> Result<(), Error> {
    let n = value.chars().count();
    if n > max {
        return Err(Error::invalid(
            arg,
            format!("is {n} characters long; at most {max} are allowed"),
        ));
    }
    Ok(())
}

/// Checks optional id arguments (positive integers) before any request is made.
pub fn check_ids(ids: &[(&str, Option<i64>)]) -> Result<(), Error> {
    for (arg, id) in ids {
        if let Some(id) = id {
            crate::api::list::check_id(arg, *id)?;
        }
    }
    Ok(())
}

/// Checks a list argument: at most `max` items, each id positive.
pub fn check_id_list(arg: &str, ids: &[i64], max: usize) -> Result<(), Error> {
    check_count(arg, ids.len(), max)?;
    for (i, id) in ids.iter().enumerate() {
        crate::api::list::check_id(&format!("{arg}[{i}]"), *id)?;
    }
    Ok(())
}

/// Checks the number of items of a list argument.
pub fn check_count(arg: &str, n: usize, max: usize) -> Result<(), Error> {
    if n > max {
        return Err(Error::invalid(arg, format!("has {n} items; at most {max} are allowed")));
    }
    Ok(())
}
