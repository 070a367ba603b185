//! A labelled text input with its hint and error, wired for screen readers.

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// The value of the input an event came from.
pub fn input_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

/// Focuses the first input marked invalid inside `root`.
pub fn focus_first_invalid(root: &NodeRef) {
    let Some(root) = root.cast::<web_sys::Element>() else {
        return;
    };
    if let Ok(Some(el)) = root.query_selector("[aria-invalid='true']")
        && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
    {
        let _ = el.focus();
    }
}

/// What [`text_field`] shows; [`TextFieldProps::new`] fills in the optional parts.
pub struct TextFieldProps<'a> {
    pub id: &'static str,
    pub label: &'static str,
    pub value: &'a str,
    pub oninput: Callback<String>,
    pub error: Option<&'a str>,
    pub hint: Option<&'static str>,
    pub required: bool,
    /// The input's `type`.
    pub kind: &'static str,
    pub autocomplete: Option<&'static str>,
    pub inputmode: Option<&'static str>,
    pub placeholder: Option<&'static str>,
    pub maxlength: Option<&'static str>,
    pub class: Classes,
}

impl<'a> TextFieldProps<'a> {
    /// An optional plain text input without hint or error.
    pub fn new(
        id: &'static str,
        label: &'static str,
        value: &'a str,
        oninput: Callback<String>,
    ) -> Self {
        Self {
            id,
            label,
            value,
            oninput,
            error: None,
            hint: None,
            required: false,
            kind: "text",
            autocomplete: None,
            inputmode: None,
            placeholder: None,
            maxlength: None,
            class: Classes::new(),
        }
    }
}

/// `<label>` + `<input>` + hint + error; the input points at both with
/// `aria-describedby` and is `aria-invalid` while the error shows.
pub fn text_field(props: &TextFieldProps<'_>) -> Html {
    let hint_id = format!("{}-hint", props.id);
    let error_id = format!("{}-error", props.id);
    let described: Vec<&str> = [
        props.hint.as_ref().map(|_| hint_id.as_str()),
        props.error.as_ref().map(|_| error_id.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let oninput = {
        let cb = props.oninput.clone();
        Callback::from(move |e: InputEvent| cb.emit(input_value(&e)))
    };
    html! {
        <div class={classes!("rw-field", props.class.clone(), props.error.is_some().then_some("rw-invalid"))}>
            <label for={props.id}>{ props.label }</label>
            <input
                id={props.id}
                name={props.id}
                type={props.kind}
                value={props.value.to_owned()}
                required={props.required}
                autocomplete={props.autocomplete}
                inputmode={props.inputmode}
                placeholder={props.placeholder}
                maxlength={props.maxlength}
                aria-invalid={props.error.is_some().then_some("true")}
                aria-describedby={(!described.is_empty()).then(|| described.join(" "))}
                {oninput}
            />
            if let Some(hint) = props.hint {
                <p class="rw-hint" id={hint_id.clone()}>{ hint }</p>
            }
            { error_text(error_id.clone().into(), props.error) }
        </div>
    }
}

/// The error under an input, announced when it appears, with the `id` the
/// input's `aria-describedby` names; nothing while there is no error.
pub fn error_text(id: AttrValue, error: Option<&str>) -> Html {
    match error {
        Some(error) => html! {
            <p class="rw-error" {id} role="alert">
                <svg class="rw-icon" viewBox="0 0 20 20" aria-hidden="true"><path fill="currentColor" d="M10 2a8 8 0 1 0 0 16 8 8 0 0 0 0-16Zm-.9 4h1.8v5.2H9.1V6Zm.9 8.6a1.1 1.1 0 1 1 0-2.2 1.1 1.1 0 0 1 0 2.2Z"/></svg>
                { error }
            </p>
        },
        None => html! {},
    }
}

/// What [`stepper`] shows.
pub struct StepperProps<'a> {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: u32,
    pub onchange: Callback<u32>,
    /// The smallest value the buttons and the input allow.
    pub min: u32,
    /// The largest value the buttons and the input allow.
    pub max: u32,
    /// Words for the − and + buttons.
    pub less: &'static str,
    pub more: &'static str,
    pub error: Option<&'a str>,
    /// Shown after the number, e.g. "× €29.00 / seat".
    pub suffix: Option<AttrValue>,
    /// Hide the label visually (it stays for screen readers).
    pub quiet_label: bool,
}

/// A number input between − and + buttons.
pub fn stepper(props: &StepperProps<'_>) -> Html {
    let (min, max, value) = (props.min, props.max, props.value);
    let step = |delta: i64| {
        let cb = props.onchange.clone();
        let next = (i64::from(value) + delta).clamp(i64::from(min), i64::from(max));
        let next = u32::try_from(next).unwrap_or(min);
        Callback::from(move |_: MouseEvent| cb.emit(next))
    };
    let oninput = {
        let cb = props.onchange.clone();
        Callback::from(move |e: InputEvent| {
            if let Ok(n) = input_value(&e).trim().parse::<u32>() {
                cb.emit(n.clamp(min, max));
            }
        })
    };
    let error_id = format!("{}-error", props.id);
    html! {
        <div class={classes!("rw-field", props.error.is_some().then_some("rw-invalid"))}>
            <label for={props.id.clone()} class={classes!(props.quiet_label.then_some("rw-sr"))}>{ props.label.clone() }</label>
            <div class="rw-stepper-row">
                <div class="rw-stepper">
                    <button type="button" aria-label={props.less} aria-controls={props.id.clone()} disabled={value <= min} onclick={step(-1)}>{ "−" }</button>
                    <input
                        id={props.id.clone()}
                        type="number"
                        inputmode="numeric"
                        min={min.to_string()}
                        max={max.to_string()}
                        value={value.to_string()}
                        aria-invalid={props.error.is_some().then_some("true")}
                        aria-describedby={props.error.is_some().then(|| error_id.clone())}
                        {oninput}
                    />
                    <button type="button" aria-label={props.more} aria-controls={props.id.clone()} disabled={value >= max} onclick={step(1)}>{ "+" }</button>
                </div>
                if let Some(suffix) = &props.suffix {
                    <span class="rw-muted">{ suffix.clone() }</span>
                }
            </div>
            { error_text(error_id.into(), props.error) }
        </div>
    }
}
