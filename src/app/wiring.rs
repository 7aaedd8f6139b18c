//! Builds the daemon's parts from a validated config: the ticket source (Pureservice sync) and
//! the outbox with every configured channel. Used at start and on reload. The sync and the
//! `pureservice_note` channel share one client, so the sync recognises the daemon's own notes
//! and does not take them for an agent's status update.

use super::source::{PollError, PollFuture, Polled, TicketSource, WriteFuture};
use crate::clock::Clock;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::outbox::{Fallbacks, Outbox};
use crate::pureservice::client::ClientOptions;
use crate::pureservice::{sync::Syncer, Client};
use crate::state::SyncCursor;
use crate::ticket::TicketId;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// `options` (or the defaults) with every failed Pureservice request counted in
/// `slavakt_api_errors_total` — kept across reloads, since the options are reused.
pub fn counting_errors(options: Option<ClientOptions>, metrics: Arc<Metrics>) -> ClientOptions {
    let mut options = options.unwrap_or_default();
    let earlier = options.on_error.take();
    options.on_error = Some(Arc::new(move |e| {
        metrics.api_request_failed(e);
        if let Some(hook) = &earlier {
            hook(e);
        }
    }));
    options
}

/// The ticket source and the outbox for `config`.
pub fn build(
    config: &Config,
    clock: Arc<dyn Clock>,
    client_options: Option<ClientOptions>,
) -> Result<(Box<dyn TicketSource>, Outbox), String> {
    let client = Client::with_options(&config.pureservice, client_options.unwrap_or_default())
        .map_err(|e| format!("cannot set up the Pureservice client: {e}"))?;
    let source = Box::new(PureserviceSource {
        syncer: Syncer::new(client.clone(), config),
    });
    Ok((source, outbox(config, client, clock)?))
}

/// The outbox with every configured channel. A channel that cannot be built is an error: the
/// daemon refuses to start (or the reload is refused) rather than silently dropping notices.
fn outbox(config: &Config, client: Client, clock: Arc<dyn Clock>) -> Result<Outbox, String> {
    let built = crate::notify::build_notifiers(&config.channels, clock.clone());
    if !built.problems.is_empty() {
        let list: Vec<String> = built
            .problems
            .iter()
            .map(|(name, e)| format!("channel {name}: {e}"))
            .collect();
        return Err(format!(
            "cannot set up delivery channels: {}",
            list.join("; ")
        ));
    }
    let mut notifiers = built.notifiers;
    if config.channels.pureservice_note {
        notifiers.insert(
            "pureservice_note".into(),
            Arc::new(crate::notify::pureservice_note::PureserviceNoteNotifier::new(client)),
        );
    }
    let render_config = Arc::new(config.clone());
    Ok(Outbox::new(
        notifiers,
        config.channels.retry.clone(),
        config.channels.concurrency,
    )
    .with_dry_run(config.daemon.dry_run)
    .with_fallbacks(Fallbacks::from_config(config))
    .with_renderer(Arc::new(move |intent, ticket, now| {
        crate::templates::render(intent, ticket, None, &render_config, now)
            .map_err(|e| e.to_string())
    })))
}

/// The Pureservice incremental sync as the daemon's ticket source.
pub struct PureserviceSource {
    syncer: Syncer,
}

impl TicketSource for PureserviceSource {
    fn poll<'a>(
        &'a mut self,
        cursor: &'a mut SyncCursor,
        _config: &'a Config,
        now: DateTime<Utc>,
    ) -> PollFuture<'a> {
        Box::pin(async move {
            match self.syncer.cycle(cursor, now).await {
                Ok(outcome) => {
                    *cursor = outcome.cursor;
                    Ok(Polled {
                        snapshots: outcome.changed,
                        removed: outcome.removed,
                        requests: outcome.requests,
                        sync: Some(Box::new(super::source::SyncNews {
                            mode: outcome.mode.name(),
                            switches: outcome.switches,
                            missed: outcome.missed,
                        })),
                    })
                }
                Err(e) => Err(PollError {
                    kind: crate::metrics::error_kind(&e).to_string(),
                    message: e.to_string(),
                }),
            }
        })
    }

    fn set_priority<'a>(&'a mut self, ticket: TicketId, priority: &'a str) -> WriteFuture<'a> {
        Box::pin(async move {
            let id = self
                .syncer
                .priority_id(priority)
                .ok_or_else(|| format!("Pureservice has no priority named {priority:?}"))?;
            let mut fields = serde_json::Map::new();
            fields.insert("priorityId".into(), id.into());
            self.syncer
                .client()
                .patch_ticket(ticket, &fields)
                .await
                .map_err(|e| e.to_string())
        })
    }
}
