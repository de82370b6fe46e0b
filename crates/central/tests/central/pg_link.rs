//! The link to PostgreSQL is encrypted as its URL's `sslmode` asks
//! (scripts/postgres.sh turns TLS on for the tests, GOCUA_TEST_PG_CA names
//! its certificate): `require` encrypts, `verify-full` also checks the
//! certificate against the authority given, and refuses another's.

use gocua_central::CentralDb;
use gocua_testkit::backend::{Backend, Place, pg_url};

fn with(url: &str, params: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{params}")
}

fn encrypted(place: &Place, url: &str) -> Option<bool> {
    CentralDb::connect(url, 1, &place.key())
        .unwrap_or_else(|e| panic!("connecting with {url}: {e}"))
        .link_encrypted()
        .unwrap()
}

#[test]
fn sslmode_require_and_disable_are_carried_out() {
    if pg_url().is_none() {
        return;
    }
    let place = Place::new(Backend::Postgres);
    let url = place.pg().unwrap();
    assert_eq!(encrypted(&place, &with(url, "sslmode=require")), Some(true));
    assert_eq!(
        encrypted(&place, &with(url, "sslmode=disable")),
        Some(false)
    );
    // libpq's default, prefer: encrypted where the server offers it.
    assert_eq!(encrypted(&place, url), Some(true));
}

#[test]
fn verify_full_checks_the_certificate_against_the_authority_given() {
    if pg_url().is_none() {
        return;
    }
    let Ok(ca) = std::env::var("GOCUA_TEST_PG_CA") else {
        eprintln!("GOCUA_TEST_PG_CA is not set: verify-full not tested");
        return;
    };
    let place = Place::new(Backend::Postgres);
    let url = place.pg().unwrap();
    let full = with(url, &format!("sslmode=verify-full&sslrootcert={ca}"));
    assert_eq!(encrypted(&place, &full), Some(true));

    // An authority that did not sign the server's certificate.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other-ca.pem");
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    std::fs::write(&other, cert.cert.pem()).unwrap();
    let wrong = with(
        url,
        &format!("sslmode=verify-full&sslrootcert={}", other.display()),
    );
    let err = match CentralDb::connect(&wrong, 1, &place.key()) {
        Ok(_) => panic!("a certificate no trusted authority signed was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.to_lowercase().contains("certificate") || err.contains("tls"),
        "{err}"
    );
}
