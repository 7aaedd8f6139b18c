//! The fake's starting data: reference tables with the default Pureservice names (Ny, Under
//! arbeid, Venter - sluttbruker, Løst, Lukket; Kritisk, Høy, Middels, Lav), the five member
//! municipalities as companies, requesters, agents with e-mail and mobile, categories, teams.
//! All people are fictional; phone numbers are `+4790000xxx`, addresses `@*.example`.

use super::store::Store;
use serde_json::{json, Map, Value};

/// The API user the fake stamps on writes made with its key (`modifiedById`).
pub const API_USER_ID: u64 = 299;

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

pub fn seed(store: &mut Store) {
    for (id, name, core) in [
        (1, "Ny", 10),
        (2, "Under arbeid", 20),
        (3, "Venter - sluttbruker", 30),
        (4, "Venter - leverandør", 31),
        (5, "Løst", 50),
        (6, "Lukket", 60),
    ] {
        store.insert("status", id, obj(json!({"name": name, "coreStatus": core})));
    }
    for (id, name) in [
        (1, "Kritisk"),
        (2, "Høy"),
        (3, "Middels"),
        (4, "Lav"),
        (5, "Ikke satt"),
    ] {
        store.insert("priority", id, obj(json!({"name": name})));
    }
    // organizationNumber as a string for some and a number for others, as seen in the wild.
    let companies: [(u64, &str, Value); 6] = [
        (1, "Aukra kommune", json!("964981000")),
        (2, "Molde kommune", json!(964338531u64)),
        (3, "Rauma kommune", json!("964981010")),
        (4, "Vestnes kommune", json!(964981020u64)),
        (5, "Hustadvika kommune", json!("921000000")),
        (6, "ROR-IKT", Value::Null),
    ];
    for (id, name, org) in companies {
        store.insert(
            "company",
            id,
            obj(json!({"name": name, "organizationNumber": org})),
        );
    }
    // Requesters (one per municipality) and agents.
    let users: [(u64, &str, &str, u64, Option<&str>); 9] = [
        (101, "Kari", "Aukrasen", 1, None),
        (102, "Per", "Moldestad", 2, None),
        (103, "Lise", "Raumadal", 3, None),
        (104, "Jon", "Vestnesvik", 4, None),
        (105, "Anne", "Hustadli", 5, None),
        (201, "Ola", "Driftsen", 6, Some("90000201")),
        (202, "Siri", "Servicedesk", 6, Some("+47 900 00 202")),
        (203, "Nils", "Nettverk", 6, None),
        (API_USER_ID, "slavakt", "API", 6, None),
    ];
    for (i, (id, first, last, company, mobile)) in users.into_iter().enumerate() {
        let email_id = 300 + i as u64 + 1;
        let domain = if company == 6 {
            "ror-ikt.example"
        } else {
            "kommune.example"
        };
        store.insert(
            "emailaddress",
            email_id,
            obj(json!({
                "email": format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase()),
                "userId": id
            })),
        );
        let mut phone_id = None;
        if let Some(m) = mobile {
            let pid = 400 + i as u64 + 1;
            store.insert(
                "phonenumber",
                pid,
                obj(json!({"number": m, "type": 1, "userId": id})),
            );
            phone_id = Some(pid);
        }
        if id == 203 {
            // A landline only: type 2 is not a mobile.
            store.insert(
                "phonenumber",
                499,
                obj(json!({"number": "71000203", "type": 2, "userId": id})),
            );
            phone_id = Some(499);
        }
        store.insert(
            "user",
            id,
            obj(json!({
                "firstName": first,
                "lastName": last,
                "companyId": company,
                "emailAddressId": email_id,
                "phonenumberId": phone_id,
                "role": if company == 6 { 20 } else { 10 }
            })),
        );
    }
    for (id, name, level) in [
        (1, "Helse og omsorg", 1),
        (2, "Infrastruktur", 1),
        (3, "Klient", 1),
        (4, "Skole", 1),
        (11, "Pasientvarsling", 2),
        (12, "Gerica", 2),
        (13, "Nettverk", 2),
        (14, "E-post", 2),
        (15, "Skriver", 2),
        (16, "Trygghetsalarm", 2),
        (17, "Visma Flyt Skole", 2),
        (18, "Teams", 2),
    ] {
        store.insert("category", id, obj(json!({"name": name, "level": level})));
    }
    for (id, name) in [(1, "Servicedesk"), (2, "Drift")] {
        store.insert("team", id, obj(json!({"name": name})));
    }
    for (id, name) in [(1, "Sak"), (2, "Endring")] {
        store.insert("requesttype", id, obj(json!({"name": name})));
    }
    for (id, name) in [(1, "Hendelse"), (2, "Forespørsel")] {
        store.insert("tickettype", id, obj(json!({"name": name})));
    }
    for (id, name) in [(1, "E-post"), (2, "Telefon"), (3, "Selvbetjening")] {
        store.insert("source", id, obj(json!({"name": name})));
    }
    store.insert("department", 1, obj(json!({"name": "Drift og support"})));
    // The tables exist even while empty.
    store.table_mut("ticket");
    store.table_mut("communication");
}
