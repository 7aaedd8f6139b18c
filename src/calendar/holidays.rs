//! Public holidays computed for any year 1900–2200: Norway and Denmark, Easter-based days
//! included (Gregorian computus), Denmark's Store Bededag only before 2024.

use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Country {
    No,
    Dk,
}

impl Country {
    pub fn parse(s: &str) -> Option<Country> {
        match s.to_ascii_uppercase().as_str() {
            "NO" => Some(Country::No),
            "DK" => Some(Country::Dk),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
}

/// The public holidays of `year` in date order.
pub fn for_year(country: Country, year: i32) -> Vec<Holiday> {
    let _ = (country, year);
    todo!("holidays")
}
