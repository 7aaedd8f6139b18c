//! `slavakt holidays`: prints the computed public holidays of one country and year. Needs no
//! config. Country and year are taken as optional text and checked here, so missing or bad
//! input exits 1 with a message (clap's usage errors would exit 2, the runtime-failure code).

use super::CliError;
use crate::calendar::holidays::{self, Country, Holiday};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Country code: NO (Norway) or DK (Denmark).
    #[arg(long)]
    pub country: Option<String>,
    /// Year, 1900–2200.
    #[arg(long)]
    pub year: Option<String>,
    /// Print a JSON array of {"date", "name"} instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let missing =
        |opt: &str| CliError::Invalid(format!("{opt} is required, e.g. {opt} {}", example(opt)));
    let country = args.country.ok_or_else(|| missing("--country"))?;
    let year = args.year.ok_or_else(|| missing("--year"))?;
    let days = compute(&country, &year)?;
    super::print_out(&format!("{}\n", render(&days, args.json)?))?;
    Ok(())
}

fn example(opt: &str) -> &'static str {
    if opt == "--country" {
        "NO"
    } else {
        "2027"
    }
}

/// Parses the arguments and computes the list; every problem is `CliError::Invalid`.
pub fn compute(country: &str, year: &str) -> Result<Vec<Holiday>, CliError> {
    let country = Country::parse(country).ok_or_else(|| {
        CliError::Invalid(format!(
            "--country {country:?} is not supported: use NO (Norway) or DK (Denmark)"
        ))
    })?;
    let year: i32 = year.trim().parse().map_err(|_| {
        CliError::Invalid(format!(
            "--year {year:?} is not a year: give four digits, {}–{}",
            holidays::MIN_YEAR,
            holidays::MAX_YEAR
        ))
    })?;
    holidays::checked_for_year(country, year).map_err(|e| CliError::Invalid(format!("--year: {e}")))
}

/// Text: one line per holiday, `YYYY-MM-DD  Weekday    Name`. JSON: `[{"date","name"}, ...]`.
pub fn render(days: &[Holiday], json: bool) -> Result<String, CliError> {
    if json {
        return serde_json::to_string_pretty(days)
            .map_err(|e| CliError::Runtime(format!("cannot encode JSON: {e}")));
    }
    Ok(days
        .iter()
        .map(|h| {
            format!(
                "{}  {:<9}  {}",
                h.date.format("%Y-%m-%d"),
                h.date.format("%A"),
                h.name
            )
        })
        .collect::<Vec<_>>()
        .join("\n"))
}
