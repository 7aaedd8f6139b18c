//! The state as table rows: what one save writes (the records that changed, the same unit as a
//! journal line) and how the tables are read back into a [`State`].
//!
//! Records are stored as JSON (`jsonb`), keyed like the journal: a ticket by id, a ledger entry
//! by key (with its ticket and status in their own columns for the DBA's queries), the small maps
//! and sets in `slavakt_records` by kind and key, and the cursor, the health facts and the last
//! save time in `slavakt_meta`. The rows are built in the caller's thread (serialization is the
//! expensive part) and handed to the database thread owned.

use crate::state::journal::LineOut;
use crate::state::State;
use serde::Serialize;

/// `slavakt_records.kind` of each small map or set.
pub(crate) const THREAD: &str = "thread";
pub(crate) const INCIDENT_REPORT: &str = "incident_report";
pub(crate) const REPORT_OWED: &str = "report_owed";
pub(crate) const REPORTED: &str = "reported";
pub(crate) const REPORT_SENT: &str = "report_sent";

/// What one save writes: rows to upsert and keys to delete, per table.
#[derive(Debug, Default)]
pub(crate) struct Rows {
    /// Replace every table's content (first save, import, or after a failed save).
    pub full: bool,
    pub tickets_put: (Vec<i64>, Vec<String>),
    pub tickets_del: Vec<i64>,
    /// key, ticket, status, body.
    pub ledger_put: (Vec<String>, Vec<i64>, Vec<String>, Vec<String>),
    pub ledger_del: Vec<String>,
    /// kind, key, body.
    pub records_put: (Vec<String>, Vec<String>, Vec<String>),
    pub records_del: (Vec<String>, Vec<String>),
    /// name, body.
    pub meta_put: (Vec<String>, Vec<String>),
}

impl Rows {
    /// Bytes of JSON handed to the database (the metrics' "bytes written").
    pub(crate) fn bytes(&self) -> u64 {
        let sum = |v: &[String]| v.iter().map(|s| s.len() as u64).sum::<u64>();
        sum(&self.tickets_put.1)
            + sum(&self.ledger_put.3)
            + sum(&self.records_put.2)
            + sum(&self.meta_put.1)
    }

    fn meta(&mut self, name: &str, body: String) {
        self.meta_put.0.push(name.into());
        self.meta_put.1.push(body);
    }

    fn record(&mut self, kind: &str, key: &str, body: Option<String>) {
        match body {
            Some(b) => {
                self.records_put.0.push(kind.into());
                self.records_put.1.push(key.into());
                self.records_put.2.push(b);
            }
            None => {
                self.records_del.0.push(kind.into());
                self.records_del.1.push(key.into());
            }
        }
    }
}

fn json<T: Serialize + ?Sized>(v: &T) -> Result<String, String> {
    serde_json::to_string(v).map_err(|e| format!("cannot encode a record: {e}"))
}

/// The rows of one journal-style change set. The last save time is always written with it.
pub(crate) fn from_changes(line: &LineOut<'_>) -> Result<Rows, String> {
    let mut rows = Rows::default();
    for (id, t) in &line.tickets {
        match t {
            Some(t) => {
                rows.tickets_put.0.push(*id as i64);
                rows.tickets_put.1.push(json(t)?);
            }
            None => rows.tickets_del.push(*id as i64),
        }
    }
    for (key, e) in &line.ledger {
        match e {
            Some(e) => {
                rows.ledger_put.0.push(key.clone());
                rows.ledger_put.1.push(e.intent.key.ticket as i64);
                rows.ledger_put
                    .2
                    .push(json(&e.status)?.trim_matches('"').to_string());
                rows.ledger_put.3.push(json(e)?);
            }
            None => rows.ledger_del.push(key.clone()),
        }
    }
    for (k, v) in &line.threads {
        rows.record(THREAD, k, v.map(json).transpose()?);
    }
    for (k, v) in &line.incident_reports {
        rows.record(INCIDENT_REPORT, k, v.map(json).transpose()?);
    }
    for (k, v) in &line.reports_owed {
        rows.record(REPORT_OWED, k, v.map(json).transpose()?);
    }
    for k in &line.reported.add {
        rows.record(REPORTED, k, Some("true".into()));
    }
    for k in &line.reported.del {
        rows.record(REPORTED, k, None);
    }
    for k in &line.reports_sent.add {
        rows.record(REPORT_SENT, k, Some("true".into()));
    }
    for k in &line.reports_sent.del {
        rows.record(REPORT_SENT, k, None);
    }
    if let Some(c) = line.cursor {
        rows.meta("cursor", json(c)?);
    }
    if let Some(h) = line.health {
        rows.meta("health", json(h)?);
    }
    rows.meta("saved_at", json(&line.at)?);
    Ok(rows)
}

/// Every row of `state` (a full write: first save, import, recovery after a failed save).
pub(crate) fn full(state: &State, at: chrono::DateTime<chrono::Utc>) -> Result<Rows, String> {
    let mut rows = Rows {
        full: true,
        ..Rows::default()
    };
    for (id, t) in &state.tickets {
        rows.tickets_put.0.push(*id as i64);
        rows.tickets_put.1.push(json(t)?);
    }
    for (key, e) in &state.ledger.entries {
        rows.ledger_put.0.push(key.clone());
        rows.ledger_put.1.push(e.intent.key.ticket as i64);
        rows.ledger_put
            .2
            .push(json(&e.status)?.trim_matches('"').to_string());
        rows.ledger_put.3.push(json(e)?);
    }
    for (k, v) in &state.threads {
        rows.record(THREAD, k, Some(json(v)?));
    }
    for (k, v) in &state.incident_reports {
        rows.record(INCIDENT_REPORT, k, Some(json(v)?));
    }
    for (k, v) in &state.reports_owed {
        rows.record(REPORT_OWED, k, Some(json(v)?));
    }
    for k in &state.reported {
        rows.record(REPORTED, k, Some("true".into()));
    }
    for k in &state.reports_sent {
        rows.record(REPORT_SENT, k, Some("true".into()));
    }
    rows.meta("cursor", json(&state.cursor)?);
    rows.meta("health", json(&state.health)?);
    rows.meta("saved_at", json(&at)?);
    Ok(rows)
}

/// The tables as read: raw JSON texts, decoded into a [`State`] by [`Loaded::into_state`].
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub tickets: Vec<String>,
    pub ledger: Vec<(String, String)>,
    pub records: Vec<(String, String, String)>,
    pub meta: Vec<(String, String)>,
}

impl Loaded {
    /// Whether anything was ever saved (a database without `saved_at` is a first start).
    pub(crate) fn is_empty(&self) -> bool {
        !self.meta.iter().any(|(name, _)| name == "saved_at")
    }

    pub(crate) fn into_state(self) -> Result<State, String> {
        fn parse<T: serde::de::DeserializeOwned>(
            what: &str,
            key: &str,
            text: &str,
        ) -> Result<T, String> {
            serde_json::from_str(text).map_err(|e| {
                format!("the {what} row {key:?} does not match this slavakt's schema: {e}")
            })
        }
        let mut state = State::default();
        for text in &self.tickets {
            let t: crate::ticket::TrackedTicket = parse("ticket", "", text)?;
            state.tickets.insert(t.id, t);
        }
        for (key, text) in &self.ledger {
            state
                .ledger
                .entries
                .insert(key.clone(), parse("ledger", key, text)?);
        }
        for (kind, key, text) in &self.records {
            match kind.as_str() {
                THREAD => {
                    state.threads.insert(key.clone(), parse(kind, key, text)?);
                }
                INCIDENT_REPORT => {
                    state
                        .incident_reports
                        .insert(key.clone(), parse(kind, key, text)?);
                }
                REPORT_OWED => {
                    state
                        .reports_owed
                        .insert(key.clone(), parse(kind, key, text)?);
                }
                REPORTED => {
                    state.reported.insert(key.clone());
                }
                REPORT_SENT => {
                    state.reports_sent.insert(key.clone());
                }
                other => {
                    return Err(format!(
                        "unknown record kind {other:?} (written by a newer slavakt?)"
                    ))
                }
            }
        }
        for (name, text) in &self.meta {
            match name.as_str() {
                "cursor" => state.cursor = parse("meta", name, text)?,
                "health" => state.health = parse("meta", name, text)?,
                "saved_at" => state.saved_at = Some(parse("meta", name, text)?),
                _ => {}
            }
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> State {
        crate::state::decode_snapshot(include_bytes!("../../../tests/fixtures/state-v1.json"))
            .unwrap()
    }

    /// What a full write stores reads back as the same state (the tables' round trip, without
    /// a database: rows as written become rows as read).
    #[test]
    fn a_full_write_reads_back_as_the_same_state() {
        let state = fixture();
        let at = state.saved_at.unwrap();
        let rows = full(&state, at).unwrap();
        assert!(rows.full);
        let loaded = Loaded {
            tickets: rows.tickets_put.1.clone(),
            ledger: rows
                .ledger_put
                .0
                .iter()
                .cloned()
                .zip(rows.ledger_put.3.iter().cloned())
                .collect(),
            records: (0..rows.records_put.0.len())
                .map(|i| {
                    (
                        rows.records_put.0[i].clone(),
                        rows.records_put.1[i].clone(),
                        rows.records_put.2[i].clone(),
                    )
                })
                .collect(),
            meta: rows
                .meta_put
                .0
                .iter()
                .cloned()
                .zip(rows.meta_put.1.iter().cloned())
                .collect(),
        };
        assert!(!loaded.is_empty());
        assert_eq!(loaded.into_state().unwrap(), state);
        // The status column is the ledger's own word for it.
        assert!(rows.ledger_put.2.iter().any(|s| s == "in_flight"));
    }

    #[test]
    fn a_change_set_holds_only_what_changed() {
        let mut state = fixture();
        let mut shadow = crate::state::journal::Shadow::of(&state);
        let key = "1001/kritisk_every/2/sms/+4790000101";
        state.ledger.entries.get_mut(key).unwrap().status =
            crate::ledger::DeliveryStatus::Delivered;
        state.reported.insert("no-assignee/1002".into());
        let at = state.saved_at.unwrap();
        let line = shadow.changes(&state, &Default::default(), 1, at, false);
        let rows = from_changes(&line).unwrap();
        assert!(!rows.full);
        assert_eq!(rows.ledger_put.0, vec![key.to_string()]);
        assert!(rows.tickets_put.0.is_empty() && rows.tickets_del.is_empty());
        assert_eq!(rows.records_put.1, vec!["no-assignee/1002".to_string()]);
        assert_eq!(rows.meta_put.0, vec!["saved_at".to_string()]);
    }
}
