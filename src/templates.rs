//! Message templates (minijinja, strict): built-in sets per language, per-deployment overrides
//! from `daemon.templates_dir`, rendering of an intent into a channel-neutral message.
