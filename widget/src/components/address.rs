//! The customer's details (e-mail, name, company, VAT number) and billing
//! address: a country select with ISO codes and localised names, and the
//! address lines. Shared by the checkout and the portal.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::field::{TextFieldProps, error_text, text_field};
use crate::countries::countries;
use crate::form::{Field, Form};
use crate::i18n::Locale;

/// What [`country_select`] shows: the chosen code (empty for none) and its error.
pub struct CountrySelectProps<'a> {
    pub value: &'a str,
    pub locale: Locale,
    pub onchange: Callback<String>,
    pub error: Option<&'a str>,
}

/// A required `<select>` of countries, valued by ISO 3166-1 alpha-2 code.
pub fn country_select(props: &CountrySelectProps<'_>) -> Html {
    let t = props.locale.text();
    let id = Field::Country.id();
    let error_id = format!("{id}-error");
    let onchange = {
        let cb = props.onchange.clone();
        Callback::from(move |e: Event| {
            cb.emit(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    html! {
        <div class={classes!("rw-field", props.error.is_some().then_some("rw-invalid"))}>
            <label for={id}>{ t.country }</label>
            <select
                {id}
                name={id}
                required=true
                autocomplete="country"
                aria-invalid={props.error.is_some().then_some("true")}
                aria-describedby={props.error.is_some().then(|| error_id.clone())}
                {onchange}
            >
                <option value="" disabled=true selected={props.value.is_empty()}>{ t.choose_country }</option>
                { for countries(props.locale).iter().map(|(code, name)| html! {
                    <option value={*code} selected={props.value == *code}>{ name.clone() }</option>
                }) }
            </select>
            { error_text(error_id.into(), props.error) }
        </div>
    }
}

/// The form [`address_fields`] shows, and where its edits go.
pub struct AddressProps<'a> {
    pub form: &'a Form,
    pub locale: Locale,
    pub onedit: &'a Callback<(Field, String)>,
}

/// A text input of the form: its value, its error, and edits to `onedit`.
fn input<'a>(
    form: &'a Form,
    onedit: &Callback<(Field, String)>,
    field: Field,
    label: &'static str,
    autocomplete: &'static str,
) -> TextFieldProps<'a> {
    TextFieldProps {
        error: form.errors.get(&field).map(String::as_str),
        autocomplete: (!autocomplete.is_empty()).then_some(autocomplete),
        ..TextFieldProps::new(
            field.id(),
            label,
            form.value(field),
            onedit.reform(move |v: String| (field, v)),
        )
    }
}

/// E-mail, name (required in the checkout; the portal may clear it), company
/// and VAT number.
pub fn contact_fields(
    form: &Form,
    onedit: &Callback<(Field, String)>,
    locale: Locale,
    name_required: bool,
) -> Html {
    let t = locale.text();
    let email = TextFieldProps {
        kind: "email",
        required: true,
        ..input(form, onedit, Field::Email, t.email, "email")
    };
    let name = TextFieldProps {
        required: name_required,
        ..input(form, onedit, Field::Name, t.full_name, "name")
    };
    let company = input(form, onedit, Field::Company, t.company, "organization");
    let vat = TextFieldProps {
        hint: Some(t.vat_hint),
        ..input(form, onedit, Field::VatNumber, t.vat_number, "")
    };
    html! {
        <div class="rw-grid">
            { text_field(&email) }
            { text_field(&name) }
            { text_field(&company) }
            { text_field(&vat) }
        </div>
    }
}

/// Country first (it decides the tax), then the street address.
pub fn address_fields(props: &AddressProps<'_>) -> Html {
    let t = props.locale.text();
    let form = props.form;
    let text =
        |field: Field, label: &'static str, autocomplete: &'static str, class: &'static str| {
            text_field(&TextFieldProps {
                class: class.into(),
                ..input(form, props.onedit, field, label, autocomplete)
            })
        };
    let country = props.onedit.reform(|v: String| (Field::Country, v));
    html! {
        <div class="rw-grid rw-grid-tight">
            <div class="rw-span-2">
                { country_select(&CountrySelectProps {
                    value: &form.country,
                    locale: props.locale,
                    onchange: country,
                    error: form.errors.get(&Field::Country).map(String::as_str),
                }) }
            </div>
            { text(Field::Line1, t.line1, "address-line1", "rw-span-2") }
            { text(Field::Line2, t.line2, "address-line2", "rw-span-2") }
            { text(Field::PostalCode, t.postal_code, "postal-code", "") }
            { text(Field::City, t.city, "address-level2", "") }
            { text(Field::Region, t.region, "address-level1", "rw-span-2") }
        </div>
    }
}
