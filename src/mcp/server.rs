//! The rmcp handler: lists the registered tools and runs them.
//!
//! Each call runs in its own task, so a panic inside a tool becomes an `isError` result and the
//! server keeps serving, and `notifications/cancelled` aborts the call (and with it the
//! in-flight Kommo request).

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams, CompleteResult, ContentBlock,
    ErrorData as McpError, GetPromptRequestParams, GetPromptResponse, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ProgressNotificationParam, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, ServerCapabilities,
    ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler};

use crate::api::progress::Progress;
use crate::api::Client;
use crate::mcp::http::{self, AccountPolicy};
use crate::mcp::tools::{self, Context, ToolDef};
use crate::mcp::{completion, prompts, resources};

/// Instructions sent to the client at `initialize`.
const INSTRUCTIONS: &str = "Tools for one Kommo CRM account. Results are compact text with ids; pass ids from \
one tool to the next. Phone search accepts any phone format. Resources (kommo://account, kommo://pipelines, \
kommo://users, kommo://custom-fields/{entity}, kommo://leads/{id}...) give account metadata and single records.";

/// Which tools a server exposes.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Hide and refuse tools that change data.
    pub read_only: bool,
    /// Toolsets to serve (`None`: [`tools::DEFAULT_TOOLSETS`]).
    pub toolsets: Option<Vec<String>>,
}

impl ServerOptions {
    /// Every toolset, all tools (read and write).
    pub fn all_tools() -> Self {
        let names = tools::toolset_names(&tools::all())
            .into_iter()
            .map(str::to_string)
            .collect();
        ServerOptions {
            read_only: false,
            toolsets: Some(names),
        }
    }
}

/// The Kommo MCP server: one account (stdio), or in HTTP mode the account from the environment
/// and/or per-request accounts from headers (see [`crate::mcp::http`]).
#[derive(Clone)]
pub struct KommoServer {
    /// The account from the environment (or the sandbox); `None` in HTTP mode when every request
    /// must name its account in headers.
    client: Option<Client>,
    /// HTTP mode: requests may carry their own Kommo credentials in headers.
    accounts: Option<Arc<AccountPolicy>>,
    tools: Arc<Vec<ToolDef>>,
    /// Tools left out by the options, with the reason, for a helpful error.
    hidden: Arc<Vec<(&'static str, String)>>,
}

impl std::fmt::Debug for KommoServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KommoServer").field("tools", &self.tools.len()).finish()
    }
}

impl KommoServer {
    /// A server for `client` with the tools `options` select.
    pub fn new(client: Client, options: &ServerOptions) -> Self {
        Self::build(Some(client), None, options)
    }

    /// An HTTP-mode server: `client` (when the environment names an account) serves requests
    /// without account headers; requests with headers get their own account's client.
    pub fn with_accounts(client: Option<Client>, policy: AccountPolicy, options: &ServerOptions) -> Self {
        Self::build(client, Some(Arc::new(policy)), options)
    }

    fn build(client: Option<Client>, accounts: Option<Arc<AccountPolicy>>, options: &ServerOptions) -> Self {
        let wanted: Vec<String> = match &options.toolsets {
            Some(sets) => sets.clone(),
            None => tools::DEFAULT_TOOLSETS.iter().map(|s| s.to_string()).collect(),
        };
        let mut hidden = Vec::new();
        let mut tools = Vec::new();
        for t in tools::all() {
            if !wanted.iter().any(|w| w == t.toolset) {
                hidden.push((
                    t.name,
                    format!(
                        "its toolset \"{}\" is not enabled (set KOMMO_TOOLSETS or --toolsets)",
                        t.toolset
                    ),
                ));
            } else if options.read_only && !t.is_read_only() {
                hidden.push((t.name, "the server runs in read-only mode".to_string()));
            } else {
                tools.push(t);
            }
        }
        Self {
            client,
            accounts,
            tools: Arc::new(tools),
            hidden: Arc::new(hidden),
        }
    }

    /// Names of the exposed tools (what prompts may mention).
    fn visible(&self) -> Vec<&'static str> {
        self.tools.iter().map(|t| t.name).collect()
    }

    /// The MCP descriptions of the exposed tools.
    pub fn tool_list(&self) -> Vec<Tool> {
        self.tools.iter().map(ToolDef::to_tool).collect()
    }

    /// Runs a tool by name for the default account; `None` for an unknown tool or when there is
    /// no default account.
    pub async fn run(&self, name: &str, args: rmcp::model::JsonObject) -> Option<CallToolResult> {
        let index = self.tools.iter().position(|t| t.name == name)?;
        let client = self.client.clone()?;
        let fut = self.tools[index].call(Context::new(client), args);
        Some(finish(name, tokio::spawn(fut).await))
    }

    /// The Kommo client for one MCP request: in HTTP mode the account named by the request's
    /// `X-Kommo-*` headers when it has them, otherwise the server's own account. Errors name the
    /// header that is wrong and never contain a token.
    pub(crate) fn client_for(&self, ctx: &RequestContext<RoleServer>) -> Result<Client, McpError> {
        if let Some(policy) = &self.accounts {
            if let Some(parts) = ctx.extensions.get::<axum::http::request::Parts>() {
                match http::client_from_headers(&parts.headers, policy) {
                    Ok(Some(client)) => return Ok(client),
                    Ok(None) => {}
                    Err(message) => return Err(McpError::invalid_request(message, None)),
                }
            }
        }
        self.client.clone().ok_or_else(|| {
            McpError::invalid_request(
                "No Kommo account for this request: send the X-Kommo-Base-Url (or X-Kommo-Subdomain) and \
                 X-Kommo-Access-Token headers, or start the server with KOMMO_BASE_URL and KOMMO_ACCESS_TOKEN set",
                None,
            )
        })
    }
}

/// What is wrong with the params of a request to a known MCP method that rmcp could not read
/// (`None`: the method is not one MCP defines for a server).
fn invalid_params(method: &str, params: Option<&serde_json::Value>) -> Option<String> {
    use rmcp::model as m;
    fn why<T: serde::de::DeserializeOwned>(params: Option<&serde_json::Value>) -> String {
        let Some(params) = params else {
            return "params are missing".into();
        };
        if !params.is_object() {
            return format!(
                "params must be an object, got {}",
                crate::text::truncate_chars(&params.to_string(), 40)
            );
        }
        match serde_path_to_error::deserialize::<_, T>(params) {
            Ok(_) => "params are not valid".into(),
            Err(e) => {
                let path = e.path().to_string();
                let inner = crate::text::truncate_chars(&e.into_inner().to_string(), 200);
                if path == "." || path.is_empty() {
                    format!("params: {inner}")
                } else {
                    format!("params.{path}: {inner}")
                }
            }
        }
    }
    let reason = match method {
        "tools/call" => why::<m::CallToolRequestParams>(params),
        "resources/read" => why::<m::ReadResourceRequestParams>(params),
        "prompts/get" => why::<m::GetPromptRequestParams>(params),
        "completion/complete" => why::<m::CompleteRequestParams>(params),
        #[allow(deprecated)] // logging: see set_level.
        "logging/setLevel" => why::<m::SetLevelRequestParams>(params),
        "resources/subscribe" => why::<m::SubscribeRequestParams>(params),
        "resources/unsubscribe" => why::<m::UnsubscribeRequestParams>(params),
        "initialize" => why::<m::InitializeRequestParams>(params),
        "tools/list" | "resources/list" | "resources/templates/list" | "prompts/list" => {
            why::<m::PaginatedRequestParams>(params)
        }
        "ping" | "tasks/get" | "tasks/list" | "tasks/cancel" | "tasks/result" | "server/discover" => {
            "params are not valid".into()
        }
        _ => return None,
    };
    Some(format!("Invalid params for {method}: {reason}"))
}

fn finish(
    name: &str,
    joined: Result<Result<tools::ToolOutput, crate::error::Error>, tokio::task::JoinError>,
) -> CallToolResult {
    match joined {
        Ok(Ok(out)) => {
            let mut result = CallToolResult::success(vec![ContentBlock::text(out.text)]);
            result.structured_content = Some(out.structured);
            result
        }
        Ok(Err(e)) => {
            tracing::debug!(tool = name, error = %e, "tool failed");
            CallToolResult::error(vec![ContentBlock::text(e.to_string())])
        }
        Err(join) => {
            let what = if join.is_panic() {
                "an internal error (a bug; please report it)"
            } else {
                "cancellation"
            };
            tracing::error!(tool = name, "tool stopped by {what}");
            CallToolResult::error(vec![ContentBlock::text(format!(
                "{name} stopped because of {what}; nothing else was affected."
            ))])
        }
    }
}

/// The result of a cancelled call. A write may have reached Kommo before the cancellation, so
/// its text says to look before repeating it.
fn cancelled_text(name: &str, writes: bool) -> String {
    if writes {
        format!("{name} was cancelled; a request it had already sent may have changed data in Kommo, so check (search or get the records) before calling it again")
    } else {
        format!("{name} was cancelled")
    }
}

impl ServerHandler for KommoServer {
    #[allow(deprecated)] // enable_logging: see set_level.
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_completions()
            .enable_prompts()
            .enable_resources()
            .enable_tools()
            .enable_logging()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(
                Implementation::new("kommo-mcp", crate::VERSION)
                    .with_title("Kommo CRM")
                    .with_website_url("https://www.npmjs.com/package/@syncraengine/kommo-mcp"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    /// `logging/setLevel`: accepted (every level is valid). The server sends no `notifications/message`
    /// at any level (its logs go to stderr with --debug), so there is nothing to filter. MCP logging is
    /// deprecated (SEP-2577); it is declared because clients of the 2025 protocol versions still ask.
    #[allow(deprecated)]
    async fn set_level(
        &self,
        request: rmcp::model::SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        tracing::debug!(level = ?request.level, "client set the MCP log level");
        Ok(())
    }

    /// rmcp hands over as a custom request every request it could not read, including a known
    /// MCP method whose params are malformed (`tools/call` with `name: 42`, no params,
    /// `arguments: "text"`). Those get -32602 Invalid params naming what is wrong; methods MCP
    /// does not define keep -32601 Method not found.
    async fn on_custom_request(
        &self,
        request: rmcp::model::CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CustomResult, McpError> {
        Err(match invalid_params(&request.method, request.params.as_ref()) {
            Some(message) => McpError::invalid_params(message, None),
            None => McpError::new(rmcp::model::ErrorCode::METHOD_NOT_FOUND, request.method, None),
        })
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(self.tool_list()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|t| t.name == name).map(ToolDef::to_tool)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let name = request.name.to_string();
        let Some(index) = self.tools.iter().position(|t| t.name == name) else {
            if let Some((_, why)) = self.hidden.iter().find(|(n, _)| *n == name) {
                return Err(McpError::invalid_params(
                    format!("tool {name:?} is not available: {why}"),
                    None,
                ));
            }
            let known: Vec<&str> = self.tools.iter().map(|t| t.name).collect();
            return Err(McpError::invalid_params(
                format!("unknown tool {name:?}; this server has: {}", known.join(", ")),
                None,
            ));
        };
        let client = self.client_for(&context)?;
        let args = request.arguments.unwrap_or_default();
        let ctx = Context {
            client,
            progress: Some(progress_of(&context)),
        };
        let writes = matches!(self.tools[index].access, crate::mcp::tools::Access::Write { .. });
        let handle = tokio::spawn(self.tools[index].call(ctx, args));
        let abort = handle.abort_handle();
        tokio::select! {
            joined = handle => Ok(finish(&name, joined).into()),
            _ = context.ct.cancelled() => {
                abort.abort();
                tracing::debug!(tool = %name, "cancelled by the client");
                Ok(CallToolResult::error(vec![ContentBlock::text(cancelled_text(&name, writes))]).into())
            }
        }
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        Ok(ListResourcesResult::with_all_items(resources::list()))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(resources::templates()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let client = self.client_for(&context)?;
        let contents = resources::read(&client, &request.uri).await?;
        Ok(ReadResourceResult::new(vec![contents]).into())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(ListPromptsResult::with_all_items(prompts::list(&self.visible())))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let client = self.client_for(&context)?;
        let result = prompts::get(&client, &request.name, request.arguments.as_ref(), &self.visible()).await?;
        Ok(result.into())
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        let client = self.client_for(&context)?;
        let info = completion::complete(
            &client,
            &request.r#ref,
            &request.argument.name,
            &request.argument.value,
            request.context.as_ref(),
            &self.visible(),
        )
        .await?;
        Ok(CompleteResult::new(info))
    }
}

/// Progress for a tool call: `notifications/progress` with the request's `progressToken` when
/// it has one (nothing otherwise), and the call's cancellation, so long work stops between
/// Kommo requests once the client cancels.
fn progress_of(context: &RequestContext<RoleServer>) -> Progress {
    match context.meta.get_progress_token() {
        Some(token) => {
            let peer = context.peer.clone();
            Progress::new(move |step| {
                let peer = peer.clone();
                let mut param =
                    ProgressNotificationParam::new(token.clone(), step.done as f64).with_message(step.message);
                if let Some(total) = step.total {
                    param = param.with_total(total as f64);
                }
                async move {
                    if let Err(e) = peer.notify_progress(param).await {
                        tracing::debug!(error = %e, "progress notification not sent");
                    }
                }
            })
            .with_cancel(context.ct.clone())
        }
        None => Progress::silent(context.ct.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::tools::{define, Access, Meta, Render};

    #[test]
    fn a_cancelled_write_says_to_check_before_repeating_it() {
        assert_eq!(
            cancelled_text("kommo_list_leads", false),
            "kommo_list_leads was cancelled"
        );
        let text = cancelled_text("kommo_create_lead", true);
        assert!(text.starts_with("kommo_create_lead was cancelled; "), "{text}");
        assert!(
            text.contains("check (search or get the records) before calling it again"),
            "{text}"
        );
    }

    #[derive(serde::Deserialize, schemars::JsonSchema)]
    struct NoArgs {}

    #[derive(serde::Serialize, schemars::JsonSchema)]
    struct Nothing {}

    impl Render for Nothing {
        fn render(&self) -> String {
            String::new()
        }
    }

    fn client() -> Client {
        let config = crate::config::validate(crate::config::RawConfig {
            base_url: Some("http://127.0.0.1:9".into()),
            access_token: Some("t".into()),
            ..Default::default()
        })
        .unwrap();
        Client::new(&config).unwrap()
    }

    #[tokio::test]
    async fn a_panic_inside_a_tool_becomes_a_tool_error_and_the_server_keeps_serving() {
        let panicking = define(
            Meta {
                name: "panics",
                title: "Panics",
                description: "test",
                toolset: "test",
                access: Access::Read,
            },
            |_ctx, _args: NoArgs| async move {
                if true {
                    panic!("boom");
                }
                Ok::<_, crate::error::Error>(Nothing {})
            },
        );
        let fine = define(
            Meta {
                name: "fine",
                title: "Fine",
                description: "test",
                toolset: "test",
                access: Access::Read,
            },
            |_ctx, _args: NoArgs| async move { Ok::<_, crate::error::Error>(Nothing {}) },
        );
        let server = KommoServer {
            client: Some(client()),
            accounts: None,
            tools: Arc::new(vec![panicking, fine]),
            hidden: Arc::new(Vec::new()),
        };
        let result = server.run("panics", Default::default()).await.expect("known tool");
        assert_eq!(result.is_error, Some(true));
        let text = format!("{:?}", result.content);
        assert!(text.contains("panics stopped because of an internal error"), "{text}");
        let result = server.run("fine", Default::default()).await.expect("known tool");
        assert_ne!(result.is_error, Some(true), "the server still serves");
        assert!(server.run("missing", Default::default()).await.is_none());
    }

    #[test]
    fn read_only_servers_hold_no_write_tool() {
        let server = KommoServer::new(
            client(),
            &ServerOptions {
                read_only: true,
                toolsets: None,
            },
        );
        let names: Vec<String> = server.tool_list().iter().map(|t| t.name.to_string()).collect();
        assert!(names.contains(&"kommo_get_lead".to_string()));
        for write in ["kommo_create_lead", "kommo_update_lead"] {
            assert!(!names.contains(&write.to_string()), "{write} listed in read-only mode");
        }
        let all = KommoServer::new(client(), &ServerOptions::default());
        assert!(all.tool_list().iter().any(|t| t.name == "kommo_create_lead"));
    }
}
