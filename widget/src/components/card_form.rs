//! The test provider's card form: number, expiry and CVC, with the test cards
//! listed in test mode.

use yew::prelude::*;

use super::field::{TextFieldProps, text_field};
use crate::form::{Field, Form, format_card_number, format_expiry};
use crate::i18n::Locale;

/// The form [`card_form`] shows, and where its edits go.
pub struct CardFormProps<'a> {
    pub form: &'a Form,
    pub locale: Locale,
    /// List the test cards.
    pub test_mode: bool,
    pub onedit: &'a Callback<(Field, String)>,
}

/// Card inputs formatted as typed, with autofill hints for the browser.
pub fn card_form(props: &CardFormProps<'_>) -> Html {
    let t = props.locale.text();
    let form = props.form;
    let edit = |field: Field, fmt: fn(&str) -> String| {
        let cb = props.onedit.clone();
        Callback::from(move |v: String| cb.emit((field, fmt(&v))))
    };
    let fill = |number: &'static str| {
        let cb = props.onedit.clone();
        let expiry_empty = form.card_expiry.is_empty();
        let cvc_empty = form.card_cvc.is_empty();
        Callback::from(move |_: MouseEvent| {
            cb.emit((Field::CardNumber, format_card_number(number)));
            if expiry_empty {
                cb.emit((Field::CardExpiry, "12 / 34".to_owned()));
            }
            if cvc_empty {
                cb.emit((Field::CardCvc, "123".to_owned()));
            }
        })
    };
    // What the three inputs share: all required, numeric, formatted as typed.
    let input = |field: Field, label: &'static str, fmt: fn(&str) -> String| TextFieldProps {
        error: form.errors.get(&field).map(String::as_str),
        required: true,
        inputmode: Some("numeric"),
        ..TextFieldProps::new(field.id(), label, form.value(field), edit(field, fmt))
    };
    let test_cards = [
        ("4242424242424242", t.card_ok),
        ("4000000000000002", t.card_declined),
        ("4000000000009995", t.card_funds),
        ("4000002760003184", t.card_3ds),
    ];
    html! {
        <>
            if props.test_mode {
                <div class="rw-testcards">
                    <p><span class="rw-badge">{ t.test_mode }</span>{ " " }{ t.test_cards }</p>
                    <ul>
                        { for test_cards.into_iter().map(|(number, what)| html! {
                            <li>
                                <button type="button" class="rw-chip" onclick={fill(number)}>
                                    <code>{ format_card_number(number) }</code>
                                </button>
                                <span>{ what }</span>
                            </li>
                        }) }
                    </ul>
                </div>
            }
            <div class="rw-grid rw-card">
                { text_field(&TextFieldProps {
                    class: "rw-span-2".into(),
                    autocomplete: Some("cc-number"),
                    placeholder: Some("1234 1234 1234 1234"),
                    maxlength: Some("23"),
                    ..input(Field::CardNumber, t.card_number, format_card_number)
                }) }
                { text_field(&TextFieldProps {
                    autocomplete: Some("cc-exp"),
                    placeholder: Some("MM / YY"),
                    maxlength: Some("9"),
                    ..input(Field::CardExpiry, t.expiry, format_expiry)
                }) }
                { text_field(&TextFieldProps {
                    autocomplete: Some("cc-csc"),
                    placeholder: Some("123"),
                    maxlength: Some("4"),
                    ..input(Field::CardCvc, t.cvc, |v| v.chars().filter(char::is_ascii_digit).take(4).collect())
                }) }
            </div>
        </>
    }
}
