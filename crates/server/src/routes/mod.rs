//! The API, one file per area. Handlers are thin: extract, call the
//! database, shape the wire type.

pub mod enroll;
pub mod health;
pub mod org;
pub mod relay;
pub mod signing_key;
pub mod sync;

use gocua_central as central;
use gocua_wire as wire;

pub fn wire_scope(s: central::Scope) -> wire::Scope {
    wire::Scope {
        commune_id: s.commune_id,
        role: s.role,
        village_ids: s.village_ids,
    }
}
