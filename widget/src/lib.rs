//! The Renewly widget: Yew components mounted by `loader.js` into the Shadow DOM
//! of `<renewly-pricing>`, `<renewly-checkout>` and `<renewly-portal>`.

use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// What the loader passes from the custom element's attributes.
#[derive(Properties, PartialEq, Clone)]
pub struct Props {
    /// `pricing`, `checkout` or `portal`.
    pub element: AttrValue,
    /// The API origin the widget talks to.
    pub api: AttrValue,
}

/// The root component; each element kind renders its own flow.
#[function_component(Widget)]
pub fn widget(props: &Props) -> Html {
    html! {
        <div class="renewly" data-element={props.element.clone()} data-api={props.api.clone()}>
            <p>{ "Renewly" }</p>
        </div>
    }
}

/// Mounts the widget for one custom element into `root` (a node of its shadow root).
#[wasm_bindgen]
pub fn mount(root: web_sys::Element, element: String, api: String) {
    yew::Renderer::<Widget>::with_root_and_props(
        root,
        Props {
            element: element.into(),
            api: api.into(),
        },
    )
    .render();
}
