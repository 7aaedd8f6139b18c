//! `[public]`: whether `/public/*` (the status feed for callers, no personal data) is served.

use super::ctx::Ctx;
use super::raw::RawPublic;
use super::PublicConfig;

pub(super) fn build(raw: Option<RawPublic>, ctx: &mut Ctx) -> PublicConfig {
    let raw = raw.unwrap_or_default();
    let enabled = ctx.get(&raw.enabled, "public.enabled").unwrap_or(false);
    let title = ctx
        .get(&raw.title, "public.title")
        .map(|t| t.trim().to_string());
    if title.as_deref() == Some("") {
        ctx.err(
            "public.title",
            "is empty".to_string(),
            Some("leave it out to use the default title".into()),
        );
    }
    PublicConfig {
        enabled,
        title: title.filter(|t| !t.is_empty()),
    }
}
