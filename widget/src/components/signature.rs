//! The agreement step: the plan's terms, a signature typed or drawn on a canvas
//! (mouse, touch and pen through pointer events, exported as a PNG data URL), and
//! the acceptance checkbox.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlInputElement};
use yew::prelude::*;

use super::field::{TextFieldProps, error_text, text_field};
use crate::form::{Field, Form, SignMode};
use crate::i18n::Locale;

/// The form [`agreement`] shows, the plan's terms, and where its edits go.
pub struct AgreementProps<'a> {
    pub form: &'a Form,
    pub locale: Locale,
    pub terms: Option<&'a str>,
    pub onedit: &'a Callback<(Field, String)>,
    pub onmode: &'a Callback<SignMode>,
    pub onimage: &'a Callback<Option<String>>,
    pub onagree: &'a Callback<bool>,
}

/// Terms, signature and "I accept".
pub fn agreement(props: &AgreementProps<'_>) -> Html {
    let ct = props.locale.checkout_text();
    let form = props.form;
    let error = |field: Field| form.errors.get(&field).map(String::as_str);
    let mode_button = |mode: SignMode, label: &'static str| {
        let onmode = props.onmode.clone();
        html! {
            <button
                type="button"
                class="rw-seg"
                aria-pressed={if form.sign_mode == mode { "true" } else { "false" }}
                onclick={Callback::from(move |_: MouseEvent| onmode.emit(mode))}
            >{ label }</button>
        }
    };
    let signer = {
        let cb = props.onedit.clone();
        Callback::from(move |v: String| cb.emit((Field::SignatureName, v)))
    };
    let onagree = {
        let cb = props.onagree.clone();
        Callback::from(move |e: Event| {
            cb.emit(e.target_unchecked_into::<HtmlInputElement>().checked())
        })
    };
    html! {
        <>
            if let Some(terms) = props.terms {
                <div class="rw-terms" tabindex="0" role="region" aria-label={ct.terms}>
                    <p>{ terms }</p>
                </div>
            }
            <div class="rw-signature">
                <div class="rw-segmented" role="group" aria-label={ct.signature}>
                    { mode_button(SignMode::Type, ct.sign_type) }
                    { mode_button(SignMode::Draw, ct.sign_draw) }
                </div>
                { text_field(&TextFieldProps {
                    error: error(Field::SignatureName),
                    required: true,
                    autocomplete: Some("name"),
                    ..TextFieldProps::new(Field::SignatureName.id(), ct.signer_name, &form.signer, signer)
                }) }
                if form.sign_mode == SignMode::Type {
                    <div class="rw-typed" aria-hidden="true">
                        <span>{ form.signer.clone() }</span>
                    </div>
                } else {
                    <SignaturePad
                        locale={props.locale}
                        onimage={props.onimage.clone()}
                        error={error(Field::SignatureImage).map(AttrValue::from)}
                    />
                }
            </div>
            <div class={classes!("rw-agree", form.errors.contains_key(&Field::Agree).then_some("rw-invalid"))}>
                <label class="rw-check">
                    <input
                        type="checkbox"
                        id={Field::Agree.id()}
                        required=true
                        checked={form.agreed}
                        aria-invalid={form.errors.contains_key(&Field::Agree).then_some("true")}
                        aria-describedby={form.errors.contains_key(&Field::Agree).then_some("rw-agree-error")}
                        onchange={onagree}
                    />
                    <span>{ ct.agree }</span>
                </label>
                { error_text(AttrValue::Static("rw-agree-error"), error(Field::Agree)) }
            </div>
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct PadProps {
    pub locale: Locale,
    pub onimage: Callback<Option<String>>,
    #[prop_or_default]
    pub error: Option<AttrValue>,
}

/// Stroke state between pointer events.
#[derive(Default)]
struct Pen {
    down: bool,
    last: (f64, f64),
    inked: bool,
}

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok()??.dyn_into().ok()
}

/// Canvas pixels per CSS pixel, and the pointer's position in canvas pixels.
fn locate(canvas: &HtmlCanvasElement, e: &PointerEvent) -> (f64, (f64, f64)) {
    let rect = canvas.get_bounding_client_rect();
    let scale = if rect.width() > 0.0 {
        f64::from(canvas.width()) / rect.width()
    } else {
        1.0
    };
    let x = (f64::from(e.client_x()) - rect.left()) * scale;
    let y = (f64::from(e.client_y()) - rect.top()) * scale;
    (scale, (x, y))
}

/// Gives the canvas as many pixels as it shows (up to 2× for sharp lines).
fn fit(canvas: &HtmlCanvasElement) {
    let rect = canvas.get_bounding_client_rect();
    let dpr = web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .unwrap_or(1.0)
        .clamp(1.0, 2.0);
    let width = (rect.width() * dpr).round() as u32;
    let height = (rect.height() * dpr).round() as u32;
    if width > 0 && (canvas.width() != width || canvas.height() != height) {
        canvas.set_width(width);
        canvas.set_height(height);
    }
}

/// A signature pad: draw with any pointer; `onimage` gets the PNG after each
/// stroke and `None` when cleared.
#[function_component(SignaturePad)]
pub fn signature_pad(props: &PadProps) -> Html {
    let ct = props.locale.checkout_text();
    let canvas_ref = use_node_ref();
    let pen = use_mut_ref(Pen::default);
    {
        let canvas_ref = canvas_ref.clone();
        use_effect_with((), move |_| {
            if let Some(canvas) = canvas_ref.cast::<HtmlCanvasElement>() {
                fit(&canvas);
            }
        });
    }
    let onpointerdown = pen_down(&canvas_ref, &pen);
    let onpointermove = pen_move(&canvas_ref, &pen);
    let onpointerup = pen_up(&canvas_ref, &pen, &props.onimage);
    let clear = clear_pad(&canvas_ref, &pen, &props.onimage);
    let id = Field::SignatureImage.id();
    let error_id = format!("{id}-error");
    html! {
        <div class={classes!("rw-pad", props.error.is_some().then_some("rw-invalid"))}>
            <canvas
                ref={canvas_ref}
                {id}
                role="img"
                tabindex="-1"
                aria-label={ct.signature_pad}
                aria-describedby={format!("{id}-hint")}
                onpointerdown={onpointerdown}
                onpointermove={onpointermove}
                onpointerup={onpointerup.clone()}
                onpointercancel={onpointerup}
            />
            <div class="rw-pad-bar">
                <p class="rw-hint" id={format!("{id}-hint")}>{ ct.draw_hint }</p>
                <button type="button" class="rw-link" onclick={clear}>{ ct.clear }</button>
            </div>
            { error_text(error_id.into(), props.error.as_deref()) }
        </div>
    }
}

/// Starts a stroke: a dot where the pen touches (the pad is fitted to its size first while it is blank).
fn pen_down(canvas_ref: &NodeRef, pen: &Rc<RefCell<Pen>>) -> Callback<PointerEvent> {
    let (canvas_ref, pen) = (canvas_ref.clone(), pen.clone());
    Callback::from(move |e: PointerEvent| {
        let Some(canvas) = canvas_ref.cast::<HtmlCanvasElement>() else {
            return;
        };
        e.prevent_default();
        if !pen.borrow().inked {
            fit(&canvas);
        }
        let _ = canvas.set_pointer_capture(e.pointer_id());
        let (scale, at) = locate(&canvas, &e);
        let mut p = pen.borrow_mut();
        p.down = true;
        p.last = at;
        if let Some(ctx) = context(&canvas) {
            ctx.set_fill_style_str("#111827");
            ctx.begin_path();
            let _ = ctx.arc(at.0, at.1, 1.2 * scale, 0.0, std::f64::consts::TAU);
            ctx.fill();
        }
    })
}

/// Draws the stroke to where the pen moved.
fn pen_move(canvas_ref: &NodeRef, pen: &Rc<RefCell<Pen>>) -> Callback<PointerEvent> {
    let (canvas_ref, pen) = (canvas_ref.clone(), pen.clone());
    Callback::from(move |e: PointerEvent| {
        let Some(canvas) = canvas_ref.cast::<HtmlCanvasElement>() else {
            return;
        };
        let mut p = pen.borrow_mut();
        if !p.down {
            return;
        }
        e.prevent_default();
        let (scale, at) = locate(&canvas, &e);
        if let Some(ctx) = context(&canvas) {
            ctx.set_stroke_style_str("#111827");
            ctx.set_line_width(2.4 * scale);
            ctx.set_line_cap("round");
            ctx.set_line_join("round");
            ctx.begin_path();
            ctx.move_to(p.last.0, p.last.1);
            ctx.line_to(at.0, at.1);
            ctx.stroke();
        }
        p.last = at;
        p.inked = true;
    })
}

/// Ends the stroke and hands the drawing on as a PNG data URL.
fn pen_up(
    canvas_ref: &NodeRef,
    pen: &Rc<RefCell<Pen>>,
    onimage: &Callback<Option<String>>,
) -> Callback<PointerEvent> {
    let (canvas_ref, pen, onimage) = (canvas_ref.clone(), pen.clone(), onimage.clone());
    Callback::from(move |_: PointerEvent| {
        let Some(canvas) = canvas_ref.cast::<HtmlCanvasElement>() else {
            return;
        };
        let mut p = pen.borrow_mut();
        if !p.down {
            return;
        }
        p.down = false;
        p.inked = true;
        drop(p);
        onimage.emit(canvas.to_data_url().ok());
    })
}

/// Wipes the pad and forgets the drawing.
fn clear_pad(
    canvas_ref: &NodeRef,
    pen: &Rc<RefCell<Pen>>,
    onimage: &Callback<Option<String>>,
) -> Callback<MouseEvent> {
    let (canvas_ref, pen, onimage) = (canvas_ref.clone(), pen.clone(), onimage.clone());
    Callback::from(move |_: MouseEvent| {
        if let Some(canvas) = canvas_ref.cast::<HtmlCanvasElement>()
            && let Some(ctx) = context(&canvas)
        {
            ctx.clear_rect(
                0.0,
                0.0,
                f64::from(canvas.width()),
                f64::from(canvas.height()),
            );
        }
        *pen.borrow_mut() = Pen::default();
        onimage.emit(None);
    })
}
