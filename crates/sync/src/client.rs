//! The device's sync client (to be written).
