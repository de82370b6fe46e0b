//! What every form screen holds, as one hook: its fields, the message under
//! each bad field, the failure of its last save and whether a save is under
//! way. A screen then only says how its fields are checked and saved.

use crate::api::ApiResult;
use crate::forms::{FieldErrors, still_wrong};
use crate::ipc::ApiError;
use std::future::Future;
use std::rc::Rc;
use yew::platform::spawn_local;
use yew::prelude::*;

#[derive(Clone)]
pub struct FormState<F: 'static> {
    pub fields: UseStateHandle<F>,
    pub errors: UseStateHandle<FieldErrors>,
    pub failure: UseStateHandle<Option<ApiError>>,
    pub busy: UseStateHandle<bool>,
    /// The form's own check, run on each edit so a message goes as soon
    /// as its field is right (not only at the next "Lưu").
    check: Rc<dyn Fn(&F) -> FieldErrors>,
}

#[hook]
pub fn use_form<F, I, C>(initial: I, check: C) -> FormState<F>
where
    F: Clone + 'static,
    I: FnOnce() -> F + 'static,
    C: Fn(&F) -> FieldErrors + 'static,
{
    let check = use_mut_ref(|| Rc::new(check) as Rc<dyn Fn(&F) -> FieldErrors>);
    let check = check.borrow().clone();
    FormState {
        fields: use_state(initial),
        errors: use_state(FieldErrors::new),
        failure: use_state(|| None::<ApiError>),
        busy: use_state(|| false),
        check,
    }
}

impl<F: Clone + 'static> FormState<F> {
    /// A callback that sets one part of the fields from what an input gives.
    pub fn setter<V: 'static>(&self, set: fn(&mut F, V)) -> Callback<V> {
        let (fields, errors, check) =
            (self.fields.clone(), self.errors.clone(), self.check.clone());
        Callback::from(move |v: V| {
            let mut next = (*fields).clone();
            set(&mut next, v);
            if !errors.is_empty() {
                errors.set(still_wrong(&errors, check(&next)));
            }
            fields.set(next);
        })
    }

    /// The message under a field, if it is wrong.
    pub fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field).cloned()
    }

    /// The fields as `check` makes them, or None with its messages shown.
    pub fn checked<T>(&self, check: impl FnOnce(&F) -> Result<T, FieldErrors>) -> Option<T> {
        match check(&self.fields) {
            Ok(v) => {
                self.errors.set(FieldErrors::new());
                Some(v)
            }
            Err(found) => {
                self.errors.set(found);
                None
            }
        }
    }

    /// Run a save with the form busy (its button disabled). A failure is
    /// shown above the form, after `on_failure` has seen it; the fields
    /// stay as typed, so nothing the member entered is lost.
    pub fn save<T, Fut>(
        &self,
        save: Fut,
        on_saved: impl FnOnce(T) + 'static,
        on_failure: impl FnOnce(&ApiError) + 'static,
    ) where
        T: 'static,
        Fut: Future<Output = ApiResult<T>> + 'static,
    {
        self.busy.set(true);
        self.failure.set(None);
        let (failure, busy) = (self.failure.clone(), self.busy.clone());
        spawn_local(async move {
            match save.await {
                Ok(v) => on_saved(v),
                Err(e) => {
                    on_failure(&e);
                    failure.set(Some(e));
                    busy.set(false);
                }
            }
        });
    }
}
