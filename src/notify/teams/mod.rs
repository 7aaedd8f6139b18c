//! Microsoft Teams targets (`[channels.teams.NAME]`): a Workflows webhook that receives an
//! Adaptive Card, or Graph channel messages posted with a delegated token (subject, importance,
//! follow-ups as replies in the incident's thread).

pub mod graph;
pub mod workflows;

use crate::notify::Message;

/// The urgency banner for a message: `None` for ordinary messages, otherwise the level's label
/// (`KRITISK`, `HØY`, …) or `VIKTIG` when the level is unknown.
pub fn urgency_label(message: &Message) -> Option<String> {
    if !message.important {
        return None;
    }
    Some(match message.level.as_str() {
        "kritisk" => "KRITISK".to_string(),
        "hoy" => "HØY".to_string(),
        "middels" => "MIDDELS".to_string(),
        "lav" => "LAV".to_string(),
        "" => "VIKTIG".to_string(),
        other => other.to_uppercase(),
    })
}

use crate::clock::Clock;
use crate::config::TeamsChannel;
use crate::notify::graph_auth::{Grant, TokenPool};
use crate::notify::http::HttpClient;
use crate::notify::{Notifier, NotifyError};
use std::sync::Arc;
use std::time::Duration;

/// Builds the notifier for `[channels.teams.NAME]`.
pub fn build(
    name: &str,
    cfg: &TeamsChannel,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    pool: &mut TokenPool,
) -> Result<Arc<dyn Notifier>, NotifyError> {
    match cfg {
        TeamsChannel::Workflows { url } => Ok(Arc::new(workflows::WorkflowsNotifier::new(
            name, url, timeout, clock,
        )?)),
        TeamsChannel::Graph {
            auth,
            refresh_token_file,
            team_id,
            channel_id,
        } => {
            let http = HttpClient::new(timeout, clock)?;
            let token = pool.get(
                auth,
                Grant::RefreshToken {
                    file: refresh_token_file.clone(),
                },
                http.clone(),
            )?;
            Ok(Arc::new(graph::GraphTeamsNotifier::new(
                name,
                &auth.graph_url,
                team_id,
                channel_id,
                token,
                http,
            )?))
        }
    }
}
