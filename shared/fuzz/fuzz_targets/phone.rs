//! Mobile phone numbers (`MobilePhone::parse`): whatever is typed, an
//! accepted number has one normal form, `+79XXXXXXXXX`, which parses to
//! itself; any Russian spelling of a mobile number parses to it.

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use cabinet::domain::MobilePhone;
use libfuzzer_sys::fuzz_target;

/// Signs people put between the digits.
const SEPARATORS: [&str; 8] = ["", " ", "-", "(", ")", ".", "\u{a0}", "\u{2011}"];

/// A mobile number and how it is spelled.
#[derive(Arbitrary, Debug)]
struct Spelled {
    /// The nine digits after the leading 9 of a mobile number.
    digits: [u8; 9],
    /// How the number is written: +7, 8, 7 or nothing before it.
    prefix: u8,
    /// A separator after each digit.
    separators: [u8; 10],
}

fn is_normal_form(number: &str) -> bool {
    number.len() == 12
        && number.starts_with("+79")
        && number[1..].bytes().all(|b| b.is_ascii_digit())
}

fn check_typed(raw: &str) {
    // Anything typed: accepted only in the normal form, which is stable.
    if let Ok(phone) = MobilePhone::parse(raw) {
        assert!(is_normal_form(phone.as_str()));
        assert_eq!(phone.to_string(), phone.as_str());
        assert_eq!(MobilePhone::parse(phone.as_str()), Ok(phone.clone()));
        // The ten national digits were typed, in order.
        let typed: String = raw.chars().filter(char::is_ascii_digit).collect();
        assert!(typed.ends_with(&phone.as_str()[2..]));
    }
}

/// A mobile number spelled any Russian way parses to its normal form.
fn check_spelled(input: &Spelled) {
    let national: String = std::iter::once('9')
        .chain(input.digits.iter().map(|d| char::from(b'0' + d % 10)))
        .collect();
    let prefix = ["+7", "8", "7", ""][usize::from(input.prefix % 4)];
    let mut spelled = String::from(prefix);
    for (digit, separator) in national.chars().zip(input.separators) {
        spelled.push(digit);
        spelled.push_str(SEPARATORS[usize::from(separator) % SEPARATORS.len()]);
    }
    let phone = MobilePhone::parse(&spelled).expect("a spelled-out mobile number parses");
    assert_eq!(phone.as_str(), format!("+7{national}"));
}

fuzz_target!(|data: &[u8]| {
    if let Ok(raw) = std::str::from_utf8(data) {
        check_typed(raw);
    }
    if let Ok(spelled) = Spelled::arbitrary_take_rest(Unstructured::new(data)) {
        check_spelled(&spelled);
    }
});
