//! Each member state's format and check digits, over the national part of a
//! VAT number (after the prefix). Where a state publishes no check digits, the
//! format alone is checked.

use super::Check;

/// The digits of an all-digit string of one of the lengths.
pub(super) fn digits(s: &str, lengths: &[usize]) -> Option<Vec<u32>> {
    if !lengths.contains(&s.len()) {
        return None;
    }
    s.chars().map(|c| c.to_digit(10)).collect()
}

pub(super) fn verdict(ok: bool) -> Check {
    if ok { Check::Ok } else { Check::Checksum }
}

/// Σ digit × weight.
pub(super) fn weighted(d: &[u32], weights: &[u32]) -> u32 {
    d.iter().zip(weights).map(|(a, b)| a * b).sum()
}

/// Whether the digits pass the Luhn check (the last one is the check digit).
pub(super) fn luhn(d: &[u32]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| match (i % 2, x * 2) {
            (0, _) => x,
            (_, y) if y > 9 => y - 9,
            (_, y) => y,
        })
        .sum();
    sum.is_multiple_of(10)
}

/// ISO 7064 MOD 11,10 (Germany, Croatia): whether the last digit checks the others.
pub(super) fn mod_11_10(d: &[u32]) -> bool {
    let Some((last, body)) = d.split_last() else {
        return false;
    };
    let mut p = 10;
    for x in body {
        let s = match (x + p) % 10 {
            0 => 10,
            s => s,
        };
        p = (2 * s) % 11;
    }
    (11 - p) % 10 == *last
}

/// ISO 7064 MOD 97-10 of letters (A = 10 … Z = 35) and digits: the remainder.
pub(super) fn mod_97(s: &str) -> u32 {
    s.chars().fold(0, |acc, c| match c.to_digit(36) {
        Some(v) if v >= 10 => (acc * 100 + v) % 97,
        Some(v) => (acc * 10 + v) % 97,
        None => acc,
    })
}

pub(super) fn at(s: &str) -> Check {
    let Some(d) = s.strip_prefix('U').and_then(|n| digits(n, &[8])) else {
        return Check::Format;
    };
    let sum: u32 = d[..7]
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 1 {
                x * 2 / 10 + x * 2 % 10
            } else {
                x
            }
        })
        .sum();
    verdict((10 - (sum + 4) % 10) % 10 == d[7])
}

pub(super) fn be(s: &str) -> Check {
    let Some(d) = digits(s, &[10]) else {
        return Check::Format;
    };
    if d[0] > 1 {
        return Check::Format;
    }
    let body = d[..8].iter().fold(0_u64, |a, &x| a * 10 + u64::from(x));
    let check = u64::from(d[8] * 10 + d[9]);
    verdict(97 - body % 97 == check)
}

pub(super) fn bg(s: &str) -> Check {
    match digits(s, &[9, 10]) {
        Some(d) if d.len() == 9 => {
            let mut c = weighted(&d[..8], &[1, 2, 3, 4, 5, 6, 7, 8]) % 11;
            if c == 10 {
                c = weighted(&d[..8], &[3, 4, 5, 6, 7, 8, 9, 10]) % 11 % 10;
            }
            verdict(c == d[8])
        }
        Some(_) => Check::Ok,
        None => Check::Format,
    }
}

pub(super) fn cy(s: &str) -> Check {
    const ODD: [u32; 10] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21];
    let b = s.as_bytes();
    if b.len() != 9 || !b[8].is_ascii_uppercase() {
        return Check::Format;
    }
    let Some(d) = digits(&s[..8], &[8]) else {
        return Check::Format;
    };
    if d[0] == 1 && d[1] == 2 {
        return Check::Format;
    }
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, &x)| if i % 2 == 0 { ODD[x as usize] } else { x })
        .sum();
    verdict(u32::from(b[8] - b'A') == sum % 26)
}

pub(super) fn cz(s: &str) -> Check {
    match digits(s, &[8, 9, 10]) {
        Some(_) => Check::Ok,
        None => Check::Format,
    }
}

pub(super) fn de(s: &str) -> Check {
    match digits(s, &[9]) {
        Some(d) if d[0] != 0 => verdict(mod_11_10(&d)),
        _ => Check::Format,
    }
}

pub(super) fn dk(s: &str) -> Check {
    match digits(s, &[8]) {
        Some(d) if d[0] != 0 => verdict(weighted(&d, &[2, 7, 6, 5, 4, 3, 2, 1]).is_multiple_of(11)),
        _ => Check::Format,
    }
}

pub(super) fn ee(s: &str) -> Check {
    match digits(s, &[9]) {
        Some(d) if d[0] == 1 && d[1] == 0 => {
            let sum = weighted(&d[..8], &[3, 7, 1, 3, 7, 1, 3, 7]);
            verdict((10 - sum % 10) % 10 == d[8])
        }
        _ => Check::Format,
    }
}

pub(super) fn el(s: &str) -> Check {
    let Some(d) = digits(s, &[9]) else {
        return Check::Format;
    };
    let sum = weighted(&d[..8], &[256, 128, 64, 32, 16, 8, 4, 2]);
    verdict(sum % 11 % 10 == d[8])
}

/// Spain: a company's CIF (letter, 7 digits, a check digit or letter), a
/// resident's DNI (8 digits and a letter) or a foreigner's NIE (X, Y or Z, 7
/// digits and a letter); K, L and M numbers check like a DNI.
pub(super) fn es(s: &str) -> Check {
    const DNI: &[u8] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    let b = s.as_bytes();
    if b.len() != 9 || !b[1..8].iter().all(u8::is_ascii_digit) {
        return Check::Format;
    }
    let (first, last) = (b[0], b[8]);
    let dni = |n: &[u8]| {
        let v = n.iter().fold(0_u32, |a, x| a * 10 + u32::from(x - b'0'));
        DNI[(v % 23) as usize]
    };
    match first {
        b'0'..=b'9' => verdict(dni(&b[..8]) == last),
        b'X' | b'Y' | b'Z' => {
            let mut n = b[..8].to_vec();
            n[0] = b'0' + (first - b'X');
            verdict(dni(&n) == last)
        }
        b'K' | b'L' | b'M' => verdict(dni(&b[1..8]) == last),
        b'A'..=b'H' | b'J' | b'N' | b'P'..=b'S' | b'U'..=b'W' => {
            // The Luhn check digit of the 7 digits, or its letter.
            let sum: u32 = b[1..8]
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    let v = u32::from(x - b'0');
                    if i % 2 == 0 {
                        v * 2 / 10 + v * 2 % 10
                    } else {
                        v
                    }
                })
                .sum();
            let c = (10 - sum % 10) % 10;
            verdict(
                u32::from(last) == u32::from(b'0') + c
                    || Some(&last) == b"JABCDEFGHI".get(c as usize),
            )
        }
        _ => Check::Format,
    }
}

pub(super) fn fi(s: &str) -> Check {
    let Some(d) = digits(s, &[8]) else {
        return Check::Format;
    };
    let rest = weighted(&d[..7], &[7, 9, 10, 5, 8, 4, 2]) % 11;
    verdict(rest != 1 && (11 - rest) % 11 == d[7])
}

/// France: two check characters (digits, or the newer letters without I and
/// O) before the SIREN, which itself passes Luhn (except Monaco's `000…`).
pub(super) fn fr(s: &str) -> Check {
    const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let (key, siren) = s.split_at(s.len().min(2));
    let Some(d) = digits(siren, &[9]) else {
        return Check::Format;
    };
    let idx: Option<Vec<u32>> = key
        .chars()
        .map(|c| ALPHABET.find(c).map(|i| i as u32))
        .collect();
    let Some(idx) = idx.filter(|i| i.len() == 2) else {
        return Check::Format;
    };
    if !siren.starts_with("000") && !luhn(&d) {
        return Check::Checksum;
    }
    let siren_n = d.iter().fold(0_u64, |a, &x| a * 10 + u64::from(x));
    if idx.iter().all(|&i| i < 10) {
        let key_n = u64::from(idx[0] * 10 + idx[1]);
        return verdict(key_n == (siren_n * 100 + 12) % 97);
    }
    let check = if idx[0] < 10 {
        (idx[0] * 24 + idx[1]).checked_sub(10)
    } else {
        (idx[0] * 34 + idx[1]).checked_sub(100)
    };
    let Some(check) = check.map(u64::from) else {
        return Check::Checksum;
    };
    verdict((siren_n + 1 + check / 11) % 11 == check % 11)
}

pub(super) fn hr(s: &str) -> Check {
    match digits(s, &[11]) {
        Some(d) => verdict(mod_11_10(&d)),
        None => Check::Format,
    }
}

pub(super) fn hu(s: &str) -> Check {
    match digits(s, &[8]) {
        Some(d) => verdict(weighted(&d, &[9, 7, 3, 1, 9, 7, 3, 1]).is_multiple_of(10)),
        None => Check::Format,
    }
}

/// Ireland: 7 digits, a check letter and an optional second letter; or the old
/// form, a digit, a letter (or `+`, `*`), 5 digits and the check letter.
pub(super) fn ie(s: &str) -> Check {
    const LETTERS: &[u8] = b"WABCDEFGHIJKLMNOPQRSTUV";
    let b = s.as_bytes();
    let old = b.len() == 8
        && b[0].is_ascii_digit()
        && b[1].is_ascii_uppercase()
        && b[2..7].iter().all(u8::is_ascii_digit);
    let (body, check, extra): (Vec<u8>, u8, Option<u8>) = if old {
        let mut body = vec![b'0'];
        body.extend_from_slice(&b[2..7]);
        body.push(b[0]);
        (body, b[7], None)
    } else if (b.len() == 8 || b.len() == 9) && b[..7].iter().all(u8::is_ascii_digit) {
        (b[..7].to_vec(), b[7], b.get(8).copied())
    } else {
        return Check::Format;
    };
    let extra = match extra {
        None => 0,
        Some(x) => match LETTERS.iter().position(|l| *l == x) {
            Some(p) => p as u32,
            None => return Check::Format,
        },
    };
    let sum: u32 = body
        .iter()
        .enumerate()
        .map(|(i, x)| (8 - i as u32) * u32::from(x - b'0'))
        .sum();
    verdict(LETTERS[((sum + 9 * extra) % 23) as usize] == check)
}

/// Italy: the company number, the tax office (001–100, 120, 121, 888, 999) and
/// a Luhn check digit.
pub(super) fn it(s: &str) -> Check {
    let Some(d) = digits(s, &[11]) else {
        return Check::Format;
    };
    let office = d[7] * 100 + d[8] * 10 + d[9];
    if d[..7].iter().all(|&x| x == 0) || !matches!(office, 1..=100 | 120 | 121 | 888 | 999) {
        return Check::Format;
    }
    verdict(luhn(&d))
}

pub(super) fn lt(s: &str) -> Check {
    match digits(s, &[9, 12]) {
        Some(_) => Check::Ok,
        None => Check::Format,
    }
}

pub(super) fn lu(s: &str) -> Check {
    let Some(d) = digits(s, &[8]) else {
        return Check::Format;
    };
    let body = d[..6].iter().fold(0, |a, &x| a * 10 + x);
    verdict(body % 89 == d[6] * 10 + d[7])
}

pub(super) fn lv(s: &str) -> Check {
    match digits(s, &[11]) {
        Some(_) => Check::Ok,
        None => Check::Format,
    }
}

pub(super) fn mt(s: &str) -> Check {
    match digits(s, &[8]) {
        Some(d) if d[0] != 0 => Check::Ok,
        _ => Check::Format,
    }
}

/// The Netherlands: 9 digits, `B` and a two-digit branch. Companies' numbers
/// (the RSIN) pass the eleven test; sole traders' numbers since 2020 pass
/// MOD 97-10 over `NL` and the number instead.
pub(super) fn nl(s: &str) -> Check {
    let b = s.as_bytes();
    let Some(d) = digits(s.get(..9).unwrap_or(""), &[9]) else {
        return Check::Format;
    };
    if b.len() != 12 || b[9] != b'B' || !b[10..].iter().all(u8::is_ascii_digit) || &b[10..] == b"00"
    {
        return Check::Format;
    }
    let eleven = weighted(&d[..8], &[9, 8, 7, 6, 5, 4, 3, 2]) % 11;
    let rsin = eleven < 10 && eleven == d[8];
    verdict(rsin || mod_97(&format!("NL{s}")) == 1)
}

pub(super) fn pl(s: &str) -> Check {
    let Some(d) = digits(s, &[10]) else {
        return Check::Format;
    };
    let c = weighted(&d[..9], &[6, 5, 7, 2, 3, 4, 5, 6, 7]) % 11;
    verdict(c == d[9])
}

pub(super) fn pt(s: &str) -> Check {
    match digits(s, &[9]) {
        Some(d) if d[0] != 0 => {
            let c = match 11 - weighted(&d[..8], &[9, 8, 7, 6, 5, 4, 3, 2]) % 11 {
                10 | 11 => 0,
                c => c,
            };
            verdict(c == d[8])
        }
        _ => Check::Format,
    }
}

pub(super) fn ro(s: &str) -> Check {
    match digits(s, &[2, 3, 4, 5, 6, 7, 8, 9, 10, 13]) {
        Some(d) if d[0] != 0 => Check::Ok,
        _ => Check::Format,
    }
}

/// Sweden: the 10-digit organisation number (Luhn) and `01`.
pub(super) fn se(s: &str) -> Check {
    match digits(s, &[12]) {
        Some(d) if d[10] == 0 && d[11] == 1 => verdict(luhn(&d[..10])),
        _ => Check::Format,
    }
}

pub(super) fn si(s: &str) -> Check {
    match digits(s, &[8]) {
        Some(d) if d[0] != 0 => {
            let c = 11 - weighted(&d[..7], &[8, 7, 6, 5, 4, 3, 2]) % 11;
            verdict(c != 11 && c % 10 == d[7])
        }
        _ => Check::Format,
    }
}

pub(super) fn sk(s: &str) -> Check {
    match digits(s, &[10]) {
        Some(d) if d[0] != 0 => {
            let n = d.iter().fold(0_u64, |a, &x| a * 10 + u64::from(x));
            verdict(n.is_multiple_of(11))
        }
        _ => Check::Format,
    }
}

pub(super) fn xi(s: &str) -> Check {
    let b = s.as_bytes();
    let government = b.len() == 5
        && (b.starts_with(b"GD") || b.starts_with(b"HA"))
        && b[2..].iter().all(u8::is_ascii_digit);
    if government || digits(s, &[9, 12]).is_some() {
        Check::Ok
    } else {
        Check::Format
    }
}
