//! People: `[roles.NAME]`, `[[municipalities]]` with their contacts, and `[[services]]` with
//! their administrator and vendor.

use super::ctx::{key, Ctx};
use super::raw::{RawContact, RawMunicipality, RawPerson, RawRole, RawService};
use super::{Contact, Municipality, Role, Service};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn roles(raw: Vec<(String, RawRole)>, ctx: &mut Ctx) -> BTreeMap<String, Role> {
    let names: BTreeSet<String> = raw.iter().map(|(n, _)| n.clone()).collect();
    let mut out = BTreeMap::new();
    for (id, r) in raw {
        let path = format!("roles.{}", key(&id));
        let p = |k: &str| format!("{path}.{k}");
        let title = ctx.text(&r.title, &p("title"));
        let (name, email, phone, members) = match &r.members {
            Some(list) => {
                for k in [
                    ("name", r.name.is_some()),
                    ("email", r.email.is_some()),
                    ("phone", r.phone.is_some()),
                ] {
                    if k.1 {
                        ctx.err(
                            p(k.0),
                            "a group role gives its members' names and addresses, not its own",
                            Some("move it into one of the members, or drop members for a one-person role".into()),
                        );
                    }
                }
                if list.is_empty() {
                    ctx.err(
                        p("members"),
                        "the group has no members, so nobody can be reached",
                        Some(
                            "list them: members = [{ name = \"…\", phone = \"+4590000101\" }]"
                                .into(),
                        ),
                    );
                }
                let members: Vec<Contact> = list
                    .iter()
                    .enumerate()
                    .map(|(j, m)| person(m, &format!("{path}.members[{j}]"), ctx))
                    .collect();
                let name = title.clone().unwrap_or_else(|| id.clone());
                (name, None, None, members)
            }
            None => {
                let name = ctx
                    .req_text(
                        &r.name,
                        &p("name"),
                        "the person's name, shown in messages (or members = [...] for a group)",
                    )
                    .unwrap_or_default();
                let email = ctx.email(&r.email, &p("email"));
                let phone = ctx.phone(&r.phone, &p("phone"));
                if r.email.is_none() && r.phone.is_none() {
                    ctx.err(
                        &path,
                        "the role has neither email nor phone, so nobody can be reached",
                        Some("give email and/or phone (E.164, e.g. \"+4790000101\")".into()),
                    );
                }
                (name, email, phone, Vec::new())
            }
        };
        let off_hours = ctx.text(&r.off_hours, &p("off_hours"));
        if let Some(o) = &off_hours {
            if o == &id {
                ctx.err(p("off_hours"), "a role cannot stand in for itself", None);
            } else if !names.contains(o) {
                ctx.err(
                    p("off_hours"),
                    format!("unknown role {o:?}"),
                    Some(format!(
                        "define [roles.{}] or use one of: {}",
                        key(o),
                        list(&names)
                    )),
                );
            }
        }
        out.insert(
            id,
            Role {
                name,
                title,
                email,
                phone,
                off_hours,
                members,
            },
        );
    }
    stand_in_cycles(&out, ctx);
    out
}

/// Refuses `off_hours` chains that come back to where they started (a → b → a): whoever is
/// told off hours must not depend on itself.
fn stand_in_cycles(roles: &BTreeMap<String, Role>, ctx: &mut Ctx) {
    for start in roles.keys() {
        let mut chain = vec![start.as_str()];
        let mut at = start.as_str();
        while let Some(next) = roles.get(at).and_then(|r| r.off_hours.as_deref()) {
            if next == at || !roles.contains_key(next) {
                break; // reported above
            }
            if next == start {
                chain.push(next);
                ctx.err(
                    format!("roles.{}.off_hours", key(start)),
                    format!("stand-ins go round in a circle: {}", chain.join(" → ")),
                    Some("end the chain at a role without off_hours".into()),
                );
                break;
            }
            if chain.contains(&next) {
                break; // a circle further on, reported from its own roles
            }
            chain.push(next);
            at = next;
        }
    }
}

pub(super) fn municipalities(raw: Vec<RawMunicipality>, ctx: &mut Ctx) -> Vec<Municipality> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut companies: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, m) in raw.into_iter().enumerate() {
        let path = format!("municipalities[{i}]");
        let name = ctx
            .req_text(
                &m.name,
                &format!("{path}.name"),
                "the municipality's name, e.g. \"Molde\"",
            )
            .unwrap_or_default();
        if !name.is_empty() {
            if let Some(first) = seen.insert(name.to_lowercase(), i) {
                ctx.err(
                    format!("{path}.name"),
                    format!("duplicate municipality {name:?} (also municipalities[{first}])"),
                    Some("each municipality is listed once; merge the two".into()),
                );
            }
        }
        let comp = ctx.list(&m.companies, &format!("{path}.companies"));
        for (j, c) in comp.iter().enumerate() {
            if let Some(other) = companies.insert(c.to_lowercase(), name.clone()) {
                if other != name {
                    ctx.err(
                        format!("{path}.companies[{j}]"),
                        format!("company {c:?} is also listed for municipality {other:?}"),
                        Some("a Pureservice company can belong to one municipality only".into()),
                    );
                }
            }
        }
        let contacts = m
            .contacts
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(j, c)| contact(c, &format!("{path}.contacts[{j}]"), ctx))
            .collect();
        out.push(Municipality {
            name,
            companies: comp,
            contacts,
            teams: ctx.text(&m.teams, &format!("{path}.teams")),
        });
    }
    out
}

fn contact(c: &RawContact, path: &str, ctx: &mut Ctx) -> Contact {
    let p = |k: &str| format!("{path}.{k}");
    let email = ctx.email(&c.email, &p("email"));
    let phone = ctx.phone(&c.phone, &p("phone"));
    if c.email.is_none() && c.phone.is_none() {
        ctx.err(
            path,
            "the contact has neither email nor phone",
            Some("give email and/or phone".into()),
        );
    }
    Contact {
        name: ctx
            .req_text(&c.name, &p("name"), "the contact's name")
            .unwrap_or_default(),
        title: ctx.text(&c.title, &p("title")),
        email,
        phone,
        critical: ctx.flag(&c.critical, &p("critical")),
    }
}

fn person(c: &RawPerson, path: &str, ctx: &mut Ctx) -> Contact {
    let p = |k: &str| format!("{path}.{k}");
    let email = ctx.email(&c.email, &p("email"));
    let phone = ctx.phone(&c.phone, &p("phone"));
    if c.email.is_none() && c.phone.is_none() {
        ctx.err(
            path,
            "neither email nor phone is given",
            Some("give email and/or phone".into()),
        );
    }
    Contact {
        name: ctx
            .req_text(&c.name, &p("name"), "the person's or company's name")
            .unwrap_or_default(),
        title: ctx.text(&c.title, &p("title")),
        email,
        phone,
        critical: false,
    }
}

pub(super) fn services(raw: Vec<RawService>, ctx: &mut Ctx) -> Vec<Service> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut categories: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, s) in raw.into_iter().enumerate() {
        let path = format!("services[{i}]");
        let name = ctx
            .req_text(
                &s.name,
                &format!("{path}.name"),
                "the service's name, e.g. \"Gerica\"",
            )
            .unwrap_or_default();
        if !name.is_empty() {
            if let Some(first) = seen.insert(name.to_lowercase(), i) {
                ctx.err(
                    format!("{path}.name"),
                    format!("duplicate service {name:?} (also services[{first}])"),
                    Some("each service is listed once; merge the two".into()),
                );
            }
        }
        let cats = ctx.list(&s.categories, &format!("{path}.categories"));
        for (j, c) in cats.iter().enumerate() {
            if let Some(other) = categories.insert(c.to_lowercase(), name.clone()) {
                if other != name {
                    ctx.err(
                        format!("{path}.categories[{j}]"),
                        format!("category {c:?} is also listed for service {other:?}"),
                        Some("a category can mean one service only".into()),
                    );
                }
            }
        }
        out.push(Service {
            name,
            categories: cats,
            life_and_health: ctx.flag(&s.life_and_health, &format!("{path}.life_and_health")),
            administrator: s
                .administrator
                .as_ref()
                .map(|p| person(p, &format!("{path}.administrator"), ctx)),
            vendor: s
                .vendor
                .as_ref()
                .map(|p| person(p, &format!("{path}.vendor"), ctx)),
            teams: ctx.text(&s.teams, &format!("{path}.teams")),
        });
    }
    out
}

pub(super) fn list(names: &BTreeSet<String>) -> String {
    if names.is_empty() {
        "(none defined)".into()
    } else {
        names
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
