//! `completion/complete`: suggestions for prompt arguments and resource-template variables
//! (pipeline, stage and user names, entity names), from the account's metadata cache.
//!
//! Matching forgives case and accents (`text::fold`): a value matches when the typed text is
//! a prefix of it, or a prefix of one of its words (`neg` finds "Negociación", `won` finds
//! "Closed - won"). Whole-value prefixes come first. At most 100 values are returned, with the
//! number of matches in `total` and `hasMore` when some were left out.

use rmcp::model::{CompletionContext, CompletionInfo, ErrorData as McpError, Reference};

use crate::api::{account, pipelines, Client};
use crate::mcp::prompts::{self, Source};
use crate::mcp::resources::FIELD_ENTITIES;
use crate::text::fold;

/// Most values one answer carries (the MCP limit).
pub const MAX_VALUES: usize = CompletionInfo::MAX_VALUES;

fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

/// How well `candidate` matches `typed` (both folded): 0 whole-value prefix, 1 every typed
/// word starts a word of the candidate, `None` no match.
fn rank(candidate: &str, typed: &str) -> Option<u8> {
    if candidate.starts_with(typed) {
        return Some(0);
    }
    let typed_words: Vec<&str> = words(typed).collect();
    if typed_words.is_empty() {
        return None;
    }
    let all = typed_words.iter().all(|t| words(candidate).any(|w| w.starts_with(t)));
    all.then_some(1)
}

/// The candidates matching `typed`, best first, without duplicates, at most [`MAX_VALUES`].
pub fn matching<I, S>(candidates: I, typed: &str) -> CompletionInfo
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let typed = fold(typed);
    let mut seen = std::collections::HashSet::new();
    let mut ranked: Vec<(u8, String)> = candidates
        .into_iter()
        .map(Into::into)
        .filter(|c| !c.is_empty() && seen.insert(c.clone()))
        .filter_map(|c| rank(&fold(&c), &typed).map(|r| (r, c)))
        .collect();
    ranked.sort_by_key(|(r, _)| *r);
    let total = ranked.len();
    let values: Vec<String> = ranked.into_iter().take(MAX_VALUES).map(|(_, c)| c).collect();
    let count = u32::try_from(total).unwrap_or(u32::MAX);
    // Never fails: at most MAX_VALUES values were taken.
    CompletionInfo::with_pagination(values, Some(count), total > MAX_VALUES).unwrap_or_default()
}

/// What fills a resource template's variable.
fn template_source(uri: &str, arg: &str) -> Result<Source, McpError> {
    match (uri, arg) {
        ("kommo://custom-fields/{entity}", "entity") => Ok(Source::Entities),
        ("kommo://leads/{id}" | "kommo://contacts/{id}" | "kommo://companies/{id}", "id") => Ok(Source::Nothing),
        _ => Err(McpError::invalid_params(
            format!("no completion for {arg:?} of resource template {uri:?}"),
            None,
        )),
    }
}

/// Answers a `completion/complete` request. `visible` names the tools the server exposes (a
/// prompt hidden for lack of its tools completes nothing).
pub async fn complete(
    client: &Client,
    reference: &Reference,
    arg: &str,
    typed: &str,
    context: Option<&CompletionContext>,
    visible: &[&str],
) -> Result<CompletionInfo, McpError> {
    let source = match reference {
        Reference::Prompt(p) => prompts::argument_source(&p.name, arg, visible)?,
        Reference::Resource(r) => template_source(&r.uri, arg)?,
        _ => return Err(McpError::invalid_params("unknown completion reference type", None)),
    };
    let failed = |what: &str, e: crate::error::Error| {
        McpError::internal_error(format!("could not load {what} from Kommo for completion: {e}"), None)
    };
    Ok(match source {
        Source::Nothing => matching(Vec::<String>::new(), typed),
        Source::Entities => matching(FIELD_ENTITIES, typed),
        Source::Pipelines => {
            let ps = pipelines::cached(client).await.map_err(|e| failed("pipelines", e))?;
            matching(ps.iter().map(|p| p.name.clone()), typed)
        }
        Source::Stages => {
            let ps = pipelines::cached(client).await.map_err(|e| failed("pipelines", e))?;
            let chosen = context
                .and_then(|c| c.get_argument("pipeline"))
                .and_then(|name| prompts::find_pipeline(&ps, name).ok());
            let stages: Vec<String> = ps
                .iter()
                .filter(|p| chosen.is_none_or(|c| c.id == p.id))
                .flat_map(|p| p.statuses().iter().map(|s| s.name.clone()))
                .collect();
            matching(stages, typed)
        }
        Source::Users => {
            let users = account::cached_users(client).await.map_err(|e| failed("users", e))?;
            matching(users.iter().map(|u| u.name.clone()), typed)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PIPELINES: [&str; 4] = ["Ventas", "Partners", "Soporte", "Ventas Exportación"];

    #[test]
    fn prefixes_match_ignoring_case_and_accents() {
        let c = matching(PIPELINES, "ven");
        assert_eq!(c.values, ["Ventas", "Ventas Exportación"]);
        assert_eq!((c.total, c.has_more), (Some(2), Some(false)));
        assert_eq!(
            matching(["Negociación", "Propuesta enviada"], "NEGOCIACIO").values,
            ["Negociación"]
        );
        assert_eq!(matching(["María Rodríguez"], "maria rod").values, ["María Rodríguez"]);
    }

    #[test]
    fn word_prefixes_match_after_whole_value_prefixes() {
        let stages = ["Closed - won", "Closed - lost", "Won back", "Incoming leads"];
        assert_eq!(matching(stages, "won").values, ["Won back", "Closed - won"]);
        assert_eq!(matching(stages, "exportacion").values, Vec::<String>::new());
        assert_eq!(matching(PIPELINES, "expo").values, ["Ventas Exportación"]);
        assert_eq!(
            matching(["Diego Torres", "Laura Méndez"], "mend").values,
            ["Laura Méndez"]
        );
    }

    #[test]
    fn an_empty_value_lists_everything_once() {
        let c = matching(["Incoming leads", "Closed - won", "Incoming leads"], "");
        assert_eq!(c.values, ["Incoming leads", "Closed - won"]);
        assert_eq!(c.total, Some(2));
    }

    #[test]
    fn at_most_100_values_with_total_and_has_more() {
        let many: Vec<String> = (0..250).map(|i| format!("Stage {i:03}")).collect();
        let c = matching(many.clone(), "st");
        assert_eq!(c.values.len(), 100);
        assert_eq!((c.total, c.has_more), (Some(250), Some(true)));
        let c = matching(many, "stage 24");
        assert_eq!(c.values, (240..250).map(|i| format!("Stage {i}")).collect::<Vec<_>>());
        assert_eq!(c.has_more, Some(false));
    }

    #[test]
    fn template_variables_know_their_source() {
        assert_eq!(
            template_source("kommo://custom-fields/{entity}", "entity").ok(),
            Some(Source::Entities)
        );
        assert_eq!(template_source("kommo://leads/{id}", "id").ok(), Some(Source::Nothing));
        let e = template_source("kommo://tasks/{id}", "id").unwrap_err();
        assert_eq!(e.code, rmcp::model::ErrorCode::INVALID_PARAMS);
    }
}
