//! The server's certificate. On first start a self-signed one is made with
//! rcgen and kept under DATA/tls/ (the key readable by the owner only);
//! `--tls-cert/--tls-key` use another. Devices pin its SHA-256 fingerprint,
//! so there is no CA to trust and the names in it matter only to browsers.

use anyhow::{Context, Result};
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};

/// Names every generated certificate carries.
const DEFAULT_SANS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

pub struct Tls {
    pub config: ServerConfig,
    /// Lower-case hex SHA-256 of the certificate.
    pub fingerprint: String,
}

pub fn cert_paths(data: &Path) -> (PathBuf, PathBuf) {
    let dir = data.join("tls");
    (dir.join("cert.pem"), dir.join("key.pem"))
}

/// The generated certificate and key, made now if they do not exist yet.
pub fn ensure_self_signed(data: &Path, extra_sans: &[String]) -> Result<(PathBuf, PathBuf)> {
    let (cert_path, key_path) = cert_paths(data);
    if cert_path.exists() && key_path.exists() {
        return Ok((cert_path, key_path));
    }
    let dir = data.join("tls");
    crate::data_dir::private_dir(&dir)?;
    let mut sans: Vec<String> = DEFAULT_SANS.iter().map(|s| s.to_string()).collect();
    for s in extra_sans {
        let s = s.trim();
        if !s.is_empty() && !sans.iter().any(|x| x == s) {
            sans.push(s.to_string());
        }
    }
    let mut params =
        rcgen::CertificateParams::new(sans.clone()).context("certificate names (--tls-san)")?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Gõ Cửa commune server");
    let key = rcgen::KeyPair::generate().context("generating the TLS key")?;
    let cert = params
        .self_signed(&key)
        .context("making the self-signed certificate")?;
    // Key first: a certificate without its key is useless, the other way
    // round the next start simply makes a new pair.
    crate::data_dir::write_private(&key_path, key.serialize_pem().as_bytes())?;
    crate::data_dir::write_private(&cert_path, cert.pem().as_bytes())?;
    tracing::info!(names = ?sans, path = %cert_path.display(), "created a self-signed certificate");
    Ok((cert_path, key_path))
}

/// Load the certificate to serve: the given one, or the generated one.
pub fn load(data: &Path, extra_sans: &[String], given: Option<(&Path, &Path)>) -> Result<Tls> {
    let (cert_path, key_path) = match given {
        Some((c, k)) => (c.to_path_buf(), k.to_path_buf()),
        None => ensure_self_signed(data, extra_sans)?,
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .and_then(|it| it.collect::<Result<_, _>>())
        .with_context(|| format!("reading certificate {}", cert_path.display()))?;
    let first = certs
        .first()
        .with_context(|| format!("no certificate in {}", cert_path.display()))?;
    let fingerprint = gocua_wire::cert_fingerprint(first.as_ref());
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .with_context(|| format!("reading private key {}", key_path.display()))?;
    let mut config = ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .context("certificate and key do not match")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Tls {
        config,
        fingerprint,
    })
}

/// Fingerprint of the first certificate in a PEM file.
pub fn fingerprint_of(cert_path: &Path) -> Result<String> {
    let cert = CertificateDer::from_pem_file(cert_path)
        .with_context(|| format!("reading certificate {}", cert_path.display()))?;
    Ok(gocua_wire::cert_fingerprint(cert.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_certificate_is_kept_and_its_key_is_private() {
        let dir = tempfile::TempDir::new().unwrap();
        let a = load(dir.path(), &["192.0.2.7".into()], None).unwrap();
        let b = load(dir.path(), &[], None).unwrap();
        assert_eq!(a.fingerprint, b.fingerprint, "made once, then reused");
        assert_eq!(a.fingerprint.len(), 64);
        let (cert, key) = cert_paths(dir.path());
        assert_eq!(fingerprint_of(&cert).unwrap(), a.fingerprint);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
