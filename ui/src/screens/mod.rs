//! One module per screen.

pub mod enroll;
pub mod home;
pub mod household;
pub mod household_form;
pub mod relay;
pub mod resident_form;
pub mod review;
pub mod team;
pub mod unlock;
pub mod visit;
pub mod worklist;
