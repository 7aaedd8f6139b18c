//! `due_schedules` on the shipped `[[reports]]` entry ("0 0 7 1 * *": 07:00 on the 1st).

use crate::kit::sla as sla_support;

use sla_support::{config, oslo};
use slavakt::report::due_schedules;
use slavakt::state::State;

#[test]
fn fires_once_per_month_for_the_month_before() {
    let cfg = config();
    let mut state = State::default();
    // Before 07:00 on 1 April only the March fire (for February) has happened.
    let due = due_schedules(&cfg, &state, oslo(2027, 4, 1, 6, 59));
    assert_eq!(due, [("0 0 7 1 * *@2027-02".to_string(), (2027, 2))]);
    let due = due_schedules(&cfg, &state, oslo(2027, 4, 1, 7, 0));
    assert_eq!(due, [("0 0 7 1 * *@2027-03".to_string(), (2027, 3))]);
    // Once recorded as sent (what the daemon persists), it is not due again, also after a
    // restart (the key lives in the saved state).
    state.reports_sent.insert(due[0].0.clone());
    let json = serde_json::to_string(&state).unwrap();
    let reloaded: State = serde_json::from_str(&json).unwrap();
    assert!(due_schedules(&cfg, &reloaded, oslo(2027, 4, 20, 12, 0)).is_empty());
    assert_eq!(
        due_schedules(&cfg, &reloaded, oslo(2027, 5, 1, 7, 0))[0].1,
        (2027, 4)
    );
}
