//! The test provider's card form: number, expiry and CVC, with the test cards
//! listed in test mode.

use yew::prelude::*;

use super::field::TextField;
use crate::form::{Field, Form, format_card_number, format_expiry};
use crate::i18n::Locale;

#[derive(Properties, PartialEq)]
pub struct CardFormProps {
    pub form: Form,
    pub locale: Locale,
    pub test_mode: bool,
    pub onedit: Callback<(Field, String)>,
}

/// Card inputs formatted as typed, with autofill hints for the browser.
#[function_component(CardForm)]
pub fn card_form(props: &CardFormProps) -> Html {
    let t = props.locale.text();
    let form = &props.form;
    let error = |field: Field| form.errors.get(&field).map(|e| AttrValue::from(e.clone()));
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
                <TextField
                    id={Field::CardNumber.id()}
                    label={t.card_number}
                    class="rw-span-2"
                    value={form.card_number.clone()}
                    oninput={edit(Field::CardNumber, format_card_number)}
                    error={error(Field::CardNumber)}
                    required=true
                    autocomplete="cc-number"
                    inputmode="numeric"
                    placeholder="1234 1234 1234 1234"
                    maxlength="23"
                />
                <TextField
                    id={Field::CardExpiry.id()}
                    label={t.expiry}
                    value={form.card_expiry.clone()}
                    oninput={edit(Field::CardExpiry, format_expiry)}
                    error={error(Field::CardExpiry)}
                    required=true
                    autocomplete="cc-exp"
                    inputmode="numeric"
                    placeholder="MM / YY"
                    maxlength="9"
                />
                <TextField
                    id={Field::CardCvc.id()}
                    label={t.cvc}
                    value={form.card_cvc.clone()}
                    oninput={edit(Field::CardCvc, |v| v.chars().filter(char::is_ascii_digit).take(4).collect())}
                    error={error(Field::CardCvc)}
                    required=true
                    autocomplete="cc-csc"
                    inputmode="numeric"
                    placeholder="123"
                    maxlength="4"
                />
            </div>
        </>
    }
}
