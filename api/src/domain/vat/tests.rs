use proptest::prelude::*;

use super::*;

/// Published numbers of companies (collected in python-stdnum's test data).
const VALID: &[&str] = &[
    "ATU 142 43 102",
    "ATU 15159209",
    "ATU13585627",
    "ATU46080404",
    "ATU61195628",
    "BE 0202.239.951",
    "BE 0402 918 402",
    "BE0428759497",
    "BE 0897290877",
    "BG 103873594",
    "BG 175074752",
    "BG7111042925",
    "CY 10246672X",
    "CY-10259033P",
    "CY00632993F",
    "CZ 25123891",
    "CZ 640903926",
    "CZ6011270177",
    "DE - 113866163",
    "DE 118619592",
    "DE 221.304.969",
    "DE 813 11 38 75",
    "DE136308783",
    "DK 10 50 32 80",
    "DK-27630308",
    "DK10150817",
    "DK13585628",
    "EE 100 931 558",
    "EE101256753",
    "EL 039868210",
    "EL094501040",
    "El 800 179 925",
    "ES - Q0818001J",
    "ES 54362315K",
    "ES A-28184661",
    "ES B64240914",
    "ES X-5253868-R",
    "ES Y5277343F",
    "ES Z5277343K",
    "ES-x-2482300w",
    "ESA78109592",
    "ES W4003922D",
    "FI 02459042",
    "FI 0982651-1",
    "FI-22291240",
    "FI20774740",
    "FR 04409414364",
    "FR 114 248 728 36",
    "FR K 7399859412",
    "FR40303265045",
    "FR 96 631 620 572",
    "FR16000063601",
    "HR33392005961",
    "HU 10672101",
    "HU12892312",
    "IE 6388047V",
    "IE 8223200u",
    "IE6433435IH",
    "IE6433435OA",
    "IE8D79739I",
    "IE9Y71814N",
    "IT 00118439991",
    "IT-01404480202",
    "IT00743110157",
    "LT 100001354118",
    "LT 119511515",
    "LU 10059929",
    "LU 150 274 42",
    "LU.248.70.640",
    "LV 40003189718",
    "LV 4000 3521 600",
    "MT 1039-6417",
    "MT20630321",
    "NL 001241 643 B01",
    "NL 8225.69.759 b01",
    "NL.0094.10.806.B.01",
    "NL001162938B28",
    "NL004495445B01",
    "NL808373894B01",
    "PL 584-030-44-72",
    "PL5260250274",
    "PL5261025421",
    "PT 500 019 720",
    "PT 502448911",
    "PT501964843",
    "RO 18547290",
    "RO 1630615123457",
    "SE 202 100-5000 01",
    "SE 556.383.740.901",
    "SE556043606401",
    "SI 26808498",
    "SI50223054",
    "SK 1078449064",
    "SK2022193459",
    "XI 123456789",
    "XIGD123",
];

/// The same kind of numbers with one digit changed.
const TYPOS: &[&str] = &[
    "ATU 143 43 102",
    "ATU46080904",
    "BE 0406.139.583",
    "BE0697449982",
    "BG 131 172 009",
    "CY 10246672F",
    "CY-10257074Y",
    "DE 125014855",
    "DE 813 91 38 75",
    "DK 11 96 56 58",
    "DK-27996592",
    "EE 100 941 558",
    "EE101256754",
    "ES 54362415K",
    "ES-x-2322300w",
    "Es-a48951310",
    "EL 094013834",
    "EL094501140",
    "FR 04409414264",
    "FR 21 326 565 603",
    "FR K 7399859312",
    "IE 4731823H",
    "IE 632 3421 C",
    "IE8D79729I",
    "IT 00743110158",
    "LU 10059928",
    "NL 009122756B01",
    "PL5260250275",
    "PT 501964844",
    "SE 556043606501",
    "SI 50223055",
    "SK 1078449164",
    "HR33392005962",
];

/// Numbers of the wrong shape.
const MALFORMED: &[&str] = &[
    "AT1 142 43 102",
    "ATU 1515B209",
    "ATU 151592092",
    "BE 02A2.239.951",
    "BE2428759497",
    "BG 10X8735941",
    "CY-102590Z3P",
    "CY-12259033P",
    "DE 246X595 415",
    "DE 011125440",
    "IE 4550C59S",
    "NL 001241643801",
    "NL 009122746B00",
    "NL B06753742B01",
    "NL 82X569759b01",
    "NL123",
    "SK A078449064",
    "FR000076090",
    "ES B-583784312",
    "SE 55643359201",
    "SE 5567003255201",
    "IT 00687129980",
    "XIAB123",
    "EL12345678",
];

#[test]
fn published_numbers_pass() {
    for raw in VALID {
        let n = parse(raw, None);
        assert!(matches!(n, Ok(Some(_))), "{raw}: {n:?}");
        let n = n.unwrap().unwrap();
        assert!(n.vies_parts().is_some(), "{raw}");
    }
}

#[test]
fn a_changed_digit_is_a_checksum_error() {
    for raw in TYPOS {
        let n = parse(raw, None);
        assert!(matches!(n, Err(VatError::Checksum { .. })), "{raw}: {n:?}");
    }
}

#[test]
fn the_wrong_shape_is_a_format_error() {
    for raw in MALFORMED {
        let n = parse(raw, None);
        assert!(matches!(n, Err(VatError::Format { .. })), "{raw}: {n:?}");
    }
}

#[test]
fn every_rule_example_passes_its_own_rule() {
    for rule in RULES {
        let n = parse(rule.example, Some(rule.country)).unwrap().unwrap();
        assert_eq!(n.vies_parts().unwrap().0, rule.prefix);
    }
}

#[test]
fn numbers_are_normalised() {
    let n = parse(" nl 0044.95-445 b01 ", Some("nl")).unwrap().unwrap();
    assert_eq!(n.as_str(), "NL004495445B01");
    assert_eq!(n.vies_parts(), Some(("NL", "004495445B01")));
    assert_eq!(parse("   ", Some("NL")), Ok(None));
    assert_eq!(parse(" -. ", None), Ok(None));
}

#[test]
fn both_dutch_schemes_pass() {
    // A company's RSIN (eleven test) and a sole trader's number since 2020 (MOD 97).
    assert!(parse("NL004495445B01", None).is_ok());
    assert!(parse("NL000099998B57", None).is_ok());
    assert!(matches!(
        parse("NL000099998B58", None),
        Err(VatError::Checksum { .. })
    ));
}

#[test]
fn the_prefix_must_be_the_billing_countrys() {
    assert!(matches!(
        parse("DE136308783", Some("NL")),
        Err(VatError::Prefix { expected: "NL", .. })
    ));
    assert!(matches!(
        parse("GR094501040", Some("GR")),
        Err(VatError::Prefix { expected: "EL", .. })
    ));
    assert!(parse("EL094501040", Some("GR")).is_ok());
    assert!(matches!(
        parse("136308783", Some("DE")),
        Err(VatError::Prefix { .. })
    ));
    assert!(parse("XI123456789", Some("GB")).is_ok());
    assert!(parse("FR40303265045", Some("MC")).is_ok());
    assert!(matches!(
        parse("DE136308783", Some("US")),
        Err(VatError::Prefix { .. })
    ));
}

#[test]
fn numbers_outside_vies_are_kept_as_letters_and_digits() {
    let n = parse("CHE-123.456.788 MWST", Some("CH")).unwrap().unwrap();
    assert_eq!(n.as_str(), "CHE123456788MWST");
    assert_eq!(n.vies_parts(), None);
    let n = parse("GB980780684", Some("GB")).unwrap().unwrap();
    assert_eq!(n.vies_parts(), None);
    assert_eq!(parse("NO/123", Some("NO")), Err(VatError::Characters));
    assert_eq!(parse(&"1".repeat(33), None), Err(VatError::Characters));
    assert_eq!(parse(&" ".repeat(65), None), Err(VatError::Characters));
}

#[test]
fn messages_name_the_expected_format() {
    let e = parse("DE12345678", Some("DE")).unwrap_err().to_string();
    assert!(
        e.contains("DE followed by 9 digits, such as DE136308783"),
        "{e}"
    );
    let e = parse("DE136308783", Some("AT")).unwrap_err().to_string();
    assert!(e.contains("starts with AT"), "{e}");
}

proptest! {
    #[test]
    fn any_input_is_answered_without_panic(raw in "\\PC{0,80}", country in "[A-Za-z]{0,3}") {
        let _ = parse(&raw, Some(&country));
        let _ = parse(&raw, None);
    }

    #[test]
    fn anything_after_a_prefix_is_answered(prefix in "(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)", rest in "[0-9A-Z+*]{0,14}") {
        if let Ok(Some(n)) = parse(&format!("{prefix}{rest}"), None) {
            prop_assert!(n.as_str().starts_with(&prefix));
        }
    }
}
