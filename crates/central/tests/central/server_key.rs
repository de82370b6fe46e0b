//! The database under the server key: the SQLite file is encrypted, each
//! commune's CCCD secret is kept only wrapped (so neither the file nor a
//! PostgreSQL dump can recompute a citizen-ID hash to confirm a guess), and
//! another key is refused at opening.

use gocua_central::{CentralDb, CentralError, ServerKey};
use gocua_core::citizen_id::hash_citizen_id;
use gocua_testkit::backend::{Backend, Place};
use gocua_testkit::on_each_backend;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const CCCD: &str = "038090001234";

/// `communes.secret_hex` as a dump shows it.
fn stored_secret(place: &Place) -> String {
    match place.pg() {
        Some(url) => {
            let mut client = ::postgres::Client::connect(url, ::postgres::NoTls).unwrap();
            client
                .query_one("SELECT secret_hex FROM communes", &[])
                .unwrap()
                .get(0)
        }
        None => {
            let conn =
                gocua_central::inspect::open_sqlite(&place.path().join("central.db"), &place.key())
                    .unwrap();
            conn.query_row("SELECT secret_hex FROM communes", [], |r| r.get(0))
                .unwrap()
        }
    }
}

fn a_dump_cannot_recompute_a_citizen_id_hash(backend: Backend) {
    let place = Place::new(backend);
    let db = place.central();
    let commune = db.create_commune("Xã Thượng Ninh", "Thanh Hóa").unwrap();
    let target = db.import_target(Some(commune.id), None).unwrap();
    let real = hash_citizen_id(&target.secret, CCCD).unwrap();
    drop(db);

    let stored = stored_secret(&place);
    assert_ne!(
        stored,
        target.secret.to_hex(),
        "the secret is not kept as it is"
    );
    let mut guess = [0u8; 32];
    hex::decode_to_slice(&stored, &mut guess).unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&guess).unwrap();
    mac.update(CCCD.as_bytes());
    assert_ne!(
        hex::encode(mac.finalize().into_bytes()),
        real.0,
        "what the database holds must not confirm a guessed CCCD"
    );

    // The server, with its key, still hashes the same number the same way.
    let again = place.central();
    let target = again.import_target(Some(commune.id), None).unwrap();
    assert_eq!(hash_citizen_id(&target.secret, CCCD).unwrap(), real);
}

fn another_key_is_refused(backend: Backend) {
    let place = Place::new(backend);
    let db = place.central();
    db.create_commune("Xã Thượng Ninh", "Thanh Hóa").unwrap();
    drop(db);
    let other = ServerKey::generate();
    let opened = match place.pg() {
        Some(url) => CentralDb::connect(url, 1, &other),
        None => CentralDb::open(&place.path().join("central.db"), &other),
    };
    match opened {
        Err(e @ CentralError::WrongKey) => {
            assert!(e.message_vi().contains("khóa"), "{}", e.message_vi())
        }
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(_) => panic!("another key opened the database"),
    }
    // The right key still opens it, nothing lost.
    assert_eq!(place.central().communes().unwrap().len(), 1);
}

on_each_backend!(
    a_dump_cannot_recompute_a_citizen_id_hash,
    another_key_is_refused
);

#[test]
fn the_sqlite_file_is_unreadable_without_the_key() {
    let place = Place::new(Backend::Sqlite);
    let db = place.central();
    db.create_commune("Xã Bímậtthử", "Thanh Hóa").unwrap();
    drop(db);
    let file = place.path().join("central.db");
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        !bytes.starts_with(b"SQLite format 3"),
        "not a plain SQLite file"
    );
    let needle = "Bímậtthử".as_bytes();
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle),
        "a name is readable in the file"
    );
    let conn = rusqlite::Connection::open(&file).unwrap();
    assert!(
        conn.query_row("SELECT count(*) FROM communes", [], |r| r.get::<_, i64>(0))
            .is_err(),
        "read without the key"
    );
}
