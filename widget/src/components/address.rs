//! The customer's details (e-mail, name, company, VAT number) and billing
//! address: a country select with ISO codes and localised names, and the
//! address lines. Shared by the checkout and the portal.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::field::{ErrorText, TextField, TextFieldProps};
use crate::countries::{DUTCH_ORDER, rows};
use crate::form::{Field, Form};
use crate::i18n::Locale;

/// `(code, name)` of every country, alphabetical in the language.
fn countries(locale: Locale) -> impl Iterator<Item = (&'static str, &'static str)> {
    let all: Vec<_> = rows().collect();
    let order: Box<dyn Iterator<Item = usize>> = match locale {
        Locale::En => Box::new(0..all.len()),
        Locale::Nl => Box::new(DUTCH_ORDER.iter().map(|&i| usize::from(i))),
    };
    order.filter_map(move |i| {
        let (code, en, nl) = all.get(i)?;
        Some((*code, if locale == Locale::Nl { *nl } else { *en }))
    })
}

#[derive(Properties, PartialEq)]
pub struct CountrySelectProps {
    pub value: AttrValue,
    pub locale: Locale,
    pub onchange: Callback<String>,
    #[prop_or_default]
    pub error: Option<AttrValue>,
}

/// A required `<select>` of countries, valued by ISO 3166-1 alpha-2 code.
#[function_component(CountrySelect)]
pub fn country_select(props: &CountrySelectProps) -> Html {
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
                { for countries(props.locale).map(|(code, name)| html! {
                    <option value={code} selected={props.value == code}>{ name }</option>
                }) }
            </select>
            <ErrorText id={error_id.clone()} error={props.error.clone()} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct AddressProps {
    pub form: Form,
    pub locale: Locale,
    pub onedit: Callback<(Field, String)>,
}

/// A text input of the form: its value, its error, and edits to `onedit`.
fn input(
    form: &Form,
    onedit: &Callback<(Field, String)>,
    field: Field,
    label: &'static str,
    autocomplete: &'static str,
) -> TextFieldProps {
    TextFieldProps {
        id: field.id().into(),
        label: label.into(),
        value: form.value(field).to_owned().into(),
        oninput: onedit.reform(move |v: String| (field, v)),
        error: form.errors.get(&field).map(|e| e.clone().into()),
        hint: None,
        required: false,
        kind: "text".into(),
        autocomplete: (!autocomplete.is_empty()).then(|| autocomplete.into()),
        inputmode: None,
        placeholder: None,
        maxlength: None,
        class: Classes::new(),
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
        kind: "email".into(),
        required: true,
        ..input(form, onedit, Field::Email, t.email, "email")
    };
    let name = TextFieldProps {
        required: name_required,
        ..input(form, onedit, Field::Name, t.full_name, "name")
    };
    let company = input(form, onedit, Field::Company, t.company, "organization");
    let vat = TextFieldProps {
        hint: Some(t.vat_hint.into()),
        ..input(form, onedit, Field::VatNumber, t.vat_number, "")
    };
    html! {
        <div class="rw-grid">
            <TextField ..email />
            <TextField ..name />
            <TextField ..company />
            <TextField ..vat />
        </div>
    }
}

/// Country first (it decides the tax), then the street address.
#[function_component(AddressFields)]
pub fn address_fields(props: &AddressProps) -> Html {
    let t = props.locale.text();
    let form = &props.form;
    let text =
        |field: Field, label: &'static str, autocomplete: &'static str, class: &'static str| {
            let p = TextFieldProps {
                class: class.into(),
                ..input(form, &props.onedit, field, label, autocomplete)
            };
            html! { <TextField ..p /> }
        };
    let country = props.onedit.reform(|v: String| (Field::Country, v));
    html! {
        <div class="rw-grid rw-grid-tight">
            <div class="rw-span-2">
                <CountrySelect
                    value={form.country.clone()}
                    locale={props.locale}
                    onchange={country}
                    error={form.errors.get(&Field::Country).map(|e| AttrValue::from(e.clone()))}
                />
            </div>
            { text(Field::Line1, t.line1, "address-line1", "rw-span-2") }
            { text(Field::Line2, t.line2, "address-line2", "rw-span-2") }
            { text(Field::PostalCode, t.postal_code, "postal-code", "") }
            { text(Field::City, t.city, "address-level2", "") }
            { text(Field::Region, t.region, "address-level1", "rw-span-2") }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_country_once_in_each_language() {
        for locale in [Locale::En, Locale::Nl] {
            let mut codes: Vec<_> = countries(locale).map(|(c, _)| c).collect();
            assert_eq!(codes.len(), 249);
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), 249);
        }
        let nl: Vec<_> = countries(Locale::Nl).map(|(_, n)| n).collect();
        let be = nl.iter().position(|n| *n == "België");
        let de = nl.iter().position(|n| *n == "Duitsland");
        assert!(be < de);
    }
}
