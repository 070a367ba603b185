//! The demo's customers: people and companies in the Netherlands, Belgium,
//! Germany and France (EU businesses with a VAT number are reverse-charged), plus
//! a few companies outside the EU.

use std::collections::HashSet;

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use serde_json::{Value, json};

/// A customer's billing details, as typed into `POST /v1/customers` or a checkout.
#[derive(Debug, Clone)]
pub(super) struct Profile {
    pub email: String,
    pub name: String,
    pub company: Option<String>,
    pub vat_number: Option<String>,
    country: &'static str,
    line1: String,
    city: &'static str,
    postal_code: &'static str,
    locale: &'static str,
}

impl Profile {
    /// A company rather than a private person.
    pub fn is_business(&self) -> bool {
        self.company.is_some()
    }

    /// The fields shared by `POST /v1/customers` and a checkout's `customer`.
    pub fn customer_json(&self) -> Value {
        json!({
            "email": self.email,
            "name": self.name,
            "company": self.company,
            "vat_number": self.vat_number,
            "locale": self.locale,
            "address": {
                "line1": self.line1,
                "city": self.city,
                "postal_code": self.postal_code,
                "country": self.country
            }
        })
    }
}

struct Country {
    code: &'static str,
    /// Relative share of customers.
    weight: u32,
    locale: &'static str,
    /// Outside the EU: only companies buy from there, without a VAT number.
    eu: bool,
    cities: &'static [(&'static str, &'static str)],
    streets: &'static [&'static str],
    first: &'static [&'static str],
    last: &'static [&'static str],
    company_suffix: &'static str,
}

static COUNTRIES: [Country; 6] = [
    Country {
        code: "NL",
        weight: 34,
        locale: "nl",
        eu: true,
        cities: &[
            ("Amsterdam", "1017 AB"),
            ("Utrecht", "3511 LX"),
            ("Rotterdam", "3011 AD"),
            ("Eindhoven", "5611 EM"),
            ("Groningen", "9711 LM"),
        ],
        streets: &[
            "Prinsengracht",
            "Oudegracht",
            "Witte de Withstraat",
            "Stationsweg",
        ],
        first: &[
            "Daan", "Sanne", "Lars", "Emma", "Joris", "Femke", "Thijs", "Lotte", "Bas", "Noor",
        ],
        last: &[
            "de Jong", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "de Boer", "Dekker", "Kok",
        ],
        company_suffix: "B.V.",
    },
    Country {
        code: "BE",
        weight: 15,
        locale: "nl",
        eu: true,
        cities: &[
            ("Brussel", "1000"),
            ("Antwerpen", "2000"),
            ("Gent", "9000"),
            ("Leuven", "3000"),
        ],
        streets: &["Meir", "Veldstraat", "Bondgenotenlaan", "Rue Neuve"],
        first: &[
            "Lucas", "Nora", "Arthur", "Louise", "Finn", "Elise", "Victor", "Marie",
        ],
        last: &[
            "Peeters", "Janssens", "Maes", "Jacobs", "Willems", "Claes", "Goossens",
        ],
        company_suffix: "BV",
    },
    Country {
        code: "DE",
        weight: 21,
        locale: "en",
        eu: true,
        cities: &[
            ("Berlin", "10115"),
            ("München", "80331"),
            ("Hamburg", "20095"),
            ("Köln", "50667"),
        ],
        streets: &[
            "Friedrichstraße",
            "Sendlinger Straße",
            "Mönckebergstraße",
            "Hohe Straße",
        ],
        first: &[
            "Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Paul", "Mia",
        ],
        last: &[
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weber",
            "Wagner",
            "Becker",
        ],
        company_suffix: "GmbH",
    },
    Country {
        code: "FR",
        weight: 16,
        locale: "en",
        eu: true,
        cities: &[
            ("Paris", "75002"),
            ("Lyon", "69002"),
            ("Lille", "59000"),
            ("Nantes", "44000"),
        ],
        streets: &[
            "Rue de Rivoli",
            "Rue de la République",
            "Rue Nationale",
            "Quai de la Fosse",
        ],
        first: &[
            "Louis", "Camille", "Hugo", "Chloé", "Jules", "Manon", "Léa", "Gabriel",
        ],
        last: &[
            "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand",
        ],
        company_suffix: "SAS",
    },
    Country {
        code: "CH",
        weight: 2,
        locale: "en",
        eu: false,
        cities: &[("Zürich", "8001"), ("Basel", "4051")],
        streets: &["Bahnhofstrasse", "Freie Strasse"],
        first: &["Luca", "Lara", "Noah", "Mila"],
        last: &["Meier", "Keller", "Huber", "Brunner"],
        company_suffix: "AG",
    },
    Country {
        code: "GB",
        weight: 2,
        locale: "en",
        eu: false,
        cities: &[("London", "EC1A 1BB"), ("Manchester", "M1 1AE")],
        streets: &["Old Street", "Deansgate"],
        first: &["Oliver", "Amelia", "Harry", "Isla"],
        last: &["Smith", "Taylor", "Brown", "Wilson"],
        company_suffix: "Ltd",
    },
];

const COMPANY_WORDS: [&str; 16] = [
    "Orion", "Delta", "Noord", "Kestrel", "Lumen", "Harbor", "Maple", "Vireo", "Atlas", "Beacon",
    "Cobalt", "Fjord", "Juniper", "Meridian", "Quill", "Tandem",
];
const COMPANY_KINDS: [&str; 12] = [
    "Studio",
    "Labs",
    "Logistics",
    "Design",
    "Consulting",
    "Systems",
    "Media",
    "Architects",
    "Analytics",
    "Foods",
    "Health",
    "Legal",
];
const MAILBOXES: [&str; 3] = ["mail.example", "post.example", "inbox.example"];

/// Share of EU customers that are companies.
const BUSINESS_SHARE: f64 = 0.3;
/// Share of EU companies that give their VAT number.
const VAT_SHARE: f64 = 0.7;

/// A new customer's details; `taken` holds the e-mail addresses used so far
/// (each customer has its own, as a checkout finds customers by e-mail).
pub(super) fn profile(rng: &mut StdRng, taken: &mut HashSet<String>) -> Profile {
    let total: u32 = COUNTRIES.iter().map(|c| c.weight).sum();
    let mut pick = rng.random_range(0..total);
    let country = COUNTRIES
        .iter()
        .find(|c| {
            if pick < c.weight {
                true
            } else {
                pick -= c.weight;
                false
            }
        })
        .unwrap_or(&COUNTRIES[0]);
    let first = country.first.choose(rng).copied().unwrap_or("Sam");
    let last = country.last.choose(rng).copied().unwrap_or("Jansen");
    let (city, postal_code) = country
        .cities
        .choose(rng)
        .copied()
        .unwrap_or(("Amsterdam", "1017 AB"));
    let street = country
        .streets
        .choose(rng)
        .copied()
        .unwrap_or("Hoofdstraat");
    let business = !country.eu || rng.random_bool(BUSINESS_SHARE);
    let company = business.then(|| {
        format!(
            "{} {} {}",
            COMPANY_WORDS.choose(rng).copied().unwrap_or("Orion"),
            COMPANY_KINDS.choose(rng).copied().unwrap_or("Studio"),
            country.company_suffix
        )
    });
    let vat_number = (business && country.eu && rng.random_bool(VAT_SHARE))
        .then(|| vat_number(rng, country.code));
    let domain = match &company {
        Some(c) => format!(
            "{}.example",
            slug(c.trim_end_matches(country.company_suffix))
        ),
        None => MAILBOXES
            .choose(rng)
            .copied()
            .unwrap_or("mail.example")
            .to_owned(),
    };
    let local = format!("{}.{}", slug(first), slug(last));
    let mut email = format!("{local}@{domain}");
    let mut n = 2;
    while !taken.insert(email.clone()) {
        email = format!("{local}{n}@{domain}");
        n += 1;
    }
    Profile {
        email,
        name: format!("{first} {last}"),
        company,
        vat_number,
        country: country.code,
        line1: format!("{street} {}", rng.random_range(1..200)),
        city,
        postal_code,
        locale: country.locale,
    }
}

/// A VAT number of the country with a valid format and check digits (not a
/// registered one): the published example of the member state with its digits
/// drawn at random until they pass.
fn vat_number(rng: &mut StdRng, country: &str) -> String {
    use crate::domain::vat;
    let Some(rule) = vat::RULES
        .iter()
        .find(|r| r.country == country && r.prefix != "XI")
    else {
        return format!(
            "{country}{}",
            rng.random_range(100_000_000..1_000_000_000_u32)
        );
    };
    for _ in 0..20_000 {
        let (prefix, national) = rule.example.split_at(2);
        let drawn: String = national
            .chars()
            .enumerate()
            .map(|(i, c)| match (i, c.is_ascii_digit()) {
                (0, _) | (_, false) => c,
                (_, true) => char::from(b'0' + rng.random_range(0..10_u8)),
            })
            .collect();
        let candidate = format!("{prefix}{drawn}");
        if vat::parse(&candidate, Some(country)).is_ok() {
            return candidate;
        }
    }
    rule.example.to_owned()
}

/// Lower-case ASCII letters and digits of a name, for e-mail addresses.
fn slug(name: &str) -> String {
    name.chars()
        .filter_map(|c| {
            let c = match c {
                'é' | 'è' | 'ê' | 'ë' | 'É' => 'e',
                'ü' | 'ú' | 'Ü' => 'u',
                'ö' | 'ó' | 'Ö' => 'o',
                'ä' | 'à' | 'á' | 'Ä' => 'a',
                'ï' | 'í' => 'i',
                'ç' => 'c',
                'ß' => 's',
                other => other,
            };
            c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn slugs_are_plain_ascii() {
        assert_eq!(slug("de Jong"), "dejong");
        assert_eq!(slug("Müller"), "muller");
        assert_eq!(slug("Chloé"), "chloe");
        assert_eq!(slug("Orion Studio "), "orionstudio");
    }

    #[test]
    fn every_profile_has_its_own_address_and_a_country() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut taken = HashSet::new();
        let profiles: Vec<Profile> = (0..300).map(|_| profile(&mut rng, &mut taken)).collect();
        assert_eq!(taken.len(), 300);
        assert!(profiles.iter().any(|p| p.vat_number.is_some()));
        for p in &profiles {
            if let Some(v) = &p.vat_number {
                assert!(
                    crate::domain::vat::parse(v, Some(&v[..2].replace("EL", "GR"))).is_ok(),
                    "{v}"
                );
            }
        }
        assert!(profiles.iter().any(|p| !p.is_business()));
        for p in &profiles {
            let c = p.customer_json();
            assert!(c["address"]["country"].is_string());
            assert!(p.email.is_ascii() && p.email.contains('@'));
        }
    }
}
