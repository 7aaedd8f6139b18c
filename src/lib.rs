//! slavakt — SLA watch for a Pureservice service desk.
//!
//! The flow, left to right: `pureservice` polls tickets → `tracker` folds them into history →
//! `sla` computes each ticket's clocks → `plan` decides which messages are due (pure, with
//! reasons and idempotency keys) → `ledger` records them → `outbox` delivers them over `notify`
//! channels → `state` persists it all atomically. `app` wires the loop; `cli` is the admin's
//! interface. Everything before the outbox is a pure function of (state, input, config, now).

pub mod app; // the daemon's loop and lifecycle
pub mod atomic_file; // the one way a file is replaced on disk (temp, fsync, rename, fsync dir)
pub mod backfill; // solved tickets from before slavakt → history for the reports
pub mod build_info; // version, git commit and build date
pub mod calendar; // business hours, computed holidays, business-time arithmetic
pub mod classify; // new-ticket classification, clusters, mismatches
pub mod cli; // one module per subcommand
pub mod clock; // the only wall-clock reader
pub mod config; // raw TOML → validated Config, every error with its key path
pub mod demo; // built-in fake world for `slavakt demo` and the benchmark
pub mod duration; // "15m", "2h", "3wd"
pub mod engine; // one step: snapshots → tracked history → what is due, rendered and issued
pub mod escape; // output encoding per kind: card text, terminal, mail header, SMS, HTML
pub mod fuzzing; // entry points shared by the cargo-fuzz targets and the short-fuzz test
pub mod http; // health, metrics, status page
pub mod ledger; // what was issued and delivered: the "already sent" truth
pub mod metrics; // Prometheus counters and gauges, rendered as text
pub mod notify; // Notifier trait and the channels
pub mod outbox; // deliver pending intents with retry, fallback, record outcomes
pub mod plan; // communication-plan rules → intents
pub mod pureservice; // client, sync, mapping, fake server
pub mod report; // monthly SLA report, serious-incident report
pub mod scenario; // simulate's scenario files
pub mod secret; // redacted secrets
pub mod sla; // per-ticket response/resolution clocks
pub mod state; // versioned JSON state, atomic store
pub mod status_view; // open tickets, clocks, next actions: shared by `/` and `slavakt status`
pub mod templates; // message templates and rendering
pub mod ticket; // domain ticket snapshot and tracked history
pub mod tracker; // snapshot → history
