//! What every fold-out comment form holds (the review loop's "Đã sửa",
//! "Đánh dấu cần sửa", "Hủy lượt thăm"), as one hook: whether it is open,
//! the text typed, and the failure of its last send. A component then only
//! says what sending does.

use crate::api::ApiResult;
use crate::ipc::ApiError;
use std::future::Future;
use web_sys::HtmlTextAreaElement;
use yew::platform::spawn_local;
use yew::prelude::*;

#[derive(Clone)]
pub struct FoldOut {
    pub open: UseStateHandle<bool>,
    pub text: UseStateHandle<String>,
    pub error: UseStateHandle<Option<ApiError>>,
}

#[hook]
pub fn use_fold_out() -> FoldOut {
    FoldOut {
        open: use_state(|| false),
        text: use_state(String::new),
        error: use_state(|| None::<ApiError>),
    }
}

impl FoldOut {
    pub fn is_open(&self) -> bool {
        *self.open
    }

    /// Open or close the form (its button's click).
    pub fn toggle(&self) -> Callback<MouseEvent> {
        let open = self.open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    }

    /// The textarea's input.
    pub fn oninput(&self) -> Callback<InputEvent> {
        let text = self.text.clone();
        Callback::from(move |e: InputEvent| {
            text.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    }

    /// A click that sends what `send` makes of the text typed. Sent: the
    /// form closes empty and `done` is told (the record shows its next
    /// step); refused: the failure shows under it, after `on_failure` has
    /// seen it, and the text stays as typed.
    pub fn submit<T, Fut>(
        &self,
        send: impl Fn(String) -> Fut + 'static,
        done: Callback<()>,
        on_failure: impl Fn(&ApiError) + 'static,
    ) -> Callback<MouseEvent>
    where
        T: 'static,
        Fut: Future<Output = ApiResult<T>> + 'static,
    {
        let form = self.clone();
        let on_failure = std::rc::Rc::new(on_failure);
        Callback::from(move |_: MouseEvent| {
            let sending = send((*form.text).clone());
            let (form, done, on_failure) = (form.clone(), done.clone(), on_failure.clone());
            spawn_local(async move {
                match sending.await {
                    Ok(_) => {
                        form.text.set(String::new());
                        form.open.set(false);
                        form.error.set(None);
                        done.emit(());
                    }
                    Err(e) => {
                        on_failure(&e);
                        form.error.set(Some(e));
                    }
                }
            });
        })
    }
}
